import Foundation
import OSSHTTP
import OSSLocking

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A transport on one long-lived `URLSession`: the default on Apple platforms, selectable on Linux.
///
/// Redirects are not followed and `Accept-Encoding: identity` is sent, so the bytes that arrive are
/// the bytes OSS checksummed. A slow consumer suspends the task instead of buffering the object.
/// URLSession has a single idle timeout, so `TransportTimeouts.idle` bounds connecting too.
public final class URLSessionTransport: Transport {
    /// One session for the process, so connections are reused.
    public static let shared = URLSessionTransport()

    private let session: URLSession
    private let delegate: SessionDelegate

    /// A transport on a new session; most code should use ``shared``.
    public init() {
        let configuration = URLSessionConfiguration.default
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        delegate = SessionDelegate()
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
    }

    /// Starts a task on this transport's session and returns at the response head; the body is
    /// pulled as the caller reads it.
    public func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
        guard let url = URL(string: request.url) else {
            throw TransportError(.invalidRequest, "not a URL")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = TimeInterval(request.timeouts.idle.components.seconds) + 1
        for field in request.headers {
            let (name, value) = (field.name, field.value)
            urlRequest.addValue(value, forHTTPHeaderField: name)
        }
        if urlRequest.value(forHTTPHeaderField: "Accept-Encoding") == nil {
            urlRequest.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        }
        let task: URLSessionTask
        var bodyStream: (@Sendable () -> InputStream)?
        switch request.body {
        case .none:
            task = session.dataTask(with: urlRequest)
        case let .bytes(bytes):
            task = session.uploadTask(with: urlRequest, from: Data(bytes))
        case let .file(path, offset, length):
            // Streamed: the session pulls the range through `FileRangeInputStream` on its own
            // thread, a buffer at a time, so neither the file nor a stat of it touches the
            // calling task, and memory stays flat for any size. The delegate hands out a fresh
            // stream each time the session asks (a new connection starts the body again).
            guard offset >= 0, length >= 0, offset <= Int64.max - length else {
                throw TransportError(.invalidRequest, "the byte range \(offset)+\(length) of the upload file is out of bounds")
            }
            #if canImport(FoundationNetworking)
            // swift-corelibs-foundation cannot tell a stream's length, so it sends the body
            // chunked and would add `Transfer-Encoding: chunked` beside a Content-Length, which
            // servers refuse (400). The chunked body carries the same bytes.
            urlRequest.setValue(nil, forHTTPHeaderField: "Content-Length")
            // libcurl under it then asks `Expect: 100-continue`, and swift-corelibs-foundation
            // reports the interim 100 as the response: an empty Expect tells curl not to ask.
            urlRequest.setValue("", forHTTPHeaderField: "Expect")
            #else
            // With a Content-Length, URLSession sends the stream as a sized body, not chunked.
            urlRequest.setValue(String(length), forHTTPHeaderField: "Content-Length")
            #endif
            bodyStream = { FileRangeInputStream(path: path, offset: offset, length: length) }
            task = session.uploadTask(withStreamedRequest: urlRequest)
        }
        let state = TaskState(task: task, bodyStream: bodyStream, uploadProgress: request.uploadProgress)
        delegate.register(state, for: task)
        do {
            return try await withTaskCancellationHandler {
                let head = try await state.start()
                return TransportResponse(status: head.status, headers: head.headers, body: HTTPResponseBody(source: state))
            } onCancel: {
                state.cancel()
            }
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.other, "\(type(of: error))")
        }
    }
}

/// Routes session callbacks to the state of each task.
private final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let states = LockedValue<[Int: TaskState]>([:])

    func register(_ state: TaskState, for task: URLSessionTask) {
        states.withLock { $0[task.taskIdentifier] = state }
    }

    private func state(_ task: URLSessionTask, remove: Bool = false) -> TaskState? {
        states.withLock { remove ? $0.removeValue(forKey: task.taskIdentifier) : $0[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        state(dataTask)?.receive(response as? HTTPURLResponse)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        state(dataTask)?.receive(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, needNewBodyStream completionHandler: @escaping (InputStream?) -> Void) {
        completionHandler(state(task)?.makeBodyStream())
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64, totalBytesSent: Int64,
                    totalBytesExpectedToSend: Int64) {
        state(task)?.uploadProgress?(totalBytesSent)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        state(task, remove: true)?.complete(error)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// One task's head, buffered body and outcome.
///
/// The body's queue, watermarks, spare chunks and waiter are the shared `ResponseBodyBuffer`;
/// this class keeps it behind its lock and performs what it answers on the `URLSessionTask`.
private final class TaskState: HTTPBodySource, @unchecked Sendable {
    struct Head {
        var status: Int
        var headers: [HTTPHeaderField]
    }

    typealias BodyBuffer = ResponseBodyBuffer<CheckedContinuation<[UInt8]?, any Error>>

    /// Everything the session's queue and the consuming task share (NSLock's withLock needs macOS 14).
    private struct Shared {
        var headContinuation: CheckedContinuation<Head, any Error>?
        var head: Head?
        var body = BodyBuffer()
    }

    private let shared = LockedValue(Shared())
    private let task: URLSessionTask
    private let bodyStream: (@Sendable () -> InputStream)?
    /// The request's upload progress, told the session's count of body bytes sent.
    let uploadProgress: UploadProgressHandler?

    init(task: URLSessionTask, bodyStream: (@Sendable () -> InputStream)?, uploadProgress: UploadProgressHandler?) {
        self.task = task
        self.bodyStream = bodyStream
        self.uploadProgress = uploadProgress
    }

    /// A new stream over the upload body, from its start; nil when the request has none.
    func makeBodyStream() -> InputStream? {
        bodyStream?()
    }

    func start() async throws -> Head {
        try await withCheckedThrowingContinuation { continuation in
            let failed: TransportError? = shared.withLock { shared in
                if shared.body.isCancelled { return TransportError(.cancelled, "the request was cancelled") }
                shared.headContinuation = continuation
                return nil
            }
            if let failed { continuation.resume(throwing: failed) } else { task.resume() }
        }
    }

    func receive(_ response: HTTPURLResponse?) {
        let head = Head(status: response?.statusCode ?? 0, headers: Self.headerFields(of: response))
        let continuation: CheckedContinuation<Head, any Error>? = shared.withLock { shared in
            shared.head = head
            defer { shared.headContinuation = nil }
            return shared.headContinuation
        }
        continuation?.resume(returning: head)
    }

    func receive(_ data: Data) {
        let action = shared.withLock { shared -> BodyBuffer.ReceiveAction in
            let action = data.withUnsafeBytes { shared.body.receive($0) }
            // URLSession cannot refuse bytes, so the task is suspended instead, under the lock:
            // a suspend and a resume are then issued in the order the buffer decided them.
            // Not with swift-corelibs-foundation: there a suspended data task keeps delivering
            // (no back-pressure), and a suspend that lands as the task completes ends the process
            // in NativeProtocol (fatalError). On Linux curl is the default transport.
            #if !canImport(FoundationNetworking)
            if case .pauseProducer = action { task.suspend() }
            #endif
            return action
        }
        if case let .resume(waiter, chunk) = action { waiter.resume(returning: chunk) }
    }

    func complete(_ error: (any Error)?) {
        let (headWaiter, bodyAction, result) = shared.withLock { shared in
            let result: Result<Void, TransportError> = error.map { .failure(Self.map($0, cancelled: shared.body.isCancelled)) } ?? .success(())
            defer { shared.headContinuation = nil }
            return (shared.headContinuation, shared.body.finish(result), result)
        }
        if let headWaiter {
            switch result {
            case .success: headWaiter.resume(throwing: TransportError(.other, "no response"))
            case let .failure(error): headWaiter.resume(throwing: error)
            }
        }
        if case let .resume(waiter, value) = bodyAction {
            waiter.resume(with: value.mapError { $0 as any Error })
        }
    }

    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                let action = shared.withLock { shared -> BodyBuffer.NextAction in
                    let action = shared.body.next(continuation)
                    // Under the lock, like the suspend it undoes.
                    #if !canImport(FoundationNetworking)
                    if case .deliver(_, resumeProducer: true) = action { task.resume() }
                    #endif
                    return action
                }
                switch action {
                case let .deliver(chunk, _): continuation.resume(returning: chunk)
                case .end: continuation.resume(returning: nil)
                case let .fail(error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            cancel()
        }
    }

    func recycle(_ chunk: [UInt8]) {
        shared.withLock { $0.body.recycle(chunk) }
    }

    func cancel() {
        guard case let .stopProducer(waiter, error) = shared.withLock({ $0.body.cancel() }) else { return }
        waiter?.resume(throwing: error)
        task.cancel()
    }

    /// The response's fields as the transport contract allows URLSession to give them.
    ///
    /// URLSession keeps no wire order and folds repeated fields into one, values joined with
    /// ", " (which RFC 9110 section 5.3 makes equivalent for list-valued fields). What it does
    /// give is made deterministic: one field a name, sorted by lower-cased name, so that two runs
    /// over the same response see the same list. curl gives the wire's order and repeats.
    static func headerFields(of response: HTTPURLResponse?) -> [HTTPHeaderField] {
        var fields: [HTTPHeaderField] = []
        for (name, value) in response?.allHeaderFields ?? [:] {
            fields.append(HTTPHeaderField("\(name)", "\(value)"))
        }
        return fields.sorted { ($0.name.lowercased(), $0.name) < ($1.name.lowercased(), $1.name) }
    }

    static func map(_ error: any Error, cancelled: Bool) -> TransportError {
        if cancelled { return TransportError(.cancelled, "the request was cancelled") }
        let nsError = error as NSError
        guard nsError.domain == NSURLErrorDomain else { return TransportError(.other, nsError.localizedDescription) }
        switch nsError.code {
        case NSURLErrorCancelled: return TransportError(.cancelled, "the request was cancelled")
        case NSURLErrorTimedOut: return TransportError(.timedOut, "timed out")
        case NSURLErrorCannotConnectToHost, NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed, NSURLErrorNotConnectedToInternet:
            return TransportError(.connect, "could not connect")
        case NSURLErrorNetworkConnectionLost: return TransportError(.connectionLost, "the connection was lost")
        case NSURLErrorServerCertificateUntrusted, NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateHasBadDate,
             NSURLErrorServerCertificateHasUnknownRoot, NSURLErrorServerCertificateNotYetValid:
            return TransportError(.tls, "TLS failed")
        case NSURLErrorBadURL, NSURLErrorUnsupportedURL: return TransportError(.invalidRequest, "bad URL")
        default:
            // URLSession on Linux reports a body cut short as a generic network error.
            return TransportError(.connectionLost, "network error \(nsError.code)")
        }
    }
}
