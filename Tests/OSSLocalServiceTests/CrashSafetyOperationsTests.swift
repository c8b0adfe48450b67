import Foundation
import OSS
import OSSCrypto
import OSSHTTP
import OSSLocking
import OSSSigner
import Testing

/// A real `oss serve` killed with SIGKILL while AppendObject, CopyObject and
/// CompleteMultipartUpload run: after a restart each object is the one before the operation or
/// the one after it, whole, with its own metadata, and every acknowledged operation is there.
/// (What SIGKILL proves and does not is said in ``CrashSafetyTests``.)
@Suite("kill -9 during append, copy and complete")
struct CrashSafetyOperationsTests {
    static let kills = 4
    static let appendBlock = 192 << 10

    /// The bytes of the append stream up to `length`: blocks of their own, so a block in the
    /// wrong place or a torn one shows.
    static func appended(_ length: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var block = 0
        while bytes.count < length {
            bytes += testBytes(appendBlock, seed: UInt64(1000 + block)).prefix(length - bytes.count)
            block += 1
        }
        return bytes
    }

    static func source(_ version: Int) -> [UInt8] { testBytes(3 << 20, seed: UInt64(5000 + version)) }
    static func part(_ version: Int, _ number: Int) -> [UInt8] { testBytes(1 << 20, seed: UInt64(9000 + version * 10 + number)) }

    struct Reply: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One signed request, as the SDK would send it.
    static func send(_ url: String, _ method: String, _ key: String, query: [QueryItem] = [], headers: [HTTPHeaderField] = [],
                     body: [UInt8] = []) async throws -> Reply {
        let client = OSSClient(configuration: Configuration(
            region: "cn-hangzhou", endpoint: url,
            credentialsProvider: StaticCredentialsProvider(accessKeyId: OSSServeProcess.accessKeyId, accessKeySecret: OSSServeProcess.accessKeySecret)),
            retryPolicy: .none)
        let request = SignableRequest(method: method, bucket: "examplebucket", key: key, query: query, headers: headers)
        let prepared = try client.configuration.prepare(request, credentials: Credentials(accessKeyId: OSSServeProcess.accessKeyId,
                                                                                          accessKeySecret: OSSServeProcess.accessKeySecret))
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: method, url: prepared.url,
                                                                             headers: prepared.headers,
                                                                             body: body.isEmpty ? .none : .bytes(body)))
        return Reply(status: response.status, headers: response.headers.map { (name: $0.name, value: $0.value) }, body: try await response.body.collect(upTo: 64 << 20))
    }

    /// For each operation: the last version (or length) acknowledged, and the one in flight.
    final class Ledger: Sendable {
        struct Entry: Sendable {
            var acknowledged: Int?
            var inFlight: Int?
            var next = 1
        }
        let entries = LockedValue<[String: Entry]>([:])
        let acknowledgedOperations = LockedValue(0)
        func update(_ name: String, _ change: (inout Entry) -> Void) { entries.withLock { change(&$0[name, default: Entry()]) } }
        func entry(_ name: String) -> Entry { entries.withLock { $0[name] ?? Entry() } }
    }

    static func appendLoop(_ url: String, _ ledger: Ledger) async {
        while true {
            let length = ledger.entry("append").acknowledged ?? 0
            let next = length + appendBlock
            ledger.update("append") { $0.inFlight = next }
            guard let reply = try? await send(url, "POST", "log.bin", query: [QueryItem("append"), QueryItem("position", String(length))],
                                              body: Array(appended(next)[length...])), reply.status == 200 else { return }
            ledger.update("append") { $0.acknowledged = next; $0.inFlight = nil }
            ledger.acknowledgedOperations.withLock { $0 += 1 }
        }
    }

    static func copyLoop(_ url: String, _ ledger: Ledger) async {
        while true {
            let version = ledger.entry("copy").next
            ledger.update("copy") { $0.inFlight = version; $0.next = version + 1 }
            guard let reply = try? await send(url, "PUT", "copy.bin", headers: [HTTPHeaderField("x-oss-copy-source", "/examplebucket/src-\(version % 3)"),
                                                                               HTTPHeaderField("x-oss-metadata-directive", "REPLACE"),
                                                                               HTTPHeaderField("x-oss-meta-version", String(version))]),
                  reply.status == 200 else { return }
            ledger.update("copy") { $0.acknowledged = version; $0.inFlight = nil }
            ledger.acknowledgedOperations.withLock { $0 += 1 }
        }
    }

    static func multipartLoop(_ url: String, _ ledger: Ledger) async {
        while true {
            let version = ledger.entry("complete").next
            ledger.update("complete") { $0.next = version + 1 }
            guard let initiated = try? await send(url, "POST", "multi.bin", query: [QueryItem("uploads")],
                                                  headers: [HTTPHeaderField("x-oss-meta-version", String(version))]),
                  let uploadId = InProcessService.elements("UploadId", in: initiated.text).first else { return }
            var document = "<CompleteMultipartUpload>"
            for number in 1...2 {
                guard let reply = try? await send(url, "PUT", "multi.bin", query: [QueryItem("partNumber", String(number)), QueryItem("uploadId", uploadId)],
                                                  body: part(version, number)), let etag = reply.header("ETag") else { return }
                document += "<Part><PartNumber>\(number)</PartNumber><ETag>\(etag)</ETag></Part>"
            }
            document += "</CompleteMultipartUpload>"
            ledger.update("complete") { $0.inFlight = version }
            guard let reply = try? await send(url, "POST", "multi.bin", query: [QueryItem("uploadId", uploadId)], body: Array(document.utf8)),
                  reply.status == 200 else { return }
            ledger.update("complete") { $0.acknowledged = version; $0.inFlight = nil }
            ledger.acknowledgedOperations.withLock { $0 += 1 }
        }
    }

    /// What a restart shows must be the acknowledged state or the in-flight one, whole; it
    /// becomes the new baseline.
    static func verify(_ url: String, _ ledger: Ledger, round: Int) async throws {
        let log = try await send(url, "GET", "log.bin")
        let append = ledger.entry("append")
        if log.status == 404 {
            #expect(append.acknowledged == nil, "round \(round): acknowledged appends are missing")
        } else {
            #expect(log.body.count == append.acknowledged ?? 0 || log.body.count == append.inFlight, "round \(round): log.bin is \(log.body.count) bytes")
            #expect(log.body == appended(log.body.count), "round \(round): log.bin's bytes are torn")
            #expect(log.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(log.body)), "round \(round): log.bin's CRC-64 is not its data's")
            #expect(log.header("x-oss-next-append-position") == String(log.body.count))
            ledger.update("append") { $0.acknowledged = log.body.count; $0.inFlight = nil }
        }

        let copy = try await send(url, "GET", "copy.bin")
        let copied = ledger.entry("copy")
        if copy.status == 404 {
            #expect(copied.acknowledged == nil, "round \(round): acknowledged copies are missing")
        } else {
            let version = Int(copy.header("x-oss-meta-version") ?? "") ?? -1
            #expect(version == copied.acknowledged || version == copied.inFlight, "round \(round): copy.bin is version \(version)")
            #expect(copy.body == source(version % 3), "round \(round): copy.bin's bytes are not those of its version")
            ledger.update("copy") { $0.acknowledged = version; $0.inFlight = nil }
        }

        let multi = try await send(url, "GET", "multi.bin")
        let completed = ledger.entry("complete")
        if multi.status == 404 {
            #expect(completed.acknowledged == nil, "round \(round): acknowledged completes are missing")
        } else {
            let version = Int(multi.header("x-oss-meta-version") ?? "") ?? -1
            #expect(version == completed.acknowledged || version == completed.inFlight, "round \(round): multi.bin is version \(version)")
            #expect(multi.body == part(version, 1) + part(version, 2), "round \(round): multi.bin's bytes are not its version's parts")
            let etag = Crypto.md5(Crypto.md5(part(version, 1)) + Crypto.md5(part(version, 2))).hexString.uppercased() + "-2"
            #expect(multi.header("ETag") == "\"\(etag)\"")
            ledger.update("complete") { $0.acknowledged = version; $0.inFlight = nil }
        }
    }

    @Test("SIGKILL during appends, copies and completes: each object is before or after, whole; every acknowledged operation survives")
    func killDuringOperations() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("oss-kill-ops-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = Ledger()
        for round in 1...Self.kills {
            let server = try OSSServeProcess(root: root)
            let url = try #require(server.url, "oss serve did not start: \(server.errorOutput)")
            if round == 1 {
                for version in 0..<3 {
                    #expect(try await Self.send(url, "PUT", "src-\(version)", body: Self.source(version)).status == 200)
                }
            } else {
                try await Self.verify(url, ledger, round: round - 1)
                #expect(LocalOSSFixture.files(in: root + "/.oss/tmp").isEmpty, "round \(round): leftovers")
            }
            let before = ledger.acknowledgedOperations.withLock { $0 }
            let loops = [Task { await Self.appendLoop(url, ledger) }, Task { await Self.copyLoop(url, ledger) },
                         Task { await Self.multipartLoop(url, ledger) }]
            // Kill once an operation of this round was acknowledged (however long a loaded
            // machine takes), after a random pause, so kills land at varied points.
            let progressed = try await LocalOSSFixture.waitUntil(seconds: 60) { ledger.acknowledgedOperations.withLock { $0 } > before }
            #expect(progressed, "round \(round): no operation was acknowledged within 60 s")
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500)))
            server.kill9()
            for loop in loops { await loop.value }
            #expect(ledger.acknowledgedOperations.withLock { $0 } > before, "round \(round): nothing was acknowledged before the kill")
        }
        let server = try OSSServeProcess(root: root)
        defer { server.stop() }
        let url = try #require(server.url)
        try await Self.verify(url, ledger, round: Self.kills)
        print("kill -9 during operations: \(Self.kills) kills, \(ledger.acknowledgedOperations.withLock { $0 }) appends, copies and completes acknowledged")
    }
}
