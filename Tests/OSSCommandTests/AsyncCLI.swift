import Foundation
import Testing

/// Runs the built `oss` (and other tools) from async tests without blocking Swift's cooperative
/// pool: output goes to temporary files, not pipes a thread must drain; the exit arrives through
/// `terminationHandler`; waits are `Task.sleep`.
enum AsyncCLI {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` (the `oss` binary by default) to its end, killing it past `timeout`.
    /// stdin is /dev/null (not a terminal) unless `stdin` gives bytes, which come from a file.
    static func run(_ arguments: [String], executable: String = CommandLineTests.binary,
                    environment: [String: String] = CommandLineTests.environment, stdin: String? = nil,
                    timeout: Duration = .seconds(180)) async throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("oss-async-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("stdout").path, errPath = scratch.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        if let stdin {
            let inPath = scratch.appendingPathComponent("stdin").path
            _ = FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8))
            process.standardInput = FileHandle(forReadingAtPath: inPath)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let status = try await exitStatus(of: process, timeout: timeout)
        return Output(status: status, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Starts `process` and waits for its end through `terminationHandler`; past `timeout` it is
    /// killed and the test fails.
    ///
    /// Foundation learns of a child's exit from SIGCHLD through a Dispatch signal source, which
    /// can miss the signal on Linux (see `SignalSources` in the command): a `tmux new-session -d`
    /// client was seen as a zombie whose handler never ran. So the exit is also looked at every
    /// 50 ms with `waitid(WNOWAIT)`, which reads the status without reaping the child.
    static func exitStatus(of process: Process, timeout: Duration) async throws -> Int32 {
        for await status in try launch(process, timeout: timeout) { return status }
        return -1
    }

    /// Runs `process`; the stream yields its exit status once (from whichever of the two ways
    /// sees it first). Past `timeout`, when one is given, the process is killed and the test fails.
    static func launch(_ process: Process, timeout: Duration?) throws -> AsyncStream<Int32> {
        let (exits, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        try process.run()
        let pid = process.processIdentifier
        let name = "\(process.executableURL?.lastPathComponent ?? "?") \(process.arguments ?? [])"
        Task {
            let deadline = timeout.map { ContinuousClock.now + $0 }
            var killed = false
            while true {
                var info = siginfo_t()
                if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 {
                    return // already reaped: the handler has run
                }
                if info._sifields._sigchld.si_pid == pid {
                    continuation.yield(info._sifields._sigchld.si_status)
                    continuation.finish()
                    return
                }
                if let deadline, ContinuousClock.now > deadline, !killed {
                    Issue.record("\(name) ran past \(timeout.map { "\($0)" } ?? ""); killed")
                    kill(pid, SIGKILL)
                    killed = true
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        return exits
    }

    /// Polls for `condition` every 50 ms up to `timeout`.
    static func wait(timeout: Duration = .seconds(60), until condition: () async -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !(await condition()) {
            if ContinuousClock.now > deadline { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    /// Runs `body` with a fresh `oss serve`, which is stopped (and its exit checked) whether
    /// `body` returns or throws.
    static func withServer(extra: [String] = [], _ body: (Server) async throws -> Void) async throws {
        let server = try await Server.start(extra: extra)
        do {
            try await body(server)
        } catch {
            _ = await server.stop()
            throw error
        }
        #expect(await server.stop() == 0)
    }

    /// A running `oss serve`, started and stopped without blocking.
    final class Server {
        let process: Process
        let root: String
        let url: String
        private let exits: AsyncStream<Int32>

        private init(process: Process, root: String, url: String, exits: AsyncStream<Int32>) {
            self.process = process
            self.root = root
            self.url = url
            self.exits = exits
        }

        static func start(extra: [String] = []) async throws -> Server {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("oss-cli-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let outPath = root + ".url"
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            process.arguments = ["serve", "--root", root, "--bucket", "examplebucket"] + extra
            process.environment = CommandLineTests.environment
            process.standardOutput = FileHandle(forWritingAtPath: outPath)
            process.standardError = FileHandle.nullDevice
            let exits = try AsyncCLI.launch(process, timeout: nil)
            var url = ""
            let started = try await AsyncCLI.wait {
                let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
                guard let line = text.split(separator: "\n", omittingEmptySubsequences: false).first, text.contains("\n") else { return false }
                url = String(line)
                return true
            }
            try? FileManager.default.removeItem(atPath: outPath)
            guard started else {
                kill(process.processIdentifier, SIGKILL)
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "oss serve printed no URL"])
            }
            return Server(process: process, root: root, url: url, exits: exits)
        }

        /// SIGTERM, then the exit status.
        func stop() async -> Int32 {
            process.terminate()
            var status: Int32 = -1
            for await value in exits { status = value }
            try? FileManager.default.removeItem(atPath: root)
            return status
        }
    }
}
