import Foundation
import Testing

/// `--ca-bundle`, `--ca-dir` and `--connect-timeout` over loopback TLS against `oss serve` with a
/// test CA that no system store trusts.
@Suite("oss network options")
struct NetworkOptionTests {
    /// A CA and a certificate for 127.0.0.1 signed by it, made with the openssl tool.
    static func testCA(in folder: String) async throws -> (ca: String, certificate: String, key: String) {
        let ca = folder + "/ca.pem", caKey = folder + "/ca-key.pem"
        let csr = folder + "/server.csr", certificate = folder + "/server.pem", key = folder + "/server-key.pem"
        let ext = folder + "/ext.cnf"
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(toFile: ext, atomically: true, encoding: .utf8)
        for arguments in [["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "1", "-subj", "/CN=swift-oss test CA"],
                          ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
                          ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", certificate, "-days", "1", "-extfile", ext]] {
            let made = try await AsyncCLI.run(arguments, executable: "/usr/bin/openssl", environment: ProcessInfo.processInfo.environment)
            try #require(made.status == 0, "openssl \(arguments.first ?? ""): \(made.stderr)")
        }
        return (ca, certificate, key)
    }

    /// Whether `oss serve` can speak TLS in this build (the LocalServerTLS package trait, a default).
    static var serverTLSBuilt: Bool {
        #if LocalServerTLS
        return true
        #else
        return false
        #endif
    }

    @Test("--ca-bundle and --ca-dir make the test CA trusted; without them the handshake is refused; SSL_CERT_FILE works too",
          .enabled(if: serverTLSBuilt, "this build has no TLS: the LocalServerTLS package trait is off"))
    func caOptions() async throws {
        let folder = try CommandLineTests.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (ca, certificate, key) = try await Self.testCA(in: folder)
        // A hashed CA folder, as c_rehash makes it: HASH.0 naming the CA.
        let hash = try await AsyncCLI.run(["x509", "-hash", "-noout", "-in", ca], executable: "/usr/bin/openssl",
                                          environment: ProcessInfo.processInfo.environment)
        try FileManager.default.createDirectory(atPath: folder + "/certs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ca, toPath: folder + "/certs/" + hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + ".0")
        let payload = Data("over TLS".utf8)
        try payload.write(to: URL(fileURLWithPath: folder + "/up.txt"))
        var environment = CommandLineTests.environment
        environment["SSL_CERT_FILE"] = nil
        environment["SSL_CERT_DIR"] = nil
        try await AsyncCLI.withServer(extra: ["--tls-cert", certificate, "--tls-key", key]) { server in
            #expect(server.url.hasPrefix("https://"), "\(server.url)")
            let endpoint = ["--endpoint", server.url]
            let put = try await AsyncCLI.run(["put", folder + "/up.txt", "oss://examplebucket/tls.txt", "--ca-bundle", ca] + endpoint,
                                             environment: environment)
            #expect(put.status == 0, "\(put.stderr)")
            let viaFolder = try await AsyncCLI.run(["get", "oss://examplebucket/tls.txt", folder + "/a.txt", "--ca-dir", folder + "/certs"] + endpoint,
                                                   environment: environment)
            #expect(viaFolder.status == 0, "\(viaFolder.stderr)")
            #expect(FileManager.default.contents(atPath: folder + "/a.txt") == payload)
            var withVariable = environment
            withVariable["SSL_CERT_FILE"] = ca
            let viaVariable = try await AsyncCLI.run(["get", "oss://examplebucket/tls.txt", folder + "/b.txt"] + endpoint, environment: withVariable)
            #expect(viaVariable.status == 0, "\(viaVariable.stderr)")
            let untrusted = try await AsyncCLI.run(["get", "oss://examplebucket/tls.txt", folder + "/c.txt"] + endpoint, environment: environment)
            #expect(untrusted.status != 0)
            #expect(untrusted.stderr.lowercased().contains("certificate") || untrusted.stderr.contains("SSL"), "\(untrusted.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/c.txt"))
        }
    }

    @Test("--connect-timeout takes seconds and refuses nonsense before sending")
    func connectTimeout() async throws {
        for bad in ["0", "-1", "nan", "inf", "99999"] {
            let refused = try await AsyncCLI.run(["head", "oss://examplebucket/x", "--endpoint", "http://127.0.0.1:9", "--connect-timeout", bad])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("--connect-timeout"), "\(bad): \(refused.stderr)")
        }
        // Port 9 (discard) refuses at once on loopback: the error is the connection's, not the option's.
        let ran = try await AsyncCLI.run(["head", "oss://examplebucket/x", "--endpoint", "http://127.0.0.1:9", "--connect-timeout", "2.5"])
        #expect(ran.status != 0)
        #expect(!ran.stderr.contains("--connect-timeout"), "\(ran.stderr)")
    }
}
