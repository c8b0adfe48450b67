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
/// guards everything they share.
final class CurlTransfer: HTTPBodySource, @unchecked Sendable {
    struct Head: Sendable {
        var status: Int
        var headers: [HTTPHeaderField]
    }

    private struct State {
        var status = 0
        var headers: [HTTPHeaderField] = []
        var headDelivered = false
        var headContinuation: CheckedContinuation<Head, any Error>?
        var chunks: [[UInt8]] = []
        var chunkIndex = 0
        var buffered = 0
        var paused = false
        var outcome: Result<Void, TransportError>?
        var bodyContinuation: CheckedContinuation<[UInt8]?, any Error>?
        var cancelled = false
        /// Emptied chunks handed back by the consumer, refilled instead of allocating.
        var spare: [[UInt8]] = []
    }

    /// curl's receive buffer.
    static let receiveBufferSize = 128 << 10
    /// The largest chunk handed to the consumer: deliveries are gathered up to this size.
    static let chunkSize = 256 << 10

    let easy: UnsafeMutableRawPointer
    private let driver: CurlDriver
    private let headerList: UnsafeMutablePointer<curl_slist>?
    private let upload: HTTPRequestBody
    private let uploadFile: Int32
    /// Upload position; touched only by curl callbacks on the driver thread.
    private var uploadPosition: Int64 = 0
    private let state = LockedValue(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    init(_ request: TransportRequest, driver: CurlDriver, settings: CurlTransportSettings = CurlTransportSettings()) throws {
        guard let handle = oss_curl_easy_init() else { throw TransportError(.other, "curl_easy_init failed") }
        easy = handle
        self.driver = driver
        upload = request.body
        if case let .file(path, _, _) = request.body {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                oss_curl_easy_cleanup(handle)
                throw TransportError(.invalidRequest, "cannot open the upload file \(path): \(String(cString: strerror(errno)))")
            }
            uploadFile = fd
        } else {
            uploadFile = -1
        }

        var list: UnsafeMutablePointer<curl_slist>?
        var sawContentType = false
        for field in request.headers {
            let (name, value) = (field.name, field.value)
            if HTTPHeaderName.equal(name, "Content-Type") { sawContentType = true }
            // "Name;" is curl's syntax for a header with an empty value.
            list = oss_curl_slist_append(list, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // curl adds headers of its own for some methods; the ones a signature could cover are removed.
        if !sawContentType { list = oss_curl_slist_append(list, "Content-Type:") }
        headerList = list

        set(CURLOPT_URL, request.url)
        setLong(CURLOPT_PATH_AS_IS, 1)           // the path goes out exactly as signed
        setLong(CURLOPT_NOSIGNAL, 1)
        setLong(CURLOPT_TCP_KEEPALIVE, 1)
        setLong(CURLOPT_SSL_VERIFYPEER, 1)
        setLong(CURLOPT_SSL_VERIFYHOST, 2)
        // Verification stays on; these only change what is trusted and how the host is reached.
        if let caBundle = settings.caBundlePath { set(CURLOPT_CAINFO, caBundle) }
        if let caDirectory = settings.caDirectory { set(CURLOPT_CAPATH, caDirectory) }
        if let proxy = settings.proxy { set(CURLOPT_PROXY, proxy) }
        if let noProxy = settings.noProxy { set(CURLOPT_NOPROXY, noProxy) }
        setLong(CURLOPT_FOLLOWLOCATION, 0)
        setLong(CURLOPT_CONNECTTIMEOUT_MS, Int(max(1, request.timeouts.connect.milliseconds)))
        // Idle timeout: abort when under 1 byte/s for that long. No whole-request timeout.
        setLong(CURLOPT_LOW_SPEED_LIMIT, 1)
        setLong(CURLOPT_LOW_SPEED_TIME, Int(max(1, (request.timeouts.idle.milliseconds + 999) / 1000)))
        setLong(CURLOPT_TIMEOUT_MS, 0)
        // Large receive buffer: fewer, bigger chunks for the consumer.
        setLong(CURLOPT_BUFFERSIZE, Self.receiveBufferSize)
        _ = oss_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)

        let method = request.method.uppercased()
        switch method {
        case "GET":
            setLong(CURLOPT_HTTPGET, 1)
        case "HEAD":
            setLong(CURLOPT_NOBODY, 1)
        case "PUT":
            setLong(CURLOPT_UPLOAD, 1)
            _ = oss_curl_easy_setopt_offset(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.length))
        case "POST":
            setLong(CURLOPT_POST, 1)
            _ = oss_curl_easy_setopt_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.length))
        default:
            set(CURLOPT_CUSTOMREQUEST, method)
            if request.body.length > 0 {
                setLong(CURLOPT_UPLOAD, 1)
                _ = oss_curl_easy_setopt_offset(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.length))
            }
        }

        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_READDATA, me)
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, me)
        _ = oss_curl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { buffer, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().onHeader(buffer!, size * count)
        }
        _ = oss_curl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { buffer, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().onData(buffer!, size * count)
        }
        _ = oss_curl_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION) { buffer, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().onRead(buffer!, size * count)
        }
        _ = oss_curl_easy_setopt_seek_callback(easy) { user, offset, origin in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().onSeek(Int64(offset), origin)
        }
    }

    deinit {
        oss_curl_easy_cleanup(easy)
        oss_curl_slist_free_all(headerList)
        if uploadFile >= 0 { close(uploadFile) }
    }

    private func set(_ option: CURLoption, _ value: String) {
        _ = oss_curl_easy_setopt_string(easy, option, value)
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = oss_curl_easy_setopt_long(easy, option, value)
    }

    // MARK: Task side

    /// Hands the transfer to the driver and waits for the response head.
    func start() async throws -> Head {
        try await withCheckedThrowingContinuation { continuation in
            let immediate: Result<Head, TransportError>? = state.withLock { state in
                if state.cancelled { return .failure(TransportError(.cancelled, "the request was cancelled")) }
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

    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                var resumeTransfer = false
                let ready: Result<[UInt8]?, TransportError>? = state.withLock { state in
                    if state.chunkIndex < state.chunks.count {
                        // Move the chunk out, so the queue holds no second reference to it: the
                        // consumer's copy must be unique for the buffer to be reused, not copied.
                        let chunk = state.chunks[state.chunkIndex]
                        state.chunks[state.chunkIndex] = []
                        state.chunkIndex += 1
                        if state.chunkIndex == state.chunks.count {
                            state.chunks.removeAll(keepingCapacity: true)
                            state.chunkIndex = 0
                        } else if state.chunkIndex >= 64 {
                            state.chunks.removeFirst(state.chunkIndex)
                            state.chunkIndex = 0
                        }
                        state.buffered -= chunk.count
                        if state.paused && state.buffered < CurlTransport.lowWatermark {
                            state.paused = false
                            resumeTransfer = true
                        }
                        return .success(chunk)
                    }
                    if let outcome = state.outcome {
                        return outcome.map { nil }
                    }
                    state.bodyContinuation = continuation
                    return nil
                }
                if resumeTransfer { driver.submit(.resume(self)) }
                if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
            }
        } onCancel: {
            cancel()
        }
    }

    func recycle(_ chunk: [UInt8]) {
        state.withLock { state in
            if state.spare.count < 24 && chunk.capacity >= 16 << 10 { state.spare.append(chunk) }
        }
    }

    func cancel() {
        let first = state.withLock { state -> Bool in
            defer { state.cancelled = true }
            return !state.cancelled && state.outcome == nil
        }
        if first { driver.submit(.remove(self, TransportError(.cancelled, "the request was cancelled"))) }
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
        // Under one lock: settle the outcome (the first one wins) and take the waiters to resume.
        typealias Waiters = (head: CheckedContinuation<Head, any Error>?, headValue: Head?,
                             body: CheckedContinuation<[UInt8]?, any Error>?, outcome: Result<Void, TransportError>)
        let waiters = state.withLock { state -> Waiters in
            if state.outcome == nil { state.outcome = outcome }
            let head = state.headContinuation
            state.headContinuation = nil
            var headValue: Head?
            if head != nil, case .success = state.outcome! {
                // A response with no body ends before its header block is reported as ended.
                state.headDelivered = true
                headValue = Head(status: state.status, headers: state.headers)
            }
            var body: CheckedContinuation<[UInt8]?, any Error>?
            if state.chunkIndex >= state.chunks.count {
                body = state.bodyContinuation
                state.bodyContinuation = nil
            }
            return (head, headValue, body, state.outcome!)
        }
        if let head = waiters.head {
            switch waiters.outcome {
            case .success: head.resume(returning: waiters.headValue!)
            case let .failure(error): head.resume(throwing: error)
            }
        }
        if let body = waiters.body {
            switch waiters.outcome {
            case .success: body.resume(returning: nil)
            case let .failure(error): body.resume(throwing: error)
            }
        }
    }

    private func onHeader(_ buffer: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
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

    private func onData(_ buffer: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        // curl delivers at most 16 KiB per call; deliveries are gathered into chunks of up to
        // `chunkSize`, refilled from the spare list, so the consumer sees few, large chunks and
        // the buffered bytes are what the memory holds.
        let bytes = UnsafeRawBufferPointer(start: buffer, count: count)
        var continuation: CheckedContinuation<[UInt8]?, any Error>?
        var handOff: [UInt8] = []
        enum Outcome { case pause, cancelled, taken }
        let outcome = state.withLock { state -> Outcome in
            if state.cancelled { return .cancelled }
            if let waiting = state.bodyContinuation {
                // The consumer is idle and the buffer empty: hand this delivery over at once.
                state.bodyContinuation = nil
                continuation = waiting
                handOff = state.spare.popLast() ?? []
                handOff.removeAll(keepingCapacity: true)
                handOff.append(contentsOf: bytes)
                return .taken
            }
            if state.buffered >= CurlTransport.highWatermark {
                state.paused = true
                return .pause
            }
            if state.chunks.count > state.chunkIndex, state.chunks[state.chunks.count - 1].count + count <= Self.chunkSize {
                state.chunks[state.chunks.count - 1].append(contentsOf: bytes)
            } else {
                var chunk = state.spare.popLast() ?? []
                chunk.removeAll(keepingCapacity: true)
                chunk.reserveCapacity(Self.chunkSize)
                chunk.append(contentsOf: bytes)
                state.chunks.append(chunk)
            }
            state.buffered += count
            return .taken
        }
        switch outcome {
        case .pause: return oss_curl_writefunc_pause()
        case .cancelled: return 0 // makes curl abort with CURLE_WRITE_ERROR
        case .taken:
            continuation?.resume(returning: handOff)
            return count
        }
    }

    private func onRead(_ buffer: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int {
        if isCancelled { return oss_curl_readfunc_abort() }
        let remaining = upload.length - uploadPosition
        let count = Int(min(Int64(capacity), max(0, remaining)))
        guard count > 0 else { return 0 }
        switch upload {
        case .none:
            return 0
        case let .bytes(bytes):
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + Int(uploadPosition), byteCount: count)
            }
            uploadPosition += Int64(count)
            return count
        case let .file(_, offset, _):
            while true {
                let n = pread(uploadFile, buffer, count, off_t(offset + uploadPosition))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return oss_curl_readfunc_abort() }
                uploadPosition += Int64(n)
                return n
            }
        }
    }

    private func onSeek(_ offset: Int64, _ origin: Int32) -> Int32 {
        guard origin == SEEK_SET, offset >= 0, offset <= upload.length else { return 1 } // CURL_SEEKFUNC_FAIL
        uploadPosition = offset
        return 0 // CURL_SEEKFUNC_OK
    }

    static func error(for code: CURLcode, cancelled: Bool) -> TransportError {
        let text = String(cString: oss_curl_easy_strerror(code))
        if cancelled { return TransportError(.cancelled, "the request was cancelled") }
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return TransportError(.connect, text)
        case CURLE_OPERATION_TIMEDOUT:
            return TransportError(.timedOut, text)
        case CURLE_PARTIAL_FILE:
            return TransportError(.truncatedBody, "the connection closed before the whole body arrived")
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return TransportError(.connectionLost, text)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return TransportError(.tls, text)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return TransportError(.invalidRequest, text)
        case CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR:
            return TransportError(.cancelled, text)
        default:
            return TransportError(.other, "\(text) (curl \(code.rawValue))")
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
