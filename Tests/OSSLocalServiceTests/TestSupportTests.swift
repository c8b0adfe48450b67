import Foundation
import OSS
import OSSTestSupport
import Testing

/// OSSTestSupport as a user's test would use it.
@Suite("OSSTestSupport: a local OSS for users' tests")
struct TestSupportTests {
    struct Planned: Error {}

    @Test("withLocalOSS serves signed requests, then stops and removes its folder", arguments: TransportKind.allCases)
    func roundTrip(transport: TransportKind) async throws {
        var root = ""
        let listed = try await withLocalOSS(buckets: ["first", "second"]) { oss in
            root = oss.root
            #expect(oss.endpoint.hasPrefix("http://127.0.0.1:"))
            let bucket = oss.bucket(transport: transport.transport)
            try await bucket.putObject("a.txt", data: Array("hello".utf8))
            #expect(try await bucket.getObjectData("a.txt").1 == Array("hello".utf8))
            // The second bucket exists and is apart.
            #expect(try await oss.bucket("second", transport: transport.transport).listObjectsV2().objects.isEmpty)
            return try await bucket.listObjectsV2().objects.map(\.key)
        }
        #expect(listed == ["a.txt"])
        #expect(!root.isEmpty && !FileManager.default.fileExists(atPath: root))
    }

    @Test("a body that throws still stops the server and removes the folder")
    func throwingBody() async throws {
        var root = ""
        var endpoint = ""
        await #expect(throws: Planned.self) {
            try await withLocalOSS { oss in
                root = oss.root
                endpoint = oss.endpoint
                throw Planned()
            }
        }
        #expect(!root.isEmpty && !FileManager.default.fileExists(atPath: root))
        // Nothing listens there any more: the request fails in transport, not with an OSS answer.
        let client = OSSClient(configuration: Configuration(region: "cn-hangzhou", endpoint: endpoint,
                                                            credentialsProvider: StaticCredentialsProvider(accessKeyId: "a", accessKeySecret: "b")),
                               retryPolicy: RetryPolicy(maxAttempts: 1))
        do {
            _ = try await client.bucket("examplebucket").headObject("a")
            Issue.record("the server still answers after withLocalOSS returned")
        } catch {
            #expect(error.serverError == nil, "\(error)")
        }
    }

    @Test("a started value checks signatures with its credentials and stops on demand")
    func startStop() async throws {
        let oss = try await LocalOSS.start()
        let wrong = oss.client(credentialsProvider: StaticCredentialsProvider(accessKeyId: LocalOSS.defaultCredentials.accessKeyId, accessKeySecret: "wrong"))
        do {
            _ = try await wrong.bucket("examplebucket").listObjectsV2()
            Issue.record("a wrong secret was accepted")
        } catch {
            #expect(error.serverError?.code == .signatureDoesNotMatch)
        }
        _ = try await oss.bucket().listObjectsV2()
        await oss.stop()
        await oss.stop()
        #expect(!FileManager.default.fileExists(atPath: oss.root))
    }
}
