import Foundation
import Testing

/// Runs the built `oss` binary the way a user does: `oss serve` in the background, then the client
/// commands against it.
@Suite("The oss command line", .serialized)
struct CommandLineTests {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oss").path
    }

    static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        environment["OSS_ACCESS_KEY_ID"] = "cli-ak"
        environment["OSS_ACCESS_KEY_SECRET"] = "cli-secret"
        environment.removeValue(forKey: "OSS_SESSION_TOKEN")
        return environment
    }()

    /// Runs `oss` (or `executable`, such as a shell that runs `oss` under limits) to completion.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = environment,
                    executable: String? = nil) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? binary)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, stdout, String(decoding: stderr, as: UTF8.self))
    }

    /// Waits for a process to end; false (and the process is killed) past `timeout`.
    static func waitForExit(_ process: Process, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.interrupt()
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return false
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()
        return true
    }

    /// A fresh empty folder for a test's files.
    static func makeFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-cli-files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A running `oss serve` and its base URL.
    final class Server {
        let process = Process()
        let root: String
        let url: String

        /// - Parameter stderrPath: a file that receives the server's stderr (discarded when nil).
        init(extra: [String] = [], environment: [String: String] = CommandLineTests.environment, stderrPath: String? = nil) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("oss-cli-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            process.arguments = ["serve", "--root", root, "--bucket", "examplebucket"] + extra
            process.environment = environment
            let out = Pipe()
            process.standardOutput = out
            if let stderrPath {
                _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
                process.standardError = FileHandle(forWritingAtPath: stderrPath)
            } else {
                process.standardError = FileHandle.nullDevice
            }
            try process.run()
            // The first line of stdout is the base URL.
            var line = Data()
            while true {
                let byte = out.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty || byte == Data("\n".utf8) { break }
                line += byte
            }
            url = String(decoding: line, as: UTF8.self)
        }

        func stop() -> Int32 {
            process.terminate() // SIGTERM
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: root)
            return process.terminationStatus
        }
    }

    @Test("oss serve prints its URL first, serves, and exits cleanly on SIGTERM")
    func serve() throws {
        let server = try Server()
        #expect(server.url.hasPrefix("http://127.0.0.1:"))
        #expect(Int(server.url.split(separator: ":").last ?? "") ?? 0 > 0)
        #expect(server.stop() == 0)
    }

    @Test("oss serve stopped the moment it has printed its URL still exits cleanly, every time")
    func serveStoppedAtOnce() throws {
        // A signal source registers asynchronously; a SIGTERM sent between `signal(SIG_IGN)` and
        // the registration was ignored, and the server never stopped (seen as a hung test run).
        for round in 1...12 {
            let server = try Server()
            server.process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while server.process.isRunning && Date() < deadline { usleep(20_000) }
            if server.process.isRunning {
                kill(server.process.processIdentifier, SIGKILL)
                server.process.waitUntilExit()
                Issue.record("round \(round): oss serve ignored a SIGTERM sent right after its URL")
                return
            }
            #expect(server.process.terminationStatus == 0, "round \(round)")
            try? FileManager.default.removeItem(atPath: server.root)
        }
    }

    @Test("put, ls, head, get (file and stdout), presign, rm, and errors with exit codes")
    func objectCommands() throws {
        let server = try Server()
        defer { _ = server.stop() }
        let folder = server.root + "-files"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let payload = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try payload.write(to: URL(fileURLWithPath: folder + "/in.bin"))
        let endpoint = ["--endpoint", server.url]

        let put = try Self.run(["put", folder + "/in.bin", "oss://examplebucket/dir/in put.bin", "--content-type", "application/x-cli"] + endpoint)
        #expect(put.status == 0, "\(put.stderr)")
        #expect(String(decoding: put.stdout, as: UTF8.self).contains("ETag"))

        let ls = try Self.run(["ls", "oss://examplebucket/dir/"] + endpoint)
        #expect(String(decoding: ls.stdout, as: UTF8.self).contains("oss://examplebucket/dir/in put.bin"))

        let head = try Self.run(["head", "oss://examplebucket/dir/in put.bin"] + endpoint)
        #expect(String(decoding: head.stdout, as: UTF8.self).contains("Content-Type: application/x-cli"))
        #expect(String(decoding: head.stdout, as: UTF8.self).contains("Content-Length: 200000"))

        let get = try Self.run(["get", "oss://examplebucket/dir/in put.bin", folder + "/out.bin"] + endpoint)
        #expect(get.status == 0, "\(get.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/out.bin")) == payload)

        let ranged = try Self.run(["get", "oss://examplebucket/dir/in put.bin", "-", "--range", "10-19"] + endpoint)
        #expect(ranged.stdout == payload[10...19])

        let presign = try Self.run(["presign", "oss://examplebucket/dir/in put.bin", "--expires", "60"] + endpoint)
        let url = String(decoding: presign.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(url.hasPrefix(server.url + "/examplebucket/dir/in%20put.bin?"))
        #expect(url.contains("x-oss-signature="))
        let tooLong = try Self.run(["presign", "oss://examplebucket/dir/in put.bin", "--expires", "604801"] + endpoint)
        #expect(tooLong.status != 0)
        #expect(tooLong.stderr.contains("7 days"))

        let missing = try Self.run(["get", "oss://examplebucket/missing.jpg", folder + "/missing.jpg"] + endpoint)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("NoSuchKey"))
        #expect(missing.stderr.contains("request id"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/missing.jpg"))

        var wrong = Self.environment
        wrong["OSS_ACCESS_KEY_SECRET"] = "not-the-secret"
        let denied = try Self.run(["head", "oss://examplebucket/dir/in put.bin"] + endpoint, environment: wrong)
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("SignatureDoesNotMatch"))
        #expect(!denied.stderr.contains("not-the-secret"))

        var none = Self.environment
        none.removeValue(forKey: "OSS_ACCESS_KEY_SECRET")
        let noCredentials = try Self.run(["head", "oss://examplebucket/dir/in put.bin"] + endpoint, environment: none)
        #expect(noCredentials.status == 1)
        #expect(noCredentials.stderr.contains("OSS_ACCESS_KEY_SECRET"))

        #expect(try Self.run(["rm", "oss://examplebucket/dir/in put.bin"] + endpoint).status == 0)
        #expect(!String(decoding: try Self.run(["ls", "oss://examplebucket", "--recursive"] + endpoint).stdout, as: UTF8.self).contains("in put.bin"))
    }

    @Test("oss serve takes fault rules from a file")
    func faultFile() throws {
        let rules = FileManager.default.temporaryDirectory.appendingPathComponent("faults-\(UUID().uuidString).json")
        try Data(#"[{"fault": "status", "status": 503, "method": "HEAD", "times": -1}]"#.utf8).write(to: rules)
        defer { try? FileManager.default.removeItem(at: rules) }
        let server = try Server(extra: ["--faults", rules.path])
        defer { _ = server.stop() }
        let head = try Self.run(["head", "oss://examplebucket/any.bin", "--endpoint", server.url])
        #expect(head.status == 1)
        #expect(head.stderr.contains("ServiceUnavailable"))
    }

    @Test("oss serve --image-cores: 0 and 2 serve a processed image, a count out of range is refused before the server starts")
    func imageCores() throws {
        for cores in ["0", "2"] {
            let server = try Server(extra: ["--image-cores", cores])
            defer { _ = server.stop() }
            let folder = try Self.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let endpoint = ["--endpoint", server.url]
            #expect(try Self.run(["sample", folder + "/photo.jpg", "--width", "300", "--height", "200"]).status == 0)
            #expect(try Self.run(["put", folder + "/photo.jpg", "oss://examplebucket/photo.jpg"] + endpoint).status == 0)
            let get = try Self.run(["get", "oss://examplebucket/photo.jpg", folder + "/small.jpg", "--process", "image/resize,w_100"] + endpoint)
            #expect(get.status == 0, "--image-cores \(cores): \(get.stderr)")
            let check = try Self.run(["image", folder + "/small.jpg", folder + "/check.png", "--process", "image/format,png"])
            #expect(check.stderr.contains("100x67 image/png"), "\(check.stderr)")
        }
        for cores in ["-1", "1025"] {
            let refused = try Self.run(["serve", "--root", "/nonexistent", "--bucket", "examplebucket", "--image-cores=\(cores)"])
            #expect(refused.status == 64, "--image-cores \(cores)")
            #expect(refused.stderr.contains("--image-cores must be between 0 and 1024"))
        }
    }
}
