import Foundation
import Testing

/// Secrets stay off the command line: `--credentials-file` for every command that signs or
/// checks signatures, and a warning when `oss serve` is given a secret as an option.
@Suite("Credentials for the oss command line", .serialized)
struct CredentialOptionTests {
    typealias CLI = CommandLineTests

    /// The test environment without any OSS key, so only the file or the options can supply one.
    static let noKeys: [String: String] = {
        var environment = CLI.environment
        environment.removeValue(forKey: "OSS_ACCESS_KEY_ID")
        environment.removeValue(forKey: "OSS_ACCESS_KEY_SECRET")
        return environment
    }()

    /// Writes a credentials file with a mode.
    static func credentialsFile(_ text: String, mode: Int16 = 0o600) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, mode_t(mode)) == 0)
        return path
    }

    @Test("oss serve --access-key-secret still works but warns that ps shows it")
    func secretOptionWarns() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).err").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let server = try CLI.Server(extra: ["--access-key-id", "cli-ak", "--access-key-secret", "cli-secret"],
                                    environment: Self.noKeys, stderrPath: log)
        defer { _ = server.stop() }
        let head = try CLI.run(["head", "oss://examplebucket/none.bin", "--endpoint", server.url])
        #expect(head.status == 1)
        #expect(head.stderr.contains("NoSuchKey"), "the server accepts the key given as options: \(head.stderr)")
        let warning = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(warning.contains("warning: --access-key-secret puts a secret on the command line"), "\(warning)")
        #expect(warning.contains("ps"))
        #expect(warning.contains("--credentials-file"))
        #expect(!warning.contains("cli-secret"))
    }

    @Test("--credentials-file supplies the keys to oss serve and to the client commands, without a warning")
    func credentialsFileForServerAndClient() throws {
        let file = try Self.credentialsFile("""
            # keys for the test
            export OSS_ACCESS_KEY_ID=file-ak
            OSS_ACCESS_KEY_SECRET="file-secret"
            OSS_REGION=cn-hangzhou

            """)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).err").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let server = try CLI.Server(extra: ["--credentials-file", file], environment: Self.noKeys, stderrPath: log)
        defer { _ = server.stop() }
        let folder = try CLI.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: folder + "/in.txt"))
        let endpoint = ["--endpoint", server.url]

        let put = try CLI.run(["put", folder + "/in.txt", "oss://examplebucket/in.txt", "--credentials-file", file] + endpoint,
                              environment: Self.noKeys)
        #expect(put.status == 0, "\(put.stderr)")
        let get = try CLI.run(["get", "oss://examplebucket/in.txt", "-", "--credentials-file", file] + endpoint, environment: Self.noKeys)
        #expect(get.status == 0, "\(get.stderr)")
        #expect(get.stdout == Data("hello".utf8))
        #expect(!get.stderr.contains("warning"))
        #expect(!((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("warning"))

        // Without the file the client has no keys; with other keys the server refuses them.
        let none = try CLI.run(["head", "oss://examplebucket/in.txt"] + endpoint, environment: Self.noKeys)
        #expect(none.status == 1)
        #expect(none.stderr.contains("OSS_ACCESS_KEY_SECRET"))
        let other = try Self.credentialsFile("OSS_ACCESS_KEY_ID=file-ak\nOSS_ACCESS_KEY_SECRET=not-the-secret\n")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let denied = try CLI.run(["head", "oss://examplebucket/in.txt", "--credentials-file", other] + endpoint, environment: Self.noKeys)
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("SignatureDoesNotMatch"))
        #expect(!denied.stderr.contains("not-the-secret"))
    }

    @Test("a credentials file others can read warns; one others can write is refused")
    func filePermissions() throws {
        let readable = try Self.credentialsFile("OSS_ACCESS_KEY_ID=ak\nOSS_ACCESS_KEY_SECRET=sk\n", mode: 0o644)
        let writable = try Self.credentialsFile("OSS_ACCESS_KEY_ID=ak\nOSS_ACCESS_KEY_SECRET=sk\n", mode: 0o666)
        defer {
            try? FileManager.default.removeItem(atPath: readable)
            try? FileManager.default.removeItem(atPath: writable)
        }
        let root = try CLI.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // presign signs locally: no server needed to see that the keys were read.
        let warned = try CLI.run(["presign", "oss://examplebucket/a.txt", "--credentials-file", readable], environment: Self.noKeys)
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains("can be read by other users (mode 0644)"), "\(warned.stderr)")
        #expect(String(decoding: warned.stdout, as: UTF8.self).contains("x-oss-credential=ak%2F"))

        let refused = try CLI.run(["presign", "oss://examplebucket/a.txt", "--credentials-file", writable], environment: Self.noKeys)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("can be changed by any user"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        let serve = try CLI.run(["serve", "--root", root, "--credentials-file", writable], environment: Self.noKeys)
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("can be changed by any user"), "\(serve.stderr)")
    }

    @Test("a malformed or incomplete credentials file is refused without echoing its lines")
    func malformedFile() throws {
        let malformed = try Self.credentialsFile("OSS_ACCESS_KEY_ID=ak\nbare-secret-value\n")
        let incomplete = try Self.credentialsFile("OSS_ACCESS_KEY_ID=ak\n")
        defer {
            try? FileManager.default.removeItem(atPath: malformed)
            try? FileManager.default.removeItem(atPath: incomplete)
        }
        let bad = try CLI.run(["presign", "oss://examplebucket/a.txt", "--credentials-file", malformed], environment: Self.noKeys)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("line 2"), "\(bad.stderr)")
        #expect(!bad.stderr.contains("bare-secret-value"))
        let partial = try CLI.run(["presign", "oss://examplebucket/a.txt", "--credentials-file", incomplete], environment: Self.noKeys)
        #expect(partial.status != 0)
        #expect(partial.stderr.contains("OSS_ACCESS_KEY_SECRET"), "\(partial.stderr)")
        let missing = try CLI.run(["presign", "oss://examplebucket/a.txt", "--credentials-file", "/nonexistent/credentials"],
                                  environment: Self.noKeys)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("Cannot read the credentials file /nonexistent/credentials"), "\(missing.stderr)")
    }
}
