import Foundation
import OSS
import OSSHTTP
import OSSLocalServer
import OSSLocalService
import OSSTestSupport
import OSSURLSessionTransport

/// A local OSS on a fresh temporary folder, served over a real loopback socket, and a client
/// pointed at it: OSSTestSupport's ``LocalOSS`` with the two buckets these suites use and the
/// names they read. Dropping it stops the server and removes the folder (``LocalOSS``'s deinit).
final class LocalOSSFixture: Sendable {
    static let accessKeyId = LocalOSS.defaultCredentials.accessKeyId
    static let accessKeySecret = LocalOSS.defaultCredentials.accessKeySecret
    let oss: LocalOSS
    var root: String { oss.root }
    var service: LocalOSSService { oss.service }
    var server: LocalOSSServer { oss.server }
    var endpoint: String { oss.endpoint }

    init(credentials: [ServiceCredentials] = [LocalOSS.defaultCredentials],
         publicRead: Set<String> = [], clock: (@Sendable () -> SigningTime)? = nil, processor: (any ObjectProcessor)? = nil,
         server serverConfiguration: LocalOSSServer.Configuration = LocalOSSServer.Configuration()) async throws {
        oss = try await LocalOSS.start(buckets: ["examplebucket", "public-bucket"], publicReadBuckets: publicRead, credentials: credentials,
                                       configure: { configuration in
                                           if let clock { configuration.clock = clock }
                                           if let processor { configuration.processor = processor }
                                       }, server: serverConfiguration)
    }

    func client(signatureVersion: SignatureVersion = .v4, transport: (any Transport)? = nil,
                credentials: (any CredentialsProvider)? = nil, retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(5)),
                timeouts: TransportTimeouts = TransportTimeouts()) -> OSSClient {
        oss.client(signatureVersion: signatureVersion, transport: transport, credentialsProvider: credentials, retryPolicy: retry, timeouts: timeouts)
    }

    /// A fresh scratch folder for downloads.
    func scratch() throws -> String {
        let path = root + "-scratch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Polls `condition` until it holds or `seconds` pass; true when it held. For tests that must
    /// wait for a state (an upload in progress, an operation acknowledged) rather than guess a
    /// pause: a loaded machine, or a sanitizer build, takes longer than any fixed one.
    static func waitUntil(seconds: Int, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
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
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
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
