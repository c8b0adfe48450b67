import NIOCore
import NIOHTTP1
import NIOPosix
import OSSLocalService

#if LocalServerTLS
import NIOSSL
#endif

/// The SwiftNIO HTTP/1.1 front door of a `LocalOSSService`: keep-alive, streaming request and
/// response bodies with back-pressure (memory stays flat for any object size), and the network
/// faults the service asks for (reset, truncation, stalls).
///
/// It contains its clients: every stage of a connection has a timeout, connections are limited,
/// accepting backs off when descriptors run out (SwiftNIO's `AcceptBackoffHandler`, which
/// `ServerBootstrap` installs), a body is always flushed before the connection closes, and a
/// client that leaves cancels its request's work. See ``Configuration``.
public final class LocalOSSServer: Sendable {
    /// The service answering requests.
    public let service: LocalOSSService
    /// The timeouts and limits in force.
    public let configuration: Configuration
    private let serverChannel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let gate: ConnectionGate
    private let registry = ConnectionRegistry()
    /// The port actually bound (useful with port 0).
    public let port: Int
    /// The address bound.
    public let host: String
    /// Whether connections speak TLS.
    public let isTLS: Bool

    /// `http://HOST:PORT` (`https://` with TLS), what `oss serve` prints first.
    public var baseURL: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return "\(isTLS ? "https" : "http")://\(shown):\(port)"
    }

    /// Connections open now.
    public var openConnections: Int { gate.openConnections }

    /// Binds; call ``run()`` to serve.
    public static func bind(service: LocalOSSService, host: String = "127.0.0.1", port: Int = 0,
                            configuration: Configuration = Configuration(), tls: ServerTLS? = nil,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> LocalOSSServer {
        let gate = ConnectionGate(maximum: configuration.maximumConnections)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPause(gate))
                }
            }
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    try Self.setUp(child, gate: gate, configuration: configuration, tls: tls)
                }
            }
        let bound = channel.channel.localAddress?.port ?? port
        return LocalOSSServer(service: service, configuration: configuration, channel: channel, gate: gate, host: host, port: bound, isTLS: tls != nil)
    }

    /// Builds an accepted connection's pipeline. Anything that fails here closes that connection
    /// only: options are set here rather than as bootstrap child options, whose failure (on a
    /// connection already reset by its client) would end the listener's stream of connections.
    private static func setUp(_ child: any Channel, gate: ConnectionGate, configuration: Configuration, tls: ServerTLS?) throws
        -> NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart> {
        guard !gate.wasRefused(child) else {
            child.close(promise: nil)
            throw ChannelError.inputClosed
        }
        do {
            if let options = child.syncOptions {
                try options.setOption(.socketOption(.tcp_nodelay), value: 1)
                try options.setOption(.allowRemoteHalfClosure, value: false)
            }
            let deadlines = ConnectionDeadlines(channel: child, settings: configuration)
            let pipeline = child.pipeline.syncOperations
            try pipeline.addHandler(RawTrafficObserver(deadlines), position: .first)
            // TLS outermost: the deadlines then watch the decrypted bytes, as they would plain ones.
            #if LocalServerTLS
            if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls.context), position: .first) }
            #endif
            try pipeline.configureHTTPServerPipeline(withErrorHandling: false)
            try pipeline.addHandler(HTTPMessageObserver(deadlines))
            return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                wrappingChannelSynchronously: child,
                configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8),
                                     isOutboundHalfClosureEnabled: true))
        } catch {
            child.close(promise: nil)
            throw error
        }
    }

    private init(service: LocalOSSService, configuration: Configuration,
                 channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
                 gate: ConnectionGate, host: String, port: Int, isTLS: Bool) {
        self.service = service
        self.configuration = configuration
        serverChannel = channel
        self.gate = gate
        self.host = host
        self.port = port
        self.isTLS = isTLS
    }

    /// Serves until ``close()`` is called (then requests in flight get the grace period) or the
    /// task is cancelled (then every connection closes at once).
    ///
    /// A discarding task group holds the connections (a plain one would keep every finished
    /// connection's task until the server stops); it needs macOS 14 on a Mac.
    @available(macOS 14, iOS 17, tvOS 17, watchOS 10, *)
    public func run() async throws {
        let session = ConnectionSession(service: service, registry: registry)
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            do {
                try await serverChannel.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await session.serve(connection) }
                    }
                }
            } catch {
                failure = error
            }
            // No longer accepting.
            if Task.isCancelled {
                registry.closeAll()
            } else {
                await stopGracefully()
            }
        }
        if let failure, !(failure is CancellationError) { throw failure }
    }

    /// Closes idle connections now, gives busy ones the grace period, then closes them too.
    private func stopGracefully() async {
        registry.drain()
        await withTaskGroup(of: Void.self) { [registry, configuration] group in
            group.addTask { await registry.waitUntilEmpty() }
            group.addTask { try? await Task.sleep(for: configuration.shutdownGracePeriod) }
            await group.next()
            group.cancelAll()
        }
        registry.closeAll()
    }

    /// Stops accepting connections; ``run()`` then returns once the requests in flight end, or
    /// after ``Configuration/shutdownGracePeriod`` when they do not.
    public func close() async {
        try? await serverChannel.channel.close()
    }
}
