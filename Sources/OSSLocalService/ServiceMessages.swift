import OSSCore
import OSSLocking

/// A body as a pull-based sequence of byte chunks.
///
/// Both directions use it: the front door feeds a request body in as it arrives from the socket,
/// and pulls a response body out as fast as the socket drains, so a 1 GiB object never sits in
/// memory. The in-process (offline) path uses the same type with no socket at all.
public struct ByteChunks: AsyncSequence, Sendable {
    /// A chunk of the body, as large as the producer made it.
    public typealias Element = [UInt8]

    private let pull: @Sendable () async throws -> [UInt8]?

    /// A body produced by `pull`, which returns nil at the end.
    public init(pull: @escaping @Sendable () async throws -> [UInt8]?) {
        self.pull = pull
    }

    /// A body held in memory.
    public init(_ bytes: [UInt8]) {
        let box = OneShot(bytes.isEmpty ? nil : bytes)
        pull = { box.take() }
    }

    /// No body.
    public static let empty = ByteChunks([])

    /// Pulls one chunk per call, so the consumer's pace is the producer's.
    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        let pull: @Sendable () async throws -> [UInt8]?
        /// The next chunk; nil at the end of the body.
        public mutating func next() async throws -> [UInt8]? { try await pull() }
    }

    /// An iterator over the same source: a body is read once.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pull: pull) }

    /// Reads the whole body, refusing more than `limit` bytes.
    public func collect(limit: Int) async throws -> [UInt8] {
        var all: [UInt8] = []
        for try await chunk in self {
            all += chunk
            if all.count > limit { throw BodyTooLarge(limit: limit) }
        }
        return all
    }
}

/// A body was larger than the operation accepts in memory.
public struct BodyTooLarge: Error, Sendable {
    /// The limit that was exceeded.
    public var limit: Int
}

final class OneShot<T: Sendable>: Sendable {
    private let value: LockedValue<T?>
    init(_ value: T?) { self.value = LockedValue(value) }
    func take() -> T? {
        value.withLock { value in
            defer { value = nil }
            return value
        }
    }
}

/// A request as the service sees it, whatever carried it.
public struct ServiceRequest: Sendable {
    /// The HTTP method.
    public var method: String
    /// The request target exactly as received: percent-encoded path and query.
    public var target: String
    /// Header fields in arrival order.
    public var headers: [(name: String, value: String)]
    /// The body, pulled as the service reads it.
    public var body: ByteChunks

    /// A request from its parts.
    public init(method: String, target: String, headers: [(name: String, value: String)], body: ByteChunks = .empty) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// First value of a header, case-insensitive.
    public func header(_ name: String) -> String? {
        headers.value(forHeader: name)
    }
}

extension ServiceRequest: CustomStringConvertible, CustomReflectable {
    /// Method and path only: the headers and query may carry credentials and signatures.
    public var description: String {
        "\(method) \(target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target)"
    }

    /// What `dump()` shows: the method, the path and the header names, never a header value or the query.
    public var customMirror: Mirror {
        Mirror(self, children: ["request": description, "headers": headers.map(\.name)])
    }
}

/// What a transport does beyond sending the response as is: the network faults tests ask for.
public enum TransportFault: Sendable, Hashable {
    /// Send this many body bytes, then reset the connection (TCP RST).
    case resetAfter(bytes: Int64)
    /// Send this many body bytes of an honest `Content-Length`, then close cleanly.
    case truncateAfter(bytes: Int64)
    /// Wait this long before sending anything.
    case stall(milliseconds: Int64)
}

/// A response: status, headers, and a streamed body.
public struct ServiceResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// Header fields, in order.
    public var headers: [(name: String, value: String)]
    /// The body, pulled as the service reads it.
    public var body: ByteChunks
    /// The body length when known; the front door sends it as `Content-Length`.
    public var contentLength: Int64?
    /// A fault the transport should inject while sending this response.
    public var fault: TransportFault?

    /// A response; `contentLength` 0 and no body by default.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: ByteChunks = .empty, contentLength: Int64? = 0, fault: TransportFault? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.contentLength = contentLength
        self.fault = fault
    }

    /// First value of a header, case-insensitive.
    public func header(_ name: String) -> String? {
        headers.value(forHeader: name)
    }

    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { HTTPHeaderName.equal($0.name, name) }
        headers.append((name, value))
    }
}
