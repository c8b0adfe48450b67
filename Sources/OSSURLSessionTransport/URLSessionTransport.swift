import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OSSHTTP
import OSSLocking

/// A transport on one long-lived `URLSession`: the default on Apple platforms, selectable on Linux.
///
/// Redirects are not followed and `Accept-Encoding: identity` is sent, so the bytes that arrive are
/// the bytes OSS checksummed. A slow consumer suspends the task instead of buffering the object.
/// URLSession has a single idle timeout, so ``TransportTimeouts/idle`` bounds connecting too.
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
        let state = TaskState(task: task, bodyStream: bodyStream)
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

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        state(task, remove: true)?.complete(error)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// One task's head, buffered body and outcome.
private final class TaskState: HTTPBodySource, @unchecked Sendable {
    struct Head {
        var status: Int
        var headers: [HTTPHeaderField]
    }

    // Guards the fields below (NSLock's withLock needs macOS 14).
    // A byte, not Void: with an empty value the lock's header shares its address with the mutex,
    // and ThreadSanitizer reports the body's access to the (empty) value as racing the next
    // caller's lock.
    private let lock = LockedValue<UInt8>(0)
    private let task: URLSessionTask
    private var headContinuation: CheckedContinuation<Head, any Error>?
    private var head: Head?
    private var chunks: [[UInt8]] = []
    private var buffered = 0
    private var suspended = false
    private var outcome: Result<Void, TransportError>?
    private var bodyContinuation: CheckedContinuation<[UInt8]?, any Error>?
    private var cancelled = false
    private let bodyStream: (@Sendable () -> InputStream)?

    init(task: URLSessionTask, bodyStream: (@Sendable () -> InputStream)?) {
        self.task = task
        self.bodyStream = bodyStream
    }

    /// A new stream over the upload body, from its start; nil when the request has none.
    func makeBodyStream() -> InputStream? {
        bodyStream?()
    }

    func start() async throws -> Head {
        try await withCheckedThrowingContinuation { continuation in
            let failed: TransportError? = lock.withLock { _ in
                if cancelled { return TransportError(.cancelled, "the request was cancelled") }
                headContinuation = continuation
                return nil
            }
            if let failed { continuation.resume(throwing: failed) } else { task.resume() }
        }
    }

    func receive(_ response: HTTPURLResponse?) {
        let head = Head(status: response?.statusCode ?? 0, headers: Self.headerFields(of: response))
        let continuation: CheckedContinuation<Head, any Error>? = lock.withLock { _ in
            self.head = head
            defer { headContinuation = nil }
            return headContinuation
        }
        continuation?.resume(returning: head)
    }

    func receive(_ data: Data) {
        let chunk = [UInt8](data)
        let waiting: CheckedContinuation<[UInt8]?, any Error>? = lock.withLock { _ in
            if let waiting = bodyContinuation {
                bodyContinuation = nil
                return waiting
            }
            chunks.append(chunk)
            buffered += chunk.count
            if buffered > 1 << 20 && !suspended {
                suspended = true
                task.suspend()
            }
            return nil
        }
        waiting?.resume(returning: chunk)
    }

    func complete(_ error: (any Error)?) {
        let result: Result<Void, TransportError> = error.map { .failure(Self.map($0, cancelled: lock.withLock { _ in cancelled })) } ?? .success(())
        let (headWaiter, bodyWaiter): (CheckedContinuation<Head, any Error>?, CheckedContinuation<[UInt8]?, any Error>?) = lock.withLock { _ in
            outcome = result
            defer { headContinuation = nil; bodyContinuation = nil }
            return (headContinuation, chunks.isEmpty ? bodyContinuation : nil)
        }
        if let headWaiter {
            switch result {
            case .success: headWaiter.resume(throwing: TransportError(.other, "no response"))
            case let .failure(error): headWaiter.resume(throwing: error)
            }
        }
        if let bodyWaiter {
            switch result {
            case .success: bodyWaiter.resume(returning: nil)
            case let .failure(error): bodyWaiter.resume(throwing: error)
            }
        }
    }

    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                var resumeTask = false
                let ready: Result<[UInt8]?, TransportError>? = lock.withLock { _ in
                    if !chunks.isEmpty {
                        let chunk = chunks.removeFirst()
                        buffered -= chunk.count
                        if suspended && buffered < 256 << 10 {
                            suspended = false
                            resumeTask = true
                        }
                        return .success(chunk)
                    }
                    if let outcome { return outcome.map { nil } }
                    bodyContinuation = continuation
                    return nil
                }
                if resumeTask { task.resume() }
                if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
            }
        } onCancel: {
            cancel()
        }
    }

    func cancel() {
        let first = lock.withLock { _ -> Bool in
            defer { cancelled = true }
            return !cancelled && outcome == nil
        }
        if first { task.cancel() }
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
