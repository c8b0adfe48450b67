import Foundation
import Testing

/// The transfer display of `oss cp` under a real pseudo-terminal (a tmux pane), and its absence
/// when stderr is a file; and `cp -r --process` then `verify` over the folder it wrote.
@Suite("oss cp's display and oss verify over a folder", .serialized)
struct TransferDisplayTests {
    typealias CLI = AsyncCLI

    /// Runs tmux with an empty signal mask: a child inherits the test runner's blocked signals,
    /// and a tmux server that cannot see SIGCHLD or SIGTERM outlives its panes and kill-server.
    static func tmux(_ arguments: [String], environment: [String: String]) async throws -> AsyncCLI.Output {
        let unblocked = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])"
        return try await CLI.run(["python3", "-c", unblocked, "tmux"] + arguments, executable: "/usr/bin/env", environment: environment,
                                 timeout: .seconds(60))
    }

    @Test("on a terminal one line shows objects and bytes for the whole copy; with stderr in a file nothing is drawn")
    func progressDisplay() async throws {
        try await CLI.withServer { server in
            let folder = try CommandLineTests.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            for (path, data) in BulkCommandTests.tree { try BulkCommandTests.write(data, folder + "/src/" + path) }
            let endpoint = ["--endpoint", server.url]
            #expect(try await CLI.run(["cp", "-r", folder + "/src", "oss://examplebucket/p"] + endpoint).status == 0)

            let command = "'\(CommandLineTests.binary)' cp -r oss://examplebucket/p '\(folder)/tty' --endpoint '\(server.url)'"
            let (exit, pane) = try await Self.inPane(command, folder: folder)
            #expect(exit == "EXIT=0\n", "\(pane)")
            let lines = pane.split(separator: "\n").map(String.init)
            let displays = lines.filter { $0.contains("objects") }
            // One display for the whole copy, left at its final state: all five objects, every byte.
            #expect(displays.count == 1, "\(pane)")
            #expect(displays.first?.contains("100%  5/5 objects  69.3 KiB of 69.3 KiB") == true, "\(pane)")
            #expect(lines.contains("5 copied, 0 skipped, 0 failed"), "\(pane)")

            let piped = try await CLI.run(["cp", "-r", "oss://examplebucket/p", folder + "/piped"] + endpoint)
            #expect(piped.status == 0)
            #expect(piped.stderr.isEmpty, "\(piped.stderr)")
            #expect(piped.stdout == "5 copied, 0 skipped, 0 failed\n")
        }
    }

    /// Runs `command` in a fresh tmux pane; `interact` sees the pane's text and may type; returns
    /// what the command's shell wrote to the done file (`EXIT=status`) and the last pane text.
    static func inPane(_ command: String, folder: String, interact: (_ pane: () async throws -> String, _ type: (String) async throws -> Void) async throws -> Void = { _, _ in })
        async throws -> (exit: String, pane: String) {
        var environment = CommandLineTests.environment
        environment["TERM"] = "xterm-256color"
        let socket = folder + "/tmux-\(UInt32.random(in: 0...UInt32.max)).sock"
        let done = socket + ".done"
        let started = try await tmux(["-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "200", "-y", "30",
                                      "\(command); echo EXIT=$? > '\(done)'; sleep 600"], environment: environment)
        #expect(started.status == 0, "\(started.stderr)")
        let pane = { try await tmux(["-S", socket, "capture-pane", "-p", "-t", "t"], environment: environment).stdout }
        let serverPID = Int32(try await tmux(["-S", socket, "display-message", "-p", "#{pid}"], environment: environment).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines))
        // kill-server ends the pane's shell; the server's own pid is the fallback if it lingers.
        func stopServer() async {
            _ = try? await tmux(["-S", socket, "kill-server"], environment: environment)
            if let serverPID, serverPID > 1,
               ((try? String(contentsOfFile: "/proc/\(serverPID)/comm", encoding: .utf8)) ?? "").hasPrefix("tmux") {
                kill(serverPID, SIGKILL)
            }
        }
        do {
            try await interact(pane) { keys in
                _ = try await tmux(["-S", socket, "send-keys", "-t", "t", keys, "Enter"], environment: environment)
            }
            let finished = try await CLI.wait { !((try? String(contentsOfFile: done, encoding: .utf8)) ?? "").isEmpty }
            #expect(finished, "\(command) did not finish in its pane")
            let text = try await pane()
            await stopServer()
            return ((try? String(contentsOfFile: done, encoding: .utf8)) ?? "", text)
        } catch {
            await stopServer()
            throw error
        }
    }

    @Test("rm -r on a terminal asks, deletes nothing on no, and everything under the prefix on yes")
    func removePrompt() async throws {
        try await CLI.withServer { server in
            let folder = try CommandLineTests.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            for (path, data) in BulkCommandTests.tree { try BulkCommandTests.write(data, folder + "/src/" + path) }
            let endpoint = ["--endpoint", server.url]
            #expect(try await CLI.run(["cp", "-r", folder + "/src", "oss://examplebucket/p"] + endpoint).status == 0)
            let command = "'\(CommandLineTests.binary)' rm -r oss://examplebucket/p --endpoint '\(server.url)'"
            for (answer, status, left) in [("n", "EXIT=1\n", BulkCommandTests.tree.count), ("y", "EXIT=0\n", 0)] {
                let (exit, pane) = try await Self.inPane(command, folder: folder) { pane, type in
                    let asked = try await CLI.wait { ((try? await pane()) ?? "").contains("Delete every object under oss://examplebucket/p/? [y/N]") }
                    #expect(asked, "no prompt")
                    try await type(answer)
                }
                #expect(exit == status, "\(answer): \(pane)")
                let listed = try await CLI.run(["ls", "-r", "oss://examplebucket/p/"] + endpoint)
                #expect(listed.stdout.split(separator: "\n").count == left, "\(answer): \(listed.stdout)")
            }
        }
    }

    @Test("cp -r --process downloads every object processed; verify over the folder gives a verdict a file and a summary")
    func processAndVerifyFolder() async throws {
        try await CLI.withServer { server in
            let folder = try CommandLineTests.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let endpoint = ["--endpoint", server.url]
            try FileManager.default.createDirectory(atPath: folder + "/avatars", withIntermediateDirectories: true)
            for seed in 1...4 {
                let sample = try await CLI.run(["sample", folder + "/avatars/\(seed).jpg", "--width", "160", "--height", "120", "--seed", "\(seed)"])
                #expect(sample.status == 0, "\(sample.stderr)")
            }
            #expect(try await CLI.run(["cp", "-r", folder + "/avatars", "oss://examplebucket/avatars"] + endpoint).status == 0)
            let process = "image/circle,r_50"
            let copy = try await CLI.run(["cp", "-r", "--process", process, "oss://examplebucket/avatars", folder + "/circles"] + endpoint)
            #expect(copy.status == 0, "\(copy.stderr)")
            #expect(copy.stdout == "4 copied, 0 skipped, 0 failed\n")
            for seed in 1...4 {
                let original = FileManager.default.contents(atPath: folder + "/avatars/\(seed).jpg")
                let circled = FileManager.default.contents(atPath: folder + "/circles/\(seed).jpg")
                #expect(circled != nil && circled != original, "\(seed).jpg was not processed")
            }
            // With --process there is no CRC-64 to compare: the same copy downloads everything again.
            let again = try await CLI.run(["cp", "-r", "--process", process, "oss://examplebucket/avatars", folder + "/circles"] + endpoint)
            #expect(again.stdout == "4 copied, 0 skipped, 0 failed\n", "\(again.stdout)")

            let remote = try await CLI.run(["verify", "--source", "oss://examplebucket/avatars", "--process", process, folder + "/circles"] + endpoint)
            #expect(remote.status == 0, "\(remote.stdout)\(remote.stderr)")
            #expect(remote.stdout.split(separator: "\n").filter { $0.hasPrefix("MATCH") }.count == 4, "\(remote.stdout)")
            #expect(remote.stdout.hasSuffix("4 match, 0 mismatch, 0 could not be checked (4 files)\n"), "\(remote.stdout)")
            let local = try await CLI.run(["verify", "--source", folder + "/avatars", "--process", process, folder + "/circles"])
            #expect(local.status == 0, "\(local.stdout)\(local.stderr)")

            // Another avatar's circle in 2.jpg's place, and a file with no source: a mismatch and an error.
            try FileManager.default.removeItem(atPath: folder + "/circles/2.jpg")
            try FileManager.default.copyItem(atPath: folder + "/circles/3.jpg", toPath: folder + "/circles/2.jpg")
            try FileManager.default.copyItem(atPath: folder + "/circles/3.jpg", toPath: folder + "/circles/extra.jpg")
            let wrong = try await CLI.run(["verify", "--source", "oss://examplebucket/avatars", "--process", process, folder + "/circles"] + endpoint)
            #expect(wrong.status == 2, "\(wrong.stdout)\(wrong.stderr)")
            #expect(wrong.stdout.contains("MISMATCH  2.jpg: "), "\(wrong.stdout)")
            #expect(wrong.stdout.contains("MATCH     3.jpg\n"))
            #expect(wrong.stdout.contains("ERROR     extra.jpg: oss://examplebucket/avatars/extra.jpg: NoSuchKey"), "\(wrong.stdout)")
            #expect(wrong.stdout.hasSuffix("3 match, 1 mismatch, 1 could not be checked (5 files)\n"), "\(wrong.stdout)")
            // Files are checked several at once, and the verdicts still come in the walk's order
            // (the same lines but for the request ID of the error).
            func withoutRequestIds(_ text: String) -> [String] {
                text.split(separator: "\n").map { $0.split(separator: "[", maxSplits: 1).first.map(String.init) ?? "" }
            }
            for jobs in ["1", "8"] {
                let ordered = try await CLI.run(["verify", "--jobs", jobs, "--source", "oss://examplebucket/avatars", "--process", process, folder + "/circles"] + endpoint)
                #expect(ordered.status == 2 && withoutRequestIds(ordered.stdout) == withoutRequestIds(wrong.stdout), "--jobs \(jobs): \(ordered.stdout)")
            }
            let noJobs = try await CLI.run(["verify", "--jobs", "0", "--source", folder + "/avatars", "--process", process, folder + "/circles"])
            #expect(noJobs.status != 0 && noJobs.stderr.contains("--jobs must be 1 to 256"), "\(noJobs.stderr)")
            try FileManager.default.removeItem(atPath: folder + "/circles/extra.jpg")
            let mismatch = try await CLI.run(["verify", "--source", folder + "/avatars", "--process", process, folder + "/circles"])
            #expect(mismatch.status == 1, "\(mismatch.stdout)")
        }
    }
}
