import Foundation
import Testing

/// What `oss get`, `oss image` and `oss sample` do at the destination: special files refused,
/// symlinks followed, no temporary file left by a signal, redirects and unsolicited 304s refused,
/// a closed pipe ending quietly. Each runs the built binary.
@Suite("The oss command line at the destination", .serialized)
struct DestinationTests {
    typealias CLI = CommandLineTests

    /// The file type bits of `lstat`, or nil when nothing is there.
    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// Names in a folder, hidden ones included (a leftover `.NAME.tmp-…` is hidden).
    static func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// An offline root holding `examplebucket/object.bin`.
    static func offlineRoot(_ payload: Data) throws -> String {
        let root = try CLI.makeFolder()
        try FileManager.default.createDirectory(atPath: root + "/examplebucket", withIntermediateDirectories: true)
        try payload.write(to: URL(fileURLWithPath: root + "/examplebucket/object.bin"))
        return root
    }

    /// Runs a command-line tool to completion (mknod, python3), returning its status.
    @discardableResult
    static func tool(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Computed, not a stored global: LeakSanitizer does not recognise a `Data` held in a global
    /// (its storage pointer carries enum tag bits) and would report it leaked at exit.
    static var payload: Data { Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }) }

    @Test("a FIFO, a socket, a folder, a device, and links to them or to nothing are refused and stay as they were")
    func specialFilesAreRefused() throws {
        let root = try Self.offlineRoot(Self.payload)
        let folder = try CLI.makeFolder()
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: folder)
        }
        #expect(mkfifo(folder + "/fifo", 0o644) == 0)
        try FileManager.default.createDirectory(atPath: folder + "/folder", withIntermediateDirectories: false)
        try Self.tool(["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", folder + "/socket"])
        #expect(Self.fileType(folder + "/socket") == S_IFSOCK)
        // A character device like /dev/null (major 1, minor 3) of our own, when the container lets
        // root create one; the real /dev/null is never the target.
        let haveDevice = (try? Self.tool(["mknod", folder + "/null", "c", "1", "3"])) == 0
        try FileManager.default.createSymbolicLink(atPath: folder + "/link-to-fifo", withDestinationPath: "fifo")
        try FileManager.default.createSymbolicLink(atPath: folder + "/link-to-link-to-fifo", withDestinationPath: "link-to-fifo")
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling", withDestinationPath: "missing")
        try FileManager.default.createSymbolicLink(atPath: folder + "/loop-a", withDestinationPath: "loop-b")
        try FileManager.default.createSymbolicLink(atPath: folder + "/loop-b", withDestinationPath: "loop-a")
        var cases: [(name: String, says: String)] = [
            ("fifo", "is a FIFO"), ("socket", "is a socket"), ("folder", "is a folder"),
            ("link-to-fifo", "is a symlink to a FIFO"), ("link-to-link-to-fifo", "is a symlink to a FIFO"),
            ("dangling", "is a symlink to a missing file"), ("loop-a", "is a symlink loop"),
        ]
        if haveDevice {
            try FileManager.default.createSymbolicLink(atPath: folder + "/link-to-null", withDestinationPath: "null")
            cases += [("null", "is a character device"), ("link-to-null", "is a symlink to a character device")]
        }
        let before = Self.entries(folder)
        let types = Dictionary(uniqueKeysWithValues: before.map { ($0, Self.fileType(folder + "/" + $0)) })
        for (name, says) in cases {
            let get = try CLI.run(["get", "oss://examplebucket/object.bin", folder + "/" + name, "--offline", root])
            #expect(get.status == 1, "\(name): \(get.stderr)")
            #expect(get.stderr.contains("destination") && get.stderr.contains(says), "\(name): \(get.stderr)")
            let image = try CLI.run(["sample", folder + "/" + name, "--width", "16", "--height", "16"])
            #expect(image.status == 1, "\(name): \(image.stderr)")
            #expect(image.stderr.contains(says), "\(name): \(image.stderr)")
        }
        #expect(Self.entries(folder) == before)
        for name in before {
            #expect(Self.fileType(folder + "/" + name) == types[name] ?? nil, "\(name) changed type")
        }
    }

    @Test("the refusal comes before anything is sent")
    func refusedBeforeSending() throws {
        let server = try ScriptedHTTPServer([.init(status: 200, body: "never asked for")])
        defer { server.stop() }
        let folder = try CLI.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(mkfifo(folder + "/fifo", 0o644) == 0)
        let get = try CLI.run(["get", "oss://examplebucket/object.bin", folder + "/fifo", "--endpoint", server.url])
        #expect(get.status == 1)
        #expect(get.stderr.contains("is a FIFO"))
        #expect(server.requests.isEmpty)
        #expect(Self.fileType(folder + "/fifo") == S_IFIFO)
    }

    @Test("a chain of symlinks is followed: the file it names is replaced, the links stay links")
    func symlinkChainIsFollowed() throws {
        let root = try Self.offlineRoot(Self.payload)
        let folder = try CLI.makeFolder()
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: folder)
        }
        try FileManager.default.createDirectory(atPath: folder + "/elsewhere", withIntermediateDirectories: false)
        try Data("old".utf8).write(to: URL(fileURLWithPath: folder + "/elsewhere/real.bin"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/second", withDestinationPath: "elsewhere/real.bin")
        try FileManager.default.createSymbolicLink(atPath: folder + "/first", withDestinationPath: folder + "/second")

        let get = try CLI.run(["get", "oss://examplebucket/object.bin", folder + "/first", "--offline", root])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(Self.fileType(folder + "/first") == S_IFLNK)
        #expect(Self.fileType(folder + "/second") == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/second") == "elsewhere/real.bin")
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/elsewhere/real.bin")) == Self.payload)
        #expect(Self.entries(folder) == ["elsewhere", "first", "second"])
        #expect(Self.entries(folder + "/elsewhere") == ["real.bin"])

        // oss image / oss sample write their output by the same rule.
        let sample = try CLI.run(["sample", folder + "/first", "--width", "16", "--height", "16"])
        #expect(sample.status == 0, "\(sample.stderr)")
        #expect(Self.fileType(folder + "/first") == S_IFLNK)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/elsewhere/real.bin")).prefix(2) == Data([0xFF, 0xD8]))
        #expect(Self.entries(folder + "/elsewhere") == ["real.bin"])
    }

    @Test("SIGINT, SIGTERM and SIGHUP during a download remove the temporary file, keep the old file, exit 128+signal",
          arguments: [SIGINT, SIGTERM, SIGHUP])
    func signalDuringDownload(signal number: Int32) throws {
        // 64 KiB of a 10 MB body, then the server holds the connection: the download is in flight.
        let server = try ScriptedHTTPServer([.init(status: 200, bodySize: 10_000_000, sendBytes: 65_536)])
        defer { server.stop() }
        let folder = try CLI.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let destination = folder + "/dest.bin"
        try Data("the old content".utf8).write(to: URL(fileURLWithPath: destination))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["get", "oss://examplebucket/object.bin", destination, "--endpoint", server.url]
        process.environment = CLI.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while !Self.entries(folder).contains(where: { $0.hasPrefix(".dest.bin.tmp-") }), ContinuousClock.now < deadline, process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(Self.entries(folder).contains { $0.hasPrefix(".dest.bin.tmp-") }, "the download never started")
        kill(process.processIdentifier, number)
        #expect(CLI.waitForExit(process, timeout: .seconds(15)))
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 128 + number)
        #expect(Self.entries(folder) == ["dest.bin"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("the old content".utf8))
    }

    @Test("a 302 is an error, not an object, for a file and for stdout; so is a 304 nothing asked for")
    func redirectsAndUnsolicitedNotModified() throws {
        let folder = try CLI.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let destination = folder + "/dest.bin"
        try Data("the old content".utf8).write(to: URL(fileURLWithPath: destination))

        let redirect = try ScriptedHTTPServer([.init(status: 302, reason: "Found",
                                                     headers: [["Location", "https://elsewhere.example/object?signature=x"]],
                                                     body: "<html>moved</html>")])
        defer { redirect.stop() }
        let toFile = try CLI.run(["get", "oss://examplebucket/object.bin", destination, "--endpoint", redirect.url])
        #expect(toFile.status == 1)
        #expect(toFile.stderr.contains("302") && toFile.stderr.contains("redirect"), "\(toFile.stderr)")
        #expect(toFile.stderr.contains("https://elsewhere.example/object"))
        #expect(!toFile.stderr.contains("signature=x"))
        let toStdout = try CLI.run(["get", "oss://examplebucket/object.bin", "-", "--endpoint", redirect.url])
        #expect(toStdout.status == 1)
        #expect(toStdout.stdout.isEmpty)
        let missing = try CLI.run(["get", "oss://examplebucket/object.bin", folder + "/new.bin", "--endpoint", redirect.url])
        #expect(missing.status == 1)

        let notModified = try ScriptedHTTPServer([.init(status: 304, reason: "Not Modified", headers: [["ETag", "\"abc\""]])])
        defer { notModified.stop() }
        let unsolicited = try CLI.run(["get", "oss://examplebucket/object.bin", destination, "--endpoint", notModified.url])
        #expect(unsolicited.status == 1)
        #expect(unsolicited.stderr.contains("304") && unsolicited.stderr.contains("no If-None-Match"), "\(unsolicited.stderr)")
        #expect(!unsolicited.stderr.contains("0 bytes"))

        #expect(Self.entries(folder) == ["dest.bin"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("the old content".utf8))
    }

    @Test("oss get - into a pipe whose reader goes away ends quietly with status 141")
    func closedPipeEndsQuietly() throws {
        // 1 MiB sent of 10 MB: more than a pipe holds, then the server holds the connection, so
        // only the closed pipe can end the command.
        let server = try ScriptedHTTPServer([.init(status: 200, bodySize: 10_000_000, sendBytes: 1 << 20)])
        defer { server.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["get", "oss://examplebucket/object.bin", "-", "--endpoint", server.url]
        process.environment = CLI.environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let first = out.fileHandleForReading.readData(ofLength: 1000)
        #expect(first.count == 1000)
        try out.fileHandleForReading.close()
        #expect(CLI.waitForExit(process, timeout: .seconds(15)))
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 141)
        #expect(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "")
    }

    @Test("a write that fails at the destination says what failed, without the temporary file's name, and leaves nothing")
    func writeFailureMessage() throws {
        let server = try ScriptedHTTPServer([.init(status: 200, bodySize: 1 << 20)])
        defer { server.stop() }
        let folder = try CLI.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let destination = folder + "/dest.bin"
        try Data("the old content".utf8).write(to: URL(fileURLWithPath: destination))
        // A file-size limit of 64 KiB with SIGXFSZ ignored: write(2) fails with EFBIG mid-download.
        let get = try CLI.run(["-c", "trap '' XFSZ; ulimit -f 128; exec \"$0\" \"$@\"", CLI.binary,
                               "get", "oss://examplebucket/object.bin", destination, "--endpoint", server.url],
                              executable: "/bin/sh")
        #expect(get.status == 1)
        #expect(get.stderr.contains("writing \(destination) failed: File too large"), "\(get.stderr)")
        #expect(!get.stderr.contains(".tmp-"))
        #expect(Self.entries(folder) == ["dest.bin"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("the old content".utf8))
    }
}
