import Foundation
import OSS
import OSSCrypto
import OSSHTTP
import OSSLocking
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real `oss serve` killed with SIGKILL in the middle of writes: after a restart on the same
/// root, no object is partial or mixed (data of one PUT with the metadata of another), and every
/// acknowledged PUT is there.
///
/// What this proves and what it does not: SIGKILL stops the process at an arbitrary instruction
/// (mid-body, mid-rename, between the rename and the answer), so it tests that a PUT becomes
/// visible in one step and that a restart rebuilds everything from the files. The kernel's page
/// cache survives it, so it does not test durability across a power cut; that rests on the
/// fsync of each object file before its rename and of its folder after, by construction.
@Suite("kill -9 during writes")
struct CrashSafetyTests {
    /// Keys of every shape, each written by one writer only, so that its versions go in order.
    static let keys = ["a", "a/", "a/b", "dir/x.bin", "\u{4E2D}\u{6587}/caf\u{E9}", "cafe\u{301}", "big.bin", "k0", "k1", "k2", "k3", "k4"]
    static let writers = 4
    static let kills = 8

    /// The bytes of version `version` of `key`: sizes from 1 KiB to 3 MiB (6 MiB for big.bin),
    /// a 64 KiB block of its own repeated, so that no two versions share a byte run.
    static func body(_ key: String, _ version: Int) -> [UInt8] {
        let seed = Crypto.sha256(Array(key.utf8) + Array(String(version).utf8)).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let size = key == "big.bin" ? 6 << 20 : 1024 + Int(seed % UInt64(3 << 20))
        let block = testBytes(64 << 10, seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        while bytes.count < size { bytes += block.prefix(size - bytes.count) }
        return bytes
    }

    /// What the writers know of one key: the last version acknowledged, and the one that was
    /// being sent when the server died (which may or may not have been committed).
    struct KeyState: Sendable {
        var nextVersion = 1
        var acknowledged: Int?
        var inFlight: Int?
    }

    final class Ledger: Sendable {
        let states = LockedValue<[String: KeyState]>([:])
        func update(_ key: String, _ change: (inout KeyState) -> Void) {
            states.withLock { change(&$0[key, default: KeyState()]) }
        }
        func state(_ key: String) -> KeyState { states.withLock { $0[key] ?? KeyState() } }
        var acknowledgedCount: Int { states.withLock { $0.values.filter { $0.acknowledged != nil }.count } }
        /// PUTs answered 200, PUTs cut by the kill, and of those, the ones a restart showed committed.
        let counts = LockedValue((acknowledged: 0, cut: 0, committedUnanswered: 0))
    }

    static func client(_ url: String) -> OSSClient {
        OSSClient(configuration: Configuration(
            region: "cn-hangzhou", endpoint: url,
            credentialsProvider: StaticCredentialsProvider(accessKeyId: OSSServeProcess.accessKeyId, accessKeySecret: OSSServeProcess.accessKeySecret)),
            retryPolicy: .none)
    }

    /// Writes versions of the writer's keys, in order, until the server dies.
    static func write(writer: Int, url: String, ledger: Ledger) async {
        let bucket = client(url).bucket("examplebucket")
        let mine = keys.enumerated().filter { $0.offset % writers == writer }.map(\.element)
        while true {
            for key in mine {
                let version = ledger.state(key).nextVersion
                ledger.update(key) { $0.inFlight = version }
                do {
                    try await bucket.putObject(key, data: body(key, version),
                                               options: PutObjectOptions(contentType: "application/x-v\(version)", metadata: ["version": String(version)]))
                    ledger.update(key) {
                        $0.acknowledged = version
                        $0.inFlight = nil
                        $0.nextVersion = version + 1
                    }
                    ledger.counts.withLock { $0.acknowledged += 1 }
                } catch {
                    // The server is gone: this version may or may not have been committed.
                    ledger.update(key) { $0.nextVersion = version + 1 }
                    ledger.counts.withLock { $0.cut += 1 }
                    return
                }
            }
        }
    }

    /// A PUT announcing 8 MiB that sends `sent` bytes and then waits: the server is killed while
    /// its data file is half written.
    static func startPartialUpload(url: String, key: String, sent: Int) throws -> Int32 {
        let client = client(url)
        let request = SignableRequest(method: "PUT", bucket: "examplebucket", key: key, headers: [HTTPHeaderField("Content-Type", "application/x-partial")])
        let prepared = try client.configuration.prepare(request, credentials: Credentials(accessKeyId: OSSServeProcess.accessKeyId, accessKeySecret: OSSServeProcess.accessKeySecret))
        let port = UInt16(url.split(separator: ":").last.flatMap { Int($0) } ?? 0)
        guard prepared.url.hasPrefix(url + "/") else { throw POSIXError(.EINVAL) }
        var head = "PUT \(prepared.url.dropFirst(url.count)) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(8 << 20)\r\n"
        for field in prepared.headers { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        let bytes = Array(head.utf8) + testBytes(sent, seed: 99)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { break }
            offset += n
        }
        return fd
    }

    /// Checks every key against what the writers know, and the listing against the objects.
    static func verify(url: String, ledger: Ledger, round: Int) async throws {
        let bucket = client(url).bucket("examplebucket")
        var present: [String: Int64] = [:]
        for key in keys {
            let state = ledger.state(key)
            do {
                let (info, data) = try await bucket.getObjectData(key)
                let version = Int(info.metadata["version"] ?? "") ?? -1
                #expect(version == state.acknowledged || version == state.inFlight,
                        "round \(round) \(key): version \(version), acknowledged \(String(describing: state.acknowledged)), in flight \(String(describing: state.inFlight))")
                #expect(data == body(key, version), "round \(round) \(key): the bytes are not those of version \(version)")
                #expect(info.contentType == "application/x-v\(version)", "round \(round) \(key): metadata of another version")
                #expect(info.etag == Crypto.md5(data).hexString.uppercased(), "round \(round) \(key)")
                present[key] = Int64(data.count)
                if version == state.inFlight { ledger.counts.withLock { $0.committedUnanswered += 1 } }
                // What a restart shows is the new baseline, whether or not its PUT was answered.
                ledger.update(key) {
                    $0.acknowledged = version
                    $0.inFlight = nil
                }
            } catch {
                guard let server = error.serverError, server.status == 404 else {
                    Issue.record("round \(round) \(key): \(error)")
                    continue
                }
                #expect(state.acknowledged == nil, "round \(round) \(key): acknowledged version \(String(describing: state.acknowledged)) is missing")
                ledger.update(key) { $0.inFlight = nil }
            }
        }
        let partial = try await bucket.getObjectData("partial.bin")
        #expect(partial.data == Array("acknowledged before the kill".utf8), "round \(round): the half-sent PUT became visible")
        present["partial.bin"] = Int64(partial.data.count)
        var listed: [String: Int64] = [:]
        for try await page in bucket.listObjectsV2Pages(maxKeys: 5) {
            for object in page.objects { listed[object.key] = object.size }
        }
        #expect(listed == present, "round \(round): the listing disagrees with the objects")
    }

    @Test("SIGKILL mid-write, eight times: never a partial or mixed object, every acknowledged PUT survives")
    func killDuringWrites() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("oss-kill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = Ledger()
        var acknowledgedBefore = 0
        for round in 1...Self.kills {
            // The half-sent PUT must last until the kill, whatever pause a loaded machine gives
            // this test's tasks. A CI run once found no temporary file for it, in round 2, within
            // 30 s; one way that happens is the default 60 s stall timeout freeing the upload
            // while this test's polling task waited for a thread, so the stall timeout is an hour.
            let server = try OSSServeProcess(root: root, extra: ["--idle-timeout", "3600"])
            let url = try #require(server.url, "oss serve did not start: \(server.errorOutput)")
            if round == 1 {
                try await Self.client(url).bucket("examplebucket").putObject("partial.bin", data: Array("acknowledged before the kill".utf8))
            } else {
                try await Self.verify(url: url, ledger: ledger, round: round - 1)
                // The killed process's temporary files were removed at start.
                #expect(LocalOSSFixture.files(in: root + "/.oss/tmp").isEmpty, "round \(round): leftovers \(LocalOSSFixture.files(in: root + "/.oss/tmp"))")
            }
            let partial = try Self.startPartialUpload(url: url, key: "partial.bin", sent: 3 << 20)
            defer { close(partial) }
            // Its temporary file first (the folder was empty): it stays until the kill, so the kill
            // always lands mid-write. Without this wait a loaded CI machine once found the folder
            // empty at the kill: every writer between two PUTs, and this file not yet made.
            let halfSent = try await LocalOSSFixture.waitUntil(seconds: 30) { !LocalOSSFixture.files(in: root + "/.oss/tmp").isEmpty }
            #expect(halfSent, "round \(round): the half-sent PUT made no temporary file within 30 s")
            let writers = (0..<Self.writers).map { writer in Task { await Self.write(writer: writer, url: url, ledger: ledger) } }
            // Let some PUTs complete (however long a loaded machine takes), then kill, after a
            // random pause, while others are mid-body or mid-commit.
            let progressed = try await LocalOSSFixture.waitUntil(seconds: 60) {
                !LocalOSSFixture.files(in: root + "/.oss/tmp").isEmpty && (round > 1 || ledger.acknowledgedCount > acknowledgedBefore)
            }
            #expect(progressed, "round \(round): no PUT was acknowledged within 60 s")
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...600)))
            #expect(!LocalOSSFixture.files(in: root + "/.oss/tmp").isEmpty, "round \(round): no upload was in progress at the kill")
            server.kill9()
            for writer in writers { await writer.value }
            #expect(ledger.acknowledgedCount > acknowledgedBefore || round > 1, "round \(round): no PUT was acknowledged before the kill")
            acknowledgedBefore = ledger.acknowledgedCount
        }
        let server = try OSSServeProcess(root: root)
        defer { server.stop() }
        let url = try #require(server.url)
        try await Self.verify(url: url, ledger: ledger, round: Self.kills)
        #expect(LocalOSSFixture.files(in: root + "/.oss/tmp").isEmpty)
        let counts = ledger.counts.withLock { $0 }
        print("kill -9: \(Self.kills) kills, \(counts.acknowledged) PUTs acknowledged, \(counts.cut) cut by a kill "
              + "(\(counts.committedUnanswered) of them committed before it), \(Self.kills) half-sent 8 MiB PUTs")
    }
}
