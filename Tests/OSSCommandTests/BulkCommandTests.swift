import Foundation
import Testing

/// `oss ls`, `cp`, `stat`, `rm -r` and `verify` over folders, run as the built binary against
/// `oss serve` (or a scripted server for answers no OSS gives), all from async tests that never
/// block the cooperative pool.
@Suite("The oss command line at scale", .serialized)
struct BulkCommandTests {
    typealias CLI = AsyncCLI

    static func write(_ bytes: Data, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Regular files under a folder, by relative path, hidden ones included.
    static func files(_ folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var names: [String] = []
        while let name = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder), !isFolder.boolValue { names.append(name) }
        }
        return names.sorted()
    }

    static func bytes(_ seed: Int, count: Int) -> Data { Data((0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 131) ^ seed) }) }

    /// A folder of files of different sizes, some nested. Computed, not a stored global:
    /// LeakSanitizer does not recognise a `Data` held in a global (its storage pointer carries
    /// enum tag bits) and would report it leaked at exit.
    static var tree: [(path: String, data: Data)] { [
        ("a.bin", bytes(1, count: 1000)), ("b.txt", Data("hello\n".utf8)), ("nested/c.bin", bytes(3, count: 70_000)),
        ("nested/deeper/d.bin", bytes(4, count: 5)), ("nested/e f.bin", bytes(5, count: 0)),
    ] }

    @Test("ls oss:// lists buckets; ls -r lists every key through several pages; plain ls stays one level")
    func listing() async throws {
        try await CLI.withServer(extra: ["--bucket", "second-bucket"]) { server in
            let folder = try CommandLineTests.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            for (path, data) in Self.tree { try Self.write(data, folder + "/src/" + path) }
            let endpoint = ["--endpoint", server.url]
            let up = try await CLI.run(["cp", "-r", folder + "/src", "oss://examplebucket/tree"] + endpoint)
            #expect(up.status == 0, "\(up.stderr)")

            let buckets = try await CLI.run(["ls", "oss://"] + endpoint)
            #expect(buckets.status == 0, "\(buckets.stderr)")
            #expect(buckets.stdout.contains("oss://examplebucket\n"))
            #expect(buckets.stdout.contains("oss://second-bucket\n"))
            // Pages of one bucket each: the paginator must follow NextMarker to see both.
            let paged = try await CLI.run(["ls", "oss://", "--page-size", "1"] + endpoint)
            #expect(paged.stdout.contains("oss://examplebucket\n") && paged.stdout.contains("oss://second-bucket\n"), "\(paged.stdout)\(paged.stderr)")

            // Two keys a page: five keys need three pages, each asked with the last one's token.
            let recursive = try await CLI.run(["ls", "-r", "oss://examplebucket/tree/", "--page-size", "2"] + endpoint)
            #expect(recursive.status == 0, "\(recursive.stderr)")
            for (path, _) in Self.tree { #expect(recursive.stdout.contains("oss://examplebucket/tree/\(path)\n"), "\(path) missing: \(recursive.stdout)") }
            #expect(recursive.stdout.split(separator: "\n").count == Self.tree.count)

            let plain = try await CLI.run(["ls", "oss://examplebucket/tree/"] + endpoint)
            #expect(plain.stdout.contains("DIR  oss://examplebucket/tree/nested/"))
            #expect(plain.stdout.contains("oss://examplebucket/tree/a.bin"))
            #expect(!plain.stdout.contains("nested/c.bin"))
        }
    }

    @Test("cp both ways, -r both ways, skips what is identical by size and CRC-64, copies what changed, --overwrite copies all")
    func copyBothWays() async throws {
        try await CLI.withServer { server in
            let folder = try CommandLineTests.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            for (path, data) in Self.tree { try Self.write(data, folder + "/src/" + path) }
            let endpoint = ["--endpoint", server.url]

            // One file up: a key ending in / takes the file's name; then down into a folder.
            let one = try await CLI.run(["cp", folder + "/src/a.bin", "oss://examplebucket/single/"] + endpoint)
            #expect(one.status == 0, "\(one.stderr)")
            #expect(one.stdout == "1 copied, 0 skipped, 0 failed\n")
            try FileManager.default.createDirectory(atPath: folder + "/one", withIntermediateDirectories: true)
            let down = try await CLI.run(["cp", "oss://examplebucket/single/a.bin", folder + "/one"] + endpoint)
            #expect(down.status == 0, "\(down.stderr)")
            #expect(Self.read(folder + "/one/a.bin") == Self.tree[0].data)
            let again = try await CLI.run(["cp", "oss://examplebucket/single/a.bin", folder + "/one/a.bin"] + endpoint)
            #expect(again.stdout == "0 copied, 1 skipped, 0 failed\n", "\(again.stdout)\(again.stderr)")

            // The folder up, several at a time, and back down into a new folder.
            let up = try await CLI.run(["cp", "-r", "--jobs", "3", folder + "/src", "oss://examplebucket/photos"] + endpoint)
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stdout == "5 copied, 0 skipped, 0 failed\n")
            let back = try await CLI.run(["cp", "-r", "oss://examplebucket/photos", folder + "/back"] + endpoint)
            #expect(back.status == 0, "\(back.stderr)")
            #expect(back.stdout == "5 copied, 0 skipped, 0 failed\n")
            #expect(Self.files(folder + "/back") == Self.tree.map(\.path).sorted())
            for (path, data) in Self.tree { #expect(Self.read(folder + "/back/" + path) == data, "\(path)") }

            // Everything is identical now, both ways.
            let upAgain = try await CLI.run(["cp", "-r", folder + "/src", "oss://examplebucket/photos/"] + endpoint)
            #expect(upAgain.stdout == "0 copied, 5 skipped, 0 failed\n", "\(upAgain.stdout)\(upAgain.stderr)")
            let backAgain = try await CLI.run(["cp", "-r", "oss://examplebucket/photos/", folder + "/back"] + endpoint)
            #expect(backAgain.stdout == "0 copied, 5 skipped, 0 failed\n", "\(backAgain.stdout)\(backAgain.stderr)")

            // The same size with other bytes is not identical: the CRC-64 tells them apart.
            var changed = Self.tree[0].data
            changed[10] ^= 0xFF
            try Self.write(changed, folder + "/src/a.bin")
            let upChanged = try await CLI.run(["cp", "-r", folder + "/src", "oss://examplebucket/photos"] + endpoint)
            #expect(upChanged.stdout == "1 copied, 4 skipped, 0 failed\n", "\(upChanged.stdout)\(upChanged.stderr)")
            let backChanged = try await CLI.run(["cp", "-r", "oss://examplebucket/photos", folder + "/back"] + endpoint)
            #expect(backChanged.stdout == "1 copied, 4 skipped, 0 failed\n", "\(backChanged.stdout)\(backChanged.stderr)")
            #expect(Self.read(folder + "/back/a.bin") == changed)

            let forced = try await CLI.run(["cp", "-r", "--overwrite", "oss://examplebucket/photos", folder + "/back"] + endpoint)
            #expect(forced.stdout == "5 copied, 0 skipped, 0 failed\n", "\(forced.stdout)\(forced.stderr)")
            // No temporary file is left beside any download.
            #expect(Self.files(folder + "/back") == Self.tree.map(\.path).sorted())

            // Wrong pairs are refused before anything is sent.
            let both = try await CLI.run(["cp", folder + "/src/a.bin", folder + "/x.bin"] + endpoint)
            #expect(both.status != 0 && both.stderr.contains("between files and OSS"))
            let processUp = try await CLI.run(["cp", folder + "/src/a.bin", "oss://examplebucket/x", "--process", "image/circle,r_10"] + endpoint)
            #expect(processUp.status != 0 && processUp.stderr.contains("downloads"))
            let folderWithoutR = try await CLI.run(["cp", folder + "/src", "oss://examplebucket/x/"] + endpoint)
            #expect(folderWithoutR.status == 1 && folderWithoutR.stderr.contains("cp -r"))
        }
    }

    @Test("a file at or above --multipart-threshold goes up as a multipart upload, and comes back whole")
    func multipartUpload() async throws {
        try await CLI.withServer { server in
            let folder = try CommandLineTests.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let payload = Self.bytes(9, count: 700 * 1024)
            try Self.write(payload, folder + "/big.bin")
            let endpoint = ["--endpoint", server.url]
            let up = try await CLI.run(["cp", folder + "/big.bin", "oss://examplebucket/big.bin", "--multipart-threshold", "300K"] + endpoint)
            #expect(up.status == 0, "\(up.stderr)")
            let stat = try await CLI.run(["stat", "oss://examplebucket/big.bin"] + endpoint)
            // A multipart object's ETag ends in -PARTS; 700 KiB in 8 MiB parts is one part.
            #expect(stat.stdout.contains("Object-Type: Multipart"), "\(stat.stdout)")
            #expect(stat.stdout.range(of: #"ETag: [0-9A-Fa-f]+-1\n"#, options: .regularExpression) != nil, "\(stat.stdout)")
            let small = try await CLI.run(["cp", folder + "/big.bin", "oss://examplebucket/plain.bin"] + endpoint)
            #expect(small.status == 0)
            let plainStat = try await CLI.run(["stat", "oss://examplebucket/plain.bin"] + endpoint)
            #expect(plainStat.stdout.contains("Object-Type: Normal"), "\(plainStat.stdout)")
            let down = try await CLI.run(["cp", "oss://examplebucket/big.bin", folder + "/back.bin", "--debug"] + endpoint)
            #expect(down.status == 0, "\(down.stderr)")
            #expect(Self.read(folder + "/back.bin") == payload)
            // Below the threshold one plain GET (200); at it the Downloader's ranged GETs (206).
            // Neither leaves its temporary file or a checkpoint.
            #expect(down.stderr.contains("GET 127.0.0.1") && down.stderr.contains("/examplebucket/big.bin -> 200"), "\(down.stderr)")
            #expect(!down.stderr.contains(" -> 206"))
            let parts = try await CLI.run(["cp", "oss://examplebucket/big.bin", folder + "/parts.bin", "--multipart-threshold", "300K",
                                           "--debug"] + endpoint)
            #expect(parts.status == 0, "\(parts.stderr)")
            #expect(parts.stderr.contains("/examplebucket/big.bin -> 206"), "\(parts.stderr)")
            #expect(Self.read(folder + "/parts.bin") == payload)
            #expect(!(try FileManager.default.contentsOfDirectory(atPath: folder)).contains { $0.contains("oss-download") })
        }
    }

    @Test("keys that would escape the folder, absolute keys and empty segments are refused one by one; the rest is copied; exit 1")
    func hostileKeys() async throws {
        let folder = try CommandLineTests.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keys = ["p/../../escape.txt", "p//double.txt", "p/./dot.txt", "p/sub/../../up.txt", "p/", "p/ok.txt"]
        let listing = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>examplebucket</Name><Prefix>p/</Prefix>"
            + "<KeyCount>\(keys.count)</KeyCount><IsTruncated>false</IsTruncated>"
            + keys.map { "<Contents><Key>\($0)</Key><Size>\($0 == "p/" ? 0 : 5)</Size><ETag>\"x\"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>" }.joined()
            + "</ListBucketResult>"
        let server = try ScriptedHTTPServer([
            .init(status: 200, reason: "OK", headers: [["Content-Type", "application/xml"], ["x-oss-request-id", "LIST1"]], body: listing),
            .init(status: 200, reason: "OK", headers: [["Content-Type", "text/plain"], ["x-oss-request-id", "GET1"]], body: "hello"),
        ])
        defer { server.stop() }
        // Two levels down, so that a key that climbed out would land inside `folder`, where the check below sees it.
        try FileManager.default.createDirectory(atPath: folder + "/deep/out", withIntermediateDirectories: true)
        let copy = try await CLI.run(["cp", "-r", "--jobs", "1", "oss://examplebucket/p", folder + "/deep/out", "--endpoint", server.url])
        #expect(copy.status == 1, "\(copy.stderr)")
        #expect(copy.stdout == "1 copied, 0 skipped, 4 failed\n", "\(copy.stdout)\(copy.stderr)")
        #expect(copy.stderr.contains("p/../../escape.txt cannot be written under the destination folder: a .. segment would climb out"))
        #expect(copy.stderr.contains("p//double.txt cannot be written under the destination folder: it has an empty path segment"))
        #expect(copy.stderr.contains("p/./dot.txt cannot be written"))
        #expect(copy.stderr.contains("p/sub/../../up.txt cannot be written"))
        #expect(Self.files(folder) == ["deep/out/ok.txt"])
        #expect(Self.read(folder + "/deep/out/ok.txt") == Data("hello".utf8))
        // One listing and one GET: nothing was asked for the refused keys.
        #expect(server.requests.count == 2, "\(server.requests)")
    }

    @Test("stat shows size, ETag, CRC-64, type, storage class and metadata; a missing key keeps OSS's code and request id")
    func stat() async throws {
        try await CLI.withServer { server in
            let folder = try CommandLineTests.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try Self.write(Self.tree[2].data, folder + "/c.bin")
            let endpoint = ["--endpoint", server.url]
            #expect(try await CLI.run(["put", folder + "/c.bin", "oss://examplebucket/c.bin", "--content-type", "application/x-test"] + endpoint).status == 0)
            let head = try await CLI.run(["head", "oss://examplebucket/c.bin"] + endpoint)
            let crc = head.stdout.split(separator: "\n").first { $0.hasPrefix("CRC64: ") }.map { String($0.dropFirst(7)) } ?? "?"
            let stat = try await CLI.run(["stat", "oss://examplebucket/c.bin"] + endpoint)
            #expect(stat.status == 0, "\(stat.stderr)")
            #expect(stat.stdout.hasPrefix("Object: oss://examplebucket/c.bin\n"))
            #expect(stat.stdout.contains("Size: 70000\n"))
            #expect(stat.stdout.contains("CRC-64: \(crc)\n"), "\(stat.stdout) vs \(crc)")
            #expect(stat.stdout.contains("Content-Type: application/x-test\n"))
            #expect(stat.stdout.contains("Storage-Class: Standard\n"))
            #expect(stat.stdout.contains("Object-Type: Normal\n"))
            #expect(stat.stdout.contains("Last-Modified: "))
            #expect(stat.stdout.range(of: #"ETag: [0-9A-Fa-f]{32}\n"#, options: .regularExpression) != nil, "\(stat.stdout)")
            #expect(stat.stdout.contains("Request-Id: "))

            let missing = try await CLI.run(["stat", "oss://examplebucket/nope.bin"] + endpoint)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("NoSuchKey"), "\(missing.stderr)")
            #expect(missing.stderr.range(of: #"request id [0-9A-Za-z]+"#, options: .regularExpression) != nil, "\(missing.stderr)")
        }
    }

    @Test("rm -r asks on a terminal, refuses to ask when stdin is not one, and with --force deletes the prefix only")
    func removeRecursively() async throws {
        try await CLI.withServer { server in
            let folder = try CommandLineTests.makeFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            for (path, data) in Self.tree { try Self.write(data, folder + "/src/" + path) }
            let endpoint = ["--endpoint", server.url]
            #expect(try await CLI.run(["cp", "-r", folder + "/src", "oss://examplebucket/photos"] + endpoint).status == 0)
            #expect(try await CLI.run(["cp", "-r", folder + "/src", "oss://examplebucket/photos2"] + endpoint).status == 0)

            let refused = try await CLI.run(["rm", "-r", "oss://examplebucket/photos"] + endpoint, stdin: "y\n")
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("stdin is not a terminal") && refused.stderr.contains("--force"), "\(refused.stderr)")
            let still = try await CLI.run(["ls", "-r", "oss://examplebucket/photos/"] + endpoint)
            #expect(still.stdout.split(separator: "\n").count == Self.tree.count)

            let removed = try await CLI.run(["rm", "-r", "--force", "oss://examplebucket/photos"] + endpoint)
            #expect(removed.status == 0, "\(removed.stderr)")
            #expect(removed.stdout == "\(Self.tree.count) objects deleted under oss://examplebucket/photos/\n")
            let after = try await CLI.run(["ls", "-r", "oss://examplebucket/"] + endpoint)
            // photos2/ shares the letters of the prefix but not the folder: it stays.
            #expect(!after.stdout.contains("/photos/"))
            #expect(after.stdout.split(separator: "\n").count == Self.tree.count, "\(after.stdout)")
            #expect(after.stdout.contains("oss://examplebucket/photos2/nested/c.bin"))
        }
    }

    @Test("--debug logs request line, status, request id and timing, and never the secret, token or a signature")
    func debugLog() async throws {
        try await CLI.withServer { server in
            var environment = CommandLineTests.environment
            environment["OSS_ACCESS_KEY_SECRET"] = "cli-secret"
            let endpoint = ["--endpoint", server.url]
            let listed = try await CLI.run(["ls", "-r", "--debug", "oss://examplebucket/"] + endpoint, environment: environment)
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(listed.stderr.range(of: #"oss debug: GET 127\.0\.0\.1(:[0-9]+)?/examplebucket/ -> 200 in [0-9]+ ms, request id [0-9A-Za-z]+, attempt 1"#,
                                        options: .regularExpression) != nil, "\(listed.stderr)")
            #expect(!listed.stderr.contains("cli-secret"))

            // With a token, and a request the server refuses: the failure is logged the same way.
            environment["OSS_SESSION_TOKEN"] = "the-session-token-value"
            let refused = try await CLI.run(["stat", "--debug", "oss://examplebucket/nope"] + endpoint, environment: environment)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("oss debug: HEAD "), "\(refused.stderr)")
            for secret in ["cli-secret", "the-session-token-value", "Signature", "signature=", "OSS4-HMAC-SHA256", "Authorization", "Credential="] {
                #expect(!listed.stderr.contains(secret) && !refused.stderr.contains(secret), "\(secret) in \(listed.stderr)\(refused.stderr)")
            }
            // A V4 signature is 64 hex digits: no such run appears.
            #expect(refused.stderr.range(of: "[0-9a-f]{64}", options: .regularExpression) == nil)
            #expect(listed.stderr.range(of: "[0-9a-f]{64}", options: .regularExpression) == nil)
        }
    }

    @Test("swift-argument-parser writes completion scripts naming the commands")
    func completionScripts() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try await CLI.run(["--generate-completion-script", shell])
            #expect(script.status == 0, "\(shell): \(script.stderr)")
            for command in ["cp", "stat", "ls", "rm", "verify"] { #expect(script.stdout.contains(command), "\(shell) lacks \(command)") }
            #expect(script.stdout.contains("recursive") && script.stdout.contains("multipart-threshold"), "\(shell)")
        }
    }
}
