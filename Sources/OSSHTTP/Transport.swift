// The header model the contract is written in.
@_exported import OSSCore

/// Sends one HTTP request and streams the response back.
///
/// The client is written against this protocol only, so libcurl (the default on Linux), URLSession
/// (the default on Apple platforms) and an in-process transport for the offline mode are
/// interchangeable. Implementations never retry and never follow redirects: the client decides.
public protocol Transport: Sendable {
    /// Sends `request` and returns once the response head has arrived. The body streams from the
    /// response; cancelling the calling task aborts the transfer.
    func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse
}

/// A request as it goes on the wire: the URL and headers must already be final (signed).
public struct TransportRequest: Sendable {
    /// The HTTP method.
    public var method: String
    /// Absolute URL; its path and query are sent exactly as written.
    public var url: String
    /// Header fields, in order.
    public var headers: [HTTPHeaderField]
    /// What is uploaded.
    public var body: HTTPRequestBody
    /// Connect and idle limits.
    public var timeouts: TransportTimeouts
    /// Told how many bytes of the body have gone to the network so far, as they go. Called on
    /// the transport's own thread, so it must return quickly; the count starts again from 0 when
    /// the transport rewinds the body for a new connection.
    public var uploadProgress: UploadProgressHandler?

    /// A request; nothing is sent until a transport sends it.
    public init(method: String, url: String, headers: [HTTPHeaderField] = [], body: HTTPRequestBody = .none,
                timeouts: TransportTimeouts = TransportTimeouts(), uploadProgress: UploadProgressHandler? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.uploadProgress = uploadProgress
    }
}

/// Bytes of a request body sent so far.
public typealias UploadProgressHandler = @Sendable (_ bytesSent: Int64) -> Void

extension TransportRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Method and path only: headers may hold `Authorization` or a token, and a presigned query its
    /// signature.
    public var description: String {
        "\(method) \(url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url)"
    }

    /// The same as the description, so that `debugPrint` cannot show a header value or a signature either.
    public var debugDescription: String { description }

    /// What `dump()` shows: method, path, header names and the body's length, never a value.
    public var customMirror: Mirror {
        Mirror(self, children: ["request": description, "headers": headers.map(\.name), "bodyLength": body.length])
    }
}

/// A request body. Every case can be sent again from the start, which is what makes a request
/// safe to retry.
public enum HTTPRequestBody: Sendable, Hashable {
    case none
    case bytes([UInt8])
    /// A byte range of a file, streamed from disk, never held in memory.
    case file(path: String, offset: Int64, length: Int64)

    /// The number of bytes sent.
    public var length: Int64 {
        switch self {
        case .none: 0
        case let .bytes(bytes): Int64(bytes.count)
        case let .file(_, _, length): length
        }
    }
}

/// Time limits for one request. There is deliberately no whole-request limit: a 10 GiB download on
/// a slow link is fine as long as bytes keep moving.
public struct TransportTimeouts: Sendable, Hashable {
    /// Connecting (TCP and TLS).
    public var connect: Duration
    /// The longest time with no byte received or sent.
    public var idle: Duration

    /// Defaults: 10 s to connect, 60 s without progress.
    public init(connect: Duration = .seconds(10), idle: Duration = .seconds(60)) {
        self.connect = connect
        self.idle = idle
    }
}

/// The response head and a streamed body.
public struct TransportResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// Header fields. A transport that sees the wire (curl, the in-process one) gives them in
    /// the order received, repeats included. URLSession keeps neither: it gives one field a name,
    /// repeated values joined with ", " (equivalent for list-valued fields, RFC 9110 section 5.3),
    /// sorted by lower-cased name. Read them with ``header(_:)``, which both shapes answer alike.
    public var headers: [HTTPHeaderField]
    /// The body, streamed.
    public var body: HTTPResponseBody

    /// A response from parts (transports and tests).
    public init(status: Int, headers: [HTTPHeaderField], body: HTTPResponseBody) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// First value of a header, case-insensitive.
    public func header(_ name: String) -> String? {
        headers.value(forHeader: name)
    }
}

/// A response body: chunks pulled as the consumer is ready, so memory stays bounded whatever the
/// size. Dropping the body before its end aborts the transfer.
public struct HTTPResponseBody: AsyncSequence, Sendable {
    /// A chunk of the body, as large as the transport delivered it.
    public typealias Element = [UInt8]

    private let source: any HTTPBodySource
    private let lifetime: BodyLifetime

    /// A body pulled from `source`.
    public init(source: any HTTPBodySource) {
        self.source = source
        lifetime = BodyLifetime(source)
    }

    /// A body held in memory.
    public init(bytes: [UInt8]) {
        self.init(source: BufferedBodySource(bytes))
    }

    /// Pulls one chunk per call; it holds the body's lifetime, so the transfer stays open while
    /// an iterator is in use.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: any HTTPBodySource
        let lifetime: BodyLifetime
        /// The next chunk; nil at the end of the body.
        public mutating func next() async throws -> [UInt8]? {
            try await source.next()
        }
    }

    /// An iterator over the same source: a body is read once.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source, lifetime: lifetime) }

    /// Reads the whole body, refusing more than `limit` bytes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var all: [UInt8] = []
        for try await chunk in self {
            guard all.count + chunk.count <= limit else {
                source.cancel()
                throw TransportError(.other, "the response body is larger than \(limit) bytes")
            }
            all += chunk
        }
        return all
    }

    /// Aborts the transfer; the iterator then throws.
    public func cancel() { source.cancel() }

    /// Hands a chunk back once it has been used, so the transport can fill it again instead of
    /// allocating: long downloads then run on a fixed set of buffers. Optional.
    public func recycle(_ chunk: [UInt8]) { source.recycle(chunk) }
}

/// Where a response body's chunks come from.
public protocol HTTPBodySource: AnyObject, Sendable {
    /// The next chunk, nil at the end. Throws ``TransportError`` when the transfer fails.
    func next() async throws -> [UInt8]?
    /// Stops the transfer; safe to call more than once and after the end.
    func cancel()
    /// Takes back a chunk the consumer is done with, for reuse.
    func recycle(_ chunk: [UInt8])
}

extension HTTPBodySource {
    /// Transports without a buffer pool ignore returned chunks.
    public func recycle(_ chunk: [UInt8]) {}
}

/// Cancels the source when the last copy of the body goes away unread.
final class BodyLifetime: Sendable {
    let source: any HTTPBodySource
    init(_ source: any HTTPBodySource) { self.source = source }
    deinit { source.cancel() }
}

final class BufferedBodySource: HTTPBodySource, @unchecked Sendable {
    private var bytes: [UInt8]?
    init(_ bytes: [UInt8]) { self.bytes = bytes.isEmpty ? nil : bytes }
    func next() async throws -> [UInt8]? {
        defer { bytes = nil }
        return bytes
    }
    func cancel() {}
}

/// Why a transfer failed, in the terms the retry logic needs.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The categories retries are decided on.
    public enum Kind: String, Sendable, Hashable {
        /// DNS, refused connection, unreachable host.
        case connect
        /// The connection broke (reset, closed early) after it was established.
        case connectionLost
        /// No byte moved for the idle timeout, or the connect timeout passed.
        case timedOut
        /// The connection closed before the announced `Content-Length` arrived.
        case truncatedBody
        /// TLS handshake or certificate verification failed.
        case tls
        /// The task was cancelled.
        case cancelled
        /// The URL or the request cannot be sent.
        case invalidRequest
        /// Anything else.
        case other
    }

    /// The category.
    public var kind: Kind
    /// A short human text (never contains headers or URLs with signatures).
    public var message: String

    /// An error of a kind, with a short text free of secrets.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Whether sending the same request again may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .connect, .connectionLost, .timedOut, .truncatedBody: true
        case .tls, .cancelled, .invalidRequest, .other: false
        }
    }

    /// The kind and the message, as one line for a log or a terminal.
    public var description: String { "\(kind.rawValue): \(message)" }
}
