import CCurlShim
import OSSHTTP
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One request in flight: its easy handle, its upload source and its buffered response.
///
/// curl's callbacks run on the driver thread; the consuming task calls ``next()``. The mutex
/// guards everything they share. The parts live apart: the handle's options
/// (CurlTransfer+Options.swift), the response body (CurlTransfer+Body.swift), the upload
/// (CurlUpload.swift) and the mapping of curl's codes (CurlErrors.swift).
final class CurlTransfer: HTTPBodySource, @unchecked Sendable {
    struct Head: Sendable {
        var status: Int
        var headers: [HTTPHeaderField]
    }

    typealias BodyBuffer = ResponseBodyBuffer<CheckedContinuation<[UInt8]?, any Error>>

    struct State {
        var status = 0
        var headers: [HTTPHeaderField] = []
        var headDelivered = false
        var headContinuation: CheckedContinuation<Head, any Error>?
        /// How the transfer ended, for the head's waiter (the first outcome wins).
        var outcome: Result<Void, TransportError>?
        /// The response body: queue, watermarks, spare chunks, the consumer's continuation.
        var body = BodyBuffer()
    }

    /// curl's receive buffer.
    static let receiveBufferSize = 128 << 10

    let easy: UnsafeMutableRawPointer
    let driver: CurlDriver
    let headerList: UnsafeMutablePointer<curl_slist>?
    /// The request body; opened, read and seeked only on the driver thread.
    let upload: CurlUpload
    let state = LockedValue(State())

    var isCancelled: Bool { state.withLock { $0.body.isCancelled } }

    init(_ request: TransportRequest, driver: CurlDriver, settings: CurlTransportSettings = CurlTransportSettings()) throws(TransportError) {
        upload = CurlUpload(request.body, progress: request.uploadProgress)
        guard let handle = oss_curl_easy_init() else { throw TransportError(.other, "curl_easy_init failed") }
        easy = handle
        self.driver = driver
        headerList = Self.headerList(for: request.headers)
        configure(request, settings: settings)
    }

    deinit {
        oss_curl_easy_cleanup(easy)
        oss_curl_slist_free_all(headerList)
    }

    // MARK: Task side

    /// Hands the transfer to the driver and waits for the response head.
    func start() async throws -> Head {
        try await withCheckedThrowingContinuation { continuation in
            let immediate: Result<Head, TransportError>? = state.withLock { state in
                if state.body.isCancelled { return .failure(TransportError(.cancelled, "the request was cancelled")) }
                state.headContinuation = continuation
                return nil
            }
            if let immediate {
                continuation.resume(with: immediate.mapError { $0 as any Error })
            } else {
                driver.submit(.add(self))
            }
        }
    }

    // MARK: Driver side

    /// The transfer ended (from curl's completion message).
    func complete(_ code: CURLcode) {
        if code == CURLE_OK {
            finish(.success(()))
        } else {
            finish(.failure(Self.error(for: code, cancelled: isCancelled)))
        }
    }

    func finish(_ outcome: Result<Void, TransportError>) {
        // Under one lock: settle the outcome (the first one wins), take the head's waiter, and
        // let the body buffer say whether its waiter is to be resumed.
        typealias Waiters = (head: CheckedContinuation<Head, any Error>?, headOutcome: Result<Head, TransportError>,
                             body: BodyBuffer.FinishAction)
        let waiters = state.withLock { state -> Waiters in
            if state.outcome == nil { state.outcome = outcome }
            let head = state.headContinuation
            state.headContinuation = nil
            let headOutcome: Result<Head, TransportError>
            switch state.outcome! {
            case .success:
                // A response with no body ends before its header block is reported as ended.
                if head != nil { state.headDelivered = true }
                headOutcome = .success(Head(status: state.status, headers: state.headers))
            case let .failure(error):
                headOutcome = .failure(error)
            }
            return (head, headOutcome, state.body.finish(outcome))
        }
        waiters.head?.resume(with: waiters.headOutcome.mapError { $0 as any Error })
        if case let .resume(waiter, value) = waiters.body {
            waiter.resume(with: value.mapError { $0 as any Error })
        }
    }

    func onHeader(_ buffer: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: count), as: UTF8.self)
        let trimmedLine = line.trimmingWhitespace()
        var continuation: CheckedContinuation<Head, any Error>?
        var head: Head?
        state.withLock { state in
            if trimmedLine.hasPrefix("HTTP/") {
                let parts = trimmedLine.split(separator: " ", maxSplits: 2)
                state.status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
                state.headers.removeAll()
            } else if trimmedLine.isEmpty {
                // End of a header block; 1xx blocks are followed by the real one.
                if state.status >= 200 && !state.headDelivered {
                    state.headDelivered = true
                    continuation = state.headContinuation
                    state.headContinuation = nil
                    head = Head(status: state.status, headers: state.headers)
                }
            } else if let colon = trimmedLine.firstIndex(of: ":") {
                let name = String(trimmedLine[..<colon])
                let value = String(trimmedLine[trimmedLine.index(after: colon)...]).trimmingWhitespace(lineBreaks: false)
                state.headers.append(HTTPHeaderField(name, value))
            }
        }
        if let continuation, let head { continuation.resume(returning: head) }
        return count
    }
}
