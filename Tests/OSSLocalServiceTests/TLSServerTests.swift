import Foundation
import OSSLocalServer
import OSSLocalService
import Testing

/// `oss serve --tls-cert --tls-key`: the local OSS over HTTPS, checked with curl trusting only
/// the test's own self-signed certificate.
@Suite("HTTPS", .enabled(if: ServerTLS.isAvailable, "this build has no TLS: the LocalServerTLS package trait is off"))
struct TLSServerTests {
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A self-signed certificate for 127.0.0.1 and its key, in `folder`.
    static func certificate(in folder: String) throws -> (certificate: String, key: String) {
        let certificate = folder + "/cert.pem", key = folder + "/key.pem"
        let made = try run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
                                       "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        #expect(made.status == 0, "\(made.output)")
        return (certificate, key)
    }

    @Test("with a certificate the server speaks HTTPS only: curl trusting it gets the object, plain HTTP and an untrusting curl fail")
    func https() async throws {
        guard #available(macOS 14, iOS 17, tvOS 17, watchOS 10, *) else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/root", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (certificate, key) = try Self.certificate(in: folder)
        var configuration = LocalOSSConfiguration(root: folder + "/root", credentials: [], publicReadBuckets: ["examplebucket"])
        configuration.openAccess = false
        let service = try LocalOSSService(configuration: configuration)
        try service.createBucket("examplebucket")
        try FileManager.default.createDirectory(atPath: folder + "/root/examplebucket", withIntermediateDirectories: true)
        try Data("over TLS".utf8).write(to: URL(fileURLWithPath: folder + "/root/examplebucket/hello.txt"))
        let server = try await LocalOSSServer.bind(service: service, tls: try ServerTLS(certificateChainPath: certificate, privateKeyPath: key))
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        #expect(server.baseURL.hasPrefix("https://127.0.0.1:"))

        let trusted = try Self.run("curl", ["-sS", "--fail", "--cacert", certificate, server.baseURL + "/examplebucket/hello.txt"])
        #expect(trusted.status == 0 && trusted.output == "over TLS", "\(trusted.output)")
        let untrusted = try Self.run("curl", ["-sS", "--fail", server.baseURL + "/examplebucket/hello.txt"])
        #expect(untrusted.status != 0)
        let plain = try Self.run("curl", ["-sS", "--fail", "--max-time", "5", server.baseURL.replacingOccurrences(of: "https://", with: "http://") + "/examplebucket/hello.txt"])
        #expect(plain.status != 0 && !plain.output.contains("over TLS"))
        // The server still serves after the refused handshakes.
        #expect(try Self.run("curl", ["-sS", "--fail", "--cacert", certificate, server.baseURL + "/examplebucket/hello.txt"]).output == "over TLS")
    }

    @Test("a missing or unusable certificate or key is refused, naming the file")
    func badFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-tls-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (certificate, key) = try Self.certificate(in: folder)
        try Data("not pem".utf8).write(to: URL(fileURLWithPath: folder + "/junk.pem"))
        for (cert, privateKey, named) in [(folder + "/missing.pem", key, "missing.pem"), (folder + "/junk.pem", key, "junk.pem"),
                                          (certificate, folder + "/junk.pem", "junk.pem"), (certificate, certificate, "cert.pem")] {
            #expect(throws: TLSFilesError.self) { try ServerTLS(certificateChainPath: cert, privateKeyPath: privateKey) }
            do {
                _ = try ServerTLS(certificateChainPath: cert, privateKeyPath: privateKey)
            } catch {
                #expect("\(error)".contains(named), "\(error)")
            }
        }
    }
}
