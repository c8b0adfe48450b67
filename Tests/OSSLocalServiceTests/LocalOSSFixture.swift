import Foundation
import OSS
import OSSHTTP
import OSSLocalServer
import OSSLocalService
import OSSURLSessionTransport

/// The local OSS server needs macOS 14 on a Mac.
struct ServerUnavailable: Error {}

/// A local OSS on a fresh temporary folder, served over a real loopback socket, and a client
/// pointed at it.
final class LocalOSSFixture: @unchecked Sendable {
    static let accessKeyId = "LTAI5tTestAccessKey01"
    static let accessKeySecret = "test-secret-Zq8w3Xk7Rz2"
    let root: String
    let service: LocalOSSService
    let server: LocalOSSServer
    /// The task running the server: it ends when the server stops.
    let serving: Task<Void, any Error>

    var endpoint: String { server.baseURL }

    init(credentials: [ServiceCredentials] = [ServiceCredentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret)],
         publicRead: Set<String> = [], clock: (@Sendable () -> SigningTime)? = nil, processor: (any ObjectProcessor)? = nil,
         server serverConfiguration: LocalOSSServer.Configuration = LocalOSSServer.Configuration()) async throws {
        guard #available(macOS 14, iOS 17, tvOS 17, watchOS 10, *) else {
            throw ServerUnavailable()  // LocalOSSServer.run() needs a discarding task group
        }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("oss-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var configuration = LocalOSSConfiguration(root: root, credentials: credentials, publicReadBuckets: publicRead)
        if let clock { configuration.clock = clock }
        if let processor { configuration.processor = processor }
        service = try LocalOSSService(configuration: configuration)
        try service.createBucket("examplebucket")
        try service.createBucket("public-bucket")
        server = try await LocalOSSServer.bind(service: service, configuration: serverConfiguration)
        let server = self.server
        serving = Task {
            // Checked at the top of init; the compiler needs it here too.
            guard #available(macOS 14, iOS 17, tvOS 17, watchOS 10, *) else { return }
            try await server.run()
        }
    }

    deinit {
        serving.cancel()
        try? FileManager.default.removeItem(atPath: root)
    }

    func client(signatureVersion: SignatureVersion = .v4, transport: (any Transport)? = nil,
                credentials: (any CredentialsProvider)? = nil, retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(5)),
                timeouts: TransportTimeouts = TransportTimeouts()) -> OSSClient {
        OSSClient(configuration: Configuration(
            region: "cn-hangzhou", endpoint: endpoint, signatureVersion: signatureVersion,
            credentialsProvider: credentials ?? StaticCredentialsProvider(accessKeyId: Self.accessKeyId, accessKeySecret: Self.accessKeySecret)),
            transport: transport, retryPolicy: retry, timeouts: timeouts)
    }

    /// A fresh scratch folder for downloads.
    func scratch() throws -> String {
        let path = root + "-scratch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Files in a folder (temporary files included).
    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}

/// Deterministic pseudo-random bytes.
func testBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// Both transports, for tests that must pass on each.
enum TransportKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case curl
    case urlSession
    var description: String { rawValue }
    var transport: any Transport {
        switch self {
        case .curl: OSSClient.defaultTransport
        case .urlSession: URLSessionTransport.shared
        }
    }
}
