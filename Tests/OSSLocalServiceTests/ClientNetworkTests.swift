#if !canImport(Darwin)
import Foundation
import OSS
import OSSCurlTransport
import OSSHTTP
import OSSLocalServer
import OSSLocalService
import Testing

/// The CA bundle, CA folder and proxy settings, over loopback TLS against the local OSS with a
/// test CA that no system store trusts.
@Suite("Client: network settings over loopback TLS")
struct ClientNetworkTests {
    /// A CA, and a certificate for 127.0.0.1 signed by it, in `folder`.
    static func testCA(in folder: String) throws -> (ca: String, certificate: String, key: String) {
        let ca = folder + "/ca.pem", caKey = folder + "/ca-key.pem"
        let csr = folder + "/server.csr", certificate = folder + "/server.pem", key = folder + "/server-key.pem"
        let ext = folder + "/ext.cnf"
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(toFile: ext, atomically: true, encoding: .utf8)
        for arguments in [["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "1", "-subj", "/CN=swift-oss test CA"],
                          ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
                          ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", certificate, "-days", "1", "-extfile", ext]] {
            let made = try TLSServerTests.run("openssl", arguments)
            #expect(made.status == 0, "\(made.output)")
        }
        return (ca, certificate, key)
    }

    @Test("a CA bundle or a hashed CA folder makes the test CA trusted; without it the TLS handshake is refused",
          .enabled(if: ServerTLS.isAvailable, "this build has no TLS: the LocalServerTLS package trait is off"))
    func caBundleAndFolder() async throws {
        guard #available(macOS 14, iOS 17, tvOS 17, watchOS 10, *) else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/root", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/certs", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (ca, certificate, key) = try Self.testCA(in: folder)
        let service = try LocalOSSService(configuration: LocalOSSConfiguration(
            root: folder + "/root", credentials: [ServiceCredentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret)]))
        try service.createBucket("examplebucket")
        let server = try await LocalOSSServer.bind(service: service, tls: try ServerTLS(certificateChainPath: certificate, privateKeyPath: key))
        let serving = Task { try await server.run() }
        defer { serving.cancel() }

        func client(_ network: NetworkSettings) -> OSSClient {
            var configuration = Configuration(region: "cn-hangzhou", endpoint: server.baseURL,
                                              credentialsProvider: StaticCredentialsProvider(accessKeyId: LocalOSSFixture.accessKeyId,
                                                                                             accessKeySecret: LocalOSSFixture.accessKeySecret))
            configuration.network = network
            return OSSClient(configuration: configuration, retryPolicy: RetryPolicy(maxAttempts: 1))
        }
        let trusted = client(NetworkSettings(caBundlePath: ca, readsOpenSSLEnvironment: false))
        try await trusted.bucket("examplebucket").putObject("tls.txt", data: Array("over TLS".utf8))
        #expect(try await trusted.bucket("examplebucket").getObjectData("tls.txt").data == Array("over TLS".utf8))

        do {
            _ = try await client(NetworkSettings(readsOpenSSLEnvironment: false)).bucket("examplebucket").getObjectData("tls.txt")
            Issue.record("the system store must not trust the test CA")
        } catch {
            #expect(error.kind == .transport)
        }

        // A folder as `openssl rehash` (c_rehash) leaves it, as SSL_CERT_DIR points at.
        try FileManager.default.copyItem(atPath: ca, toPath: folder + "/certs/ca.pem")
        let rehash = try TLSServerTests.run("openssl", ["rehash", folder + "/certs"])
        #expect(rehash.status == 0, "\(rehash.output)")
        let byFolder = client(NetworkSettings(caDirectory: folder + "/certs", readsOpenSSLEnvironment: false))
        #expect(try await byFolder.bucket("examplebucket").getObjectData("tls.txt").data == Array("over TLS".utf8))

        // The OpenSSL environment, as a resolved value: SSL_CERT_FILE and SSL_CERT_DIR fill what is unset.
        let resolved = NetworkSettings().resolved(environment: ["SSL_CERT_FILE": ca, "SSL_CERT_DIR": folder + "/certs"])
        #expect(resolved.caBundlePath == ca)
        #expect(resolved.caDirectory == folder + "/certs")
        #expect(NetworkSettings(caBundlePath: "/explicit.pem").resolved(environment: ["SSL_CERT_FILE": ca]).caBundlePath == "/explicit.pem")
        #expect(NetworkSettings(readsOpenSSLEnvironment: false).resolved(environment: ["SSL_CERT_FILE": ca]).caBundlePath == nil)
        let fromEnvironment = client(NetworkSettings().resolved(environment: ["SSL_CERT_FILE": ca]))
        #expect(try await fromEnvironment.bucket("examplebucket").getObjectData("tls.txt").data == Array("over TLS".utf8))

        try await NetworkSettings(caBundlePath: ca, caDirectory: folder + "/certs").validate()
        for bad in [NetworkSettings(caBundlePath: folder + "/missing.pem"), NetworkSettings(caBundlePath: folder + "/certs"),
                    NetworkSettings(caDirectory: ca), NetworkSettings(proxy: "http://proxy :3128")] {
            do {
                try await bad.validate()
                Issue.record("expected a refusal of \(bad)")
            } catch {
                #expect(error.kind == .invalidArgument)
            }
        }
    }

    @Test("an explicit proxy is used: one that refuses connections makes the request fail, without it the same request succeeds")
    func proxy() async throws {
        let fixture = try await LocalOSSFixture()
        try await fixture.client().bucket("examplebucket").putObject("p.txt", data: [1, 2, 3])
        var configuration = Configuration(region: "cn-hangzhou", endpoint: fixture.endpoint,
                                          credentialsProvider: StaticCredentialsProvider(accessKeyId: LocalOSSFixture.accessKeyId,
                                                                                         accessKeySecret: LocalOSSFixture.accessKeySecret))
        configuration.network = NetworkSettings(proxy: "http://127.0.0.1:9")
        let proxied = OSSClient(configuration: configuration, retryPolicy: RetryPolicy(maxAttempts: 1))
        do {
            _ = try await proxied.bucket("examplebucket").getObjectData("p.txt")
            Issue.record("expected the dead proxy to fail the request")
        } catch {
            #expect(error.kind == .transport)
        }
        configuration.network = NetworkSettings(proxy: "http://127.0.0.1:9", noProxy: "127.0.0.1")
        let bypassed = OSSClient(configuration: configuration, retryPolicy: RetryPolicy(maxAttempts: 1))
        #expect(try await bypassed.bucket("examplebucket").getObjectData("p.txt").data == [1, 2, 3])
    }
}
#endif
