import Foundation
import OSS
import OSSHTTP
import OSSImage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built `oss serve` as a process: what only a whole process shows (signals, descriptor
/// limits).
@Suite("oss serve as a process: SIGTERM with work in flight, the descriptor limit", .serialized)
struct ServeProcessTests {
    static let accessKeyId = "process-ak"
    static let accessKeySecret = "process-secret"

    /// A running `oss serve` on a fresh folder, with a public-read bucket.
    final class Server: @unchecked Sendable {
        let process = Process()
        let root: String
        let port: Int

        /// Starts `oss serve`, under `ulimit -n descriptorLimit` when given.
        init(descriptorLimit: Int? = nil, extra: [String] = []) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("oss-process-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oss").path
            let arguments = ["serve", "--root", root, "--bucket", "public-bucket", "--public-read", "public-bucket"] + extra
            if let descriptorLimit {
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", binary] + arguments
            } else {
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = arguments
            }
            var environment = ProcessInfo.processInfo.environment
            environment["OSS_ACCESS_KEY_ID"] = ServeProcessTests.accessKeyId
            environment["OSS_ACCESS_KEY_SECRET"] = ServeProcessTests.accessKeySecret
            environment.removeValue(forKey: "OSS_SESSION_TOKEN")
            process.environment = environment
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while true {
                let byte = out.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty || byte == Data("\n".utf8) { break }
                line += byte
            }
            port = Int(String(decoding: line, as: UTF8.self).split(separator: ":").last ?? "") ?? 0
        }

        var endpoint: String { "http://127.0.0.1:\(port)" }

        func client() -> OSSClient {
            OSSClient(configuration: Configuration(
                region: "cn-hangzhou", endpoint: endpoint,
                credentialsProvider: StaticCredentialsProvider(accessKeyId: ServeProcessTests.accessKeyId, accessKeySecret: ServeProcessTests.accessKeySecret)),
                retryPolicy: .none)
        }

        /// CPU time the process has used, in clock ticks (user + system, from /proc).
        var cpuTicks: Int {
            guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return 0 }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
        }

        /// Waits for the process to exit, up to `limit`; its status, or nil if it is still running.
        func waitForExit(within limit: Duration) -> Int32? {
            let deadline = ContinuousClock.now + limit
            while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
            return process.isRunning ? nil : process.terminationStatus
        }

        /// Kills the process if it still runs, and removes its folder. Called by each test, not
        /// left to `deinit`: the last reference may go only after the test run has exited, which
        /// would leave the server running.
        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: root)
        }

        deinit { stop() }
    }

    @Test("SIGTERM stops the server within 5 s while an upload stalls and an image job runs")
    func sigtermWithWorkInFlight() async throws {
        let server = try await RawHTTPConnection.offPool { try Server(extra: ["--image-workers", "1"]) }
        let bucket = server.client().bucket("public-bucket")
        let photo = try await RawHTTPConnection.offPool { try SyntheticPhoto.jpeg(width: 1500, height: 1000, seed: 4) }
        try await bucket.putObject("photo.jpg", data: photo)

        // An upload whose body never comes, signed so that the server starts it.
        let request = SignableRequest(method: "PUT", bucket: "public-bucket", key: "never.bin")
        let prepared = try server.client().configuration.prepare(request, credentials: Credentials(accessKeyId: Self.accessKeyId, accessKeySecret: Self.accessKeySecret))
        let upload = "PUT /public-bucket/never.bin HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Length: 1000\r\n"
            + prepared.headers.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"
        // An image job that takes seconds (debug build).
        let process = "image/" + Array(repeating: "rotate%2C90", count: 8).joined(separator: "%2F")
        let image = "GET /public-bucket/photo.jpg?x-oss-process=\(process) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        let port = server.port
        let (status, stalledClosed) = try await RawHTTPConnection.offPool { () -> (Int32?, Bool) in
            let stalled = try RawHTTPConnection(port: port)
            try stalled.send(upload)
            let imaging = try RawHTTPConnection(port: port)
            try imaging.send(image)
            usleep(500_000)
            kill(server.process.processIdentifier, SIGTERM)
            let status = server.waitForExit(within: .seconds(5))
            return (status, stalled.waitForEOF())
        }
        try await RawHTTPConnection.offPool { server.stop() }
        #expect(status == 0, "oss serve did not exit within 5 s of SIGTERM (status \(String(describing: status)))")
        #expect(stalledClosed)
        #expect(!FileManager.default.fileExists(atPath: server.root + "/public-bucket/never.bin"))
    }

    @Test("at the descriptor limit the server backs off instead of spinning, and serves again once connections close")
    func descriptorLimit() async throws {
        // 64 descriptors, and a connection limit above them, so that accepting runs out of
        // descriptors (EMFILE) rather than stopping at the limit.
        let server = try await RawHTTPConnection.offPool { try Server(descriptorLimit: 64, extra: ["--max-connections", "1000"]) }
        let port = server.port
        let (ticks, reply) = try await RawHTTPConnection.offPool { () -> (Int, [UInt8]) in
            // The kernel completes every handshake (the backlog holds them); the server accepts
            // until it has no descriptor left.
            let held = try (0..<150).map { _ in try RawHTTPConnection(port: port) }
            usleep(1_000_000)
            let before = server.cpuTicks
            usleep(3_000_000)
            let ticks = server.cpuTicks - before
            for connection in held { connection.close() }
            let probe = try RawHTTPConnection(port: port)
            try probe.send("GET /public-bucket/missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            defer { server.stop() }
            return (ticks, try probe.receive(until: "</Error>\n"))
        }
        // A coarse bound: an event loop woken without pause by the listening socket uses a whole
        // core (300 ticks in 3 s); backing off uses next to nothing. 10% leaves room for a loaded
        // machine's noise.
        #expect(ticks < 30, "the server used \(ticks) clock ticks in 3 s at the descriptor limit")
        #expect(RawHTTPResponse(reply)?.status == 404)
    }
}
