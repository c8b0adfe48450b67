import Foundation
import OSS
import OSSHTTP
import OSSLocalServer
import OSSLocalService

/// A local OSS for your tests: the same service `oss serve` runs, started inside the test process
/// on a fresh temporary folder and a loopback port chosen by the system, with credentials and a
/// client bound to it.
///
/// Tests then exercise the real client, real signatures and real sockets, with no account and no
/// network. Prefer ``withLocalOSS(buckets:publicReadBuckets:credentials:configure:server:_:)``, which always
/// stops the server and removes the folder; keep a value from ``start(buckets:publicReadBuckets:credentials:configure:server:)``
/// when a test's lifetime does not fit a closure, and call ``stop()`` when done.
///
/// The server needs a discarding task group, hence macOS 14 (iOS 17) on Apple platforms: below
/// that, starting throws ``LocalOSSUnavailable``.
public final class LocalOSS: Sendable {
    /// The key pair every client from ``client(signatureVersion:transport:credentialsProvider:retryPolicy:timeouts:)``
    /// signs with. Made up, and accepted only by this server.
    public static let defaultCredentials = ServiceCredentials(accessKeyId: "LTAI5tTestAccessKey01", accessKeySecret: "test-secret-Zq8w3Xk7Rz2")

    /// The temporary folder holding the buckets (each a subfolder); removed by ``stop()``.
    public let root: String
    /// The service, to inject faults (`LocalOSSService.faults`) or rotate keys while serving.
    public let service: LocalOSSService
    /// The loopback front door.
    public let server: LocalOSSServer
    /// The keys the server accepts; the first signs the clients this value makes.
    public let credentials: [ServiceCredentials]
    /// The buckets created at start; the first is ``bucket(_:signatureVersion:transport:)``'s default.
    public let buckets: [String]
    private let serving: Task<Void, any Error>

    /// `http://127.0.0.1:PORT`: the endpoint to give any client.
    public var endpoint: String { server.baseURL }

    /// Creates the folder and the buckets, binds 127.0.0.1 on a free port and starts serving.
    ///
    /// - Parameters:
    ///   - buckets: created empty; at least one name.
    ///   - publicReadBuckets: readable without a signature.
    ///   - credentials: the keys accepted; the first is the one clients sign with.
    ///   - configure: changes to the service's configuration (clock, image processor, faults)
    ///     before it opens the folder.
    ///   - server: the front door's timeouts and limits.
    public static func start(buckets: [String] = ["examplebucket"], publicReadBuckets: Set<String> = [],
                             credentials: [ServiceCredentials] = [LocalOSS.defaultCredentials],
                             configure: (@Sendable (inout LocalOSSConfiguration) -> Void)? = nil,
                             server: LocalOSSServer.Configuration = LocalOSSServer.Configuration()) async throws -> LocalOSS {
        guard #available(macOS 14, iOS 17, tvOS 17, watchOS 10, *) else { throw LocalOSSUnavailable() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("oss-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        do {
            var configuration = LocalOSSConfiguration(root: root, credentials: credentials, publicReadBuckets: publicReadBuckets)
            configure?(&configuration)
            let service = try LocalOSSService(configuration: configuration)
            for bucket in buckets { try service.createBucket(bucket) }
            let bound = try await LocalOSSServer.bind(service: service, host: "127.0.0.1", port: 0, configuration: server)
            return LocalOSS(root: root, service: service, server: bound, credentials: credentials, buckets: buckets)
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
    }

    private init(root: String, service: LocalOSSService, server: LocalOSSServer, credentials: [ServiceCredentials], buckets: [String]) {
        self.root = root
        self.service = service
        self.server = server
        self.credentials = credentials
        self.buckets = buckets
        serving = Task {
            // Checked by start(); the compiler needs it here too.
            guard #available(macOS 14, iOS 17, tvOS 17, watchOS 10, *) else { return }
            try await server.run()
        }
    }

    /// A value dropped without ``stop()`` still stops serving and removes its folder, without
    /// waiting for requests in flight.
    deinit {
        serving.cancel()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Stops accepting, waits for requests in flight (up to the server's grace period), then
    /// removes the folder. Calling it twice is harmless.
    public func stop() async {
        await server.close()
        _ = await serving.result
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Returns when the server has stopped serving (after ``stop()``, or `server.close()` and its
    /// grace period), rethrowing what ended it other than cancellation. Leaves the folder.
    public func waitUntilStopped() async throws {
        try await serving.value
    }

    /// A client pointed at this server, signing with the first of ``credentials``.
    ///
    /// - Parameters:
    ///   - signatureVersion: V4 by default; V1 to test what the older scheme sends.
    ///   - transport: the platform's default when nil.
    ///   - credentialsProvider: replaces the first of ``credentials`` (to test STS refresh or an
    ///     anonymous client).
    ///   - retryPolicy: short delays, so that tests of retries stay fast.
    ///   - timeouts: the client's defaults unless a test needs them shorter.
    public func client(signatureVersion: SignatureVersion = .v4, transport: (any Transport)? = nil,
                       credentialsProvider: (any CredentialsProvider)? = nil,
                       retryPolicy: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(5)),
                       timeouts: TransportTimeouts = TransportTimeouts()) -> OSSClient {
        let signing = credentials.first ?? Self.defaultCredentials
        let provider = credentialsProvider ?? StaticCredentialsProvider(
            accessKeyId: signing.accessKeyId, accessKeySecret: signing.accessKeySecret, securityToken: signing.securityToken)
        return OSSClient(configuration: Configuration(region: service.configuration.region, endpoint: endpoint,
                                                      signatureVersion: signatureVersion, credentialsProvider: provider),
                         transport: transport, retryPolicy: retryPolicy, timeouts: timeouts)
    }

    /// A bucket handle from ``client(signatureVersion:transport:credentialsProvider:retryPolicy:timeouts:)``;
    /// the first bucket created when `name` is nil.
    public func bucket(_ name: String? = nil, signatureVersion: SignatureVersion = .v4, transport: (any Transport)? = nil) -> OSSBucket {
        client(signatureVersion: signatureVersion, transport: transport).bucket(name ?? buckets.first ?? "examplebucket")
    }
}

/// Runs `body` against a fresh ``LocalOSS``, then stops it and removes its folder, whether
/// `body` returns or throws.
///
/// ```swift
/// @Test func uploads() async throws {
///     try await withLocalOSS { oss in
///         let bucket = oss.bucket()
///         try await bucket.putObject("a.txt", data: Array("hello".utf8))
///         #expect(try await bucket.getObjectData("a.txt").1 == Array("hello".utf8))
///     }
/// }
/// ```
public func withLocalOSS<Result: Sendable>(buckets: [String] = ["examplebucket"], publicReadBuckets: Set<String> = [],
                                           credentials: [ServiceCredentials] = [LocalOSS.defaultCredentials],
                                           configure: (@Sendable (inout LocalOSSConfiguration) -> Void)? = nil,
                                           server: LocalOSSServer.Configuration = LocalOSSServer.Configuration(),
                                           _ body: (LocalOSS) async throws -> Result) async throws -> Result {
    let oss = try await LocalOSS.start(buckets: buckets, publicReadBuckets: publicReadBuckets, credentials: credentials,
                                       configure: configure, server: server)
    do {
        let result = try await body(oss)
        await oss.stop()
        return result
    } catch {
        await oss.stop()
        throw error
    }
}

/// Thrown by ``LocalOSS/start(buckets:publicReadBuckets:credentials:configure:server:)`` below macOS 14
/// (iOS 17, tvOS 17, watchOS 10), where the server cannot run.
public struct LocalOSSUnavailable: Error, CustomStringConvertible {
    /// The platform versions the server needs.
    public var description: String { "The local OSS server needs macOS 14, iOS 17, tvOS 17 or watchOS 10." }
}
