import NIOCore
import NIOHTTP1
import NIOPosix
import OSSLocalService

/// The SwiftNIO HTTP/1.1 front door of a ``LocalOSSService``: keep-alive, streaming request and
/// response bodies with back-pressure (memory stays flat for any object size), and the network
/// faults the service asks for (reset, truncation, stalls).
public final class LocalOSSServer: Sendable {
    /// The service answering requests.
    public let service: LocalOSSService
    private let serverChannel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    /// The port actually bound (useful with port 0).
    public let port: Int
    /// The address bound.
    public let host: String

    /// `http://HOST:PORT`, what `oss serve` prints first.
    public var baseURL: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return "http://\(shown):\(port)"
    }

    /// Binds; call ``run()`` to serve.
    public static func bind(service: LocalOSSService, host: String = "127.0.0.1", port: Int = 0,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> LocalOSSServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: child,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8)))
                }
            }
        let bound = channel.channel.localAddress?.port ?? port
        return LocalOSSServer(service: service, channel: channel, host: host, port: bound)
    }

    private init(service: LocalOSSService, channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>, host: String, port: Int) {
        self.service = service
        serverChannel = channel
        self.host = host
        self.port = port
    }

    /// Serves until the task is cancelled or ``close()`` is called.
    ///
    /// A discarding task group holds the connections (a plain one would keep every finished
    /// connection's task until the server stops); it needs macOS 14 on a Mac.
    @available(macOS 14, iOS 17, tvOS 17, watchOS 10, *)
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await serverChannel.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { [service] in
                        await Self.serve(connection, service: service)
                    }
                }
            }
            group.cancelAll()
        }
    }

    /// Stops accepting connections; ``run()`` then returns once open requests end.
    public func close() async {
        try? await serverChannel.channel.close()
    }

    // MARK: Connection

    private static func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, service: LocalOSSService) async {
        let channel = connection.channel
        try? await connection.executeThenClose { inbound, outbound in
            let reader = RequestPartReader(inbound.makeAsyncIterator())
            while let head = try await reader.nextHead() {
                if head.headers.first(name: "Expect")?.lowercased() == "100-continue" {
                    try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .continue)))
                }
                let request = ServiceRequest(
                    method: head.method.rawValue, target: head.uri,
                    headers: head.headers.map { (name: $0.name, value: $0.value) },
                    body: ByteChunks { try await reader.nextBodyChunk() })
                let response = await service.handle(request)
                let keepAlive = head.isKeepAlive && response.fault == nil
                let completed = try await write(response, for: head, keepAlive: keepAlive, to: outbound, channel: channel)
                guard completed, keepAlive else { return }
                // Whatever of the request body the service did not read is discarded.
                try await reader.drainBody()
            }
        }
    }

    /// Writes a response; false when a fault cut it short (the connection must then close).
    private static func write(_ response: ServiceResponse, for head: HTTPRequestHead, keepAlive: Bool,
                              to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel) async throws -> Bool {
        if case let .stall(milliseconds) = response.fault {
            try await Task.sleep(for: .milliseconds(milliseconds))
        }
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if let length = response.contentLength, response.status != 304, response.status >= 200 {
            headers.replaceOrAdd(name: "Content-Length", value: String(length))
        }
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        try await outbound.write(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)))

        var limit: Int64?
        switch response.fault {
        case let .resetAfter(bytes), let .truncateAfter(bytes): limit = bytes
        default: limit = nil
        }
        var sent: Int64 = 0
        if head.method != .HEAD {
            for try await chunk in response.body {
                var slice = chunk[...]
                if let limit {
                    let room = Int(max(0, limit - sent))
                    slice = chunk.prefix(room)
                }
                if !slice.isEmpty {
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: slice))))
                    sent += Int64(slice.count)
                }
                if let limit, sent >= limit { break }
            }
        }
        switch response.fault {
        case .resetAfter:
            // Flush what was sent, then close with SO_LINGER 0: the peer sees a TCP reset.
            if let provider = channel as? any SocketOptionProvider {
                try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            try? await channel.close()
            return false
        case .truncateAfter:
            try? await channel.close()
            return false
        default:
            try await outbound.write(.end(nil))
            return true
        }
    }
}

/// Pulls request heads and body parts off one connection, in order.
///
/// Used by exactly one task at a time (the connection's), which is what makes the unchecked
/// Sendable sound: the service reads the body while the connection task awaits it.
final class RequestPartReader: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator
    private var inBody = false

    /// The connection ended in the middle of a request body.
    struct IncompleteBody: Error {}

    init(_ iterator: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator) {
        self.iterator = iterator
    }

    func nextHead() async throws -> HTTPRequestHead? {
        try await drainBody()
        while let part = try await iterator.next() {
            if case let .head(head) = part {
                inBody = true
                return head
            }
        }
        return nil
    }

    func nextBodyChunk() async throws -> [UInt8]? {
        guard inBody else { return nil }
        while true {
            guard let part = try await iterator.next() else { throw IncompleteBody() }
            switch part {
            case let .body(buffer):
                if buffer.readableBytes > 0 { return Array(buffer.readableBytesView) }
            case .end:
                inBody = false
                return nil
            case .head:
                throw IncompleteBody()
            }
        }
    }

    func drainBody() async throws {
        while inBody {
            _ = try await nextBodyChunk()
        }
    }
}
