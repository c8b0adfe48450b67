import Foundation
import OSS
import OSSHTTP
import OSSLocalService
import OSSLocking
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A full disk answers a clear, non-retryable error, the client does not re-send the body, and
/// the object that was there stays intact.
@Suite("A full disk")
struct FullDiskTests {
    /// A real `oss serve` whose root is a 4 MiB tmpfs, mounted in a mount namespace of its own
    /// (`unshare -m`), so nothing outside the test ever sees it. Needs root.
    @Test("a real tiny tmpfs: 507 InsufficientStorage, one attempt, the old object intact")
    func realTmpfs() async throws {
        let reason: String? = {
            if geteuid() != 0 { return "not running as root, so a tmpfs cannot be mounted" }
            if !FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") { return "/usr/bin/unshare is missing" }
            return nil
        }()
        if let reason { try Self.skip(reason) }
        let binary = try OSSBinary.path()
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("oss-tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let server = try OSSServeProcess(executable: "/usr/bin/unshare", arguments: [
            "-m", "--propagation", "private", "/bin/sh", "-c",
            "mount -t tmpfs -o size=4m tmpfs \"$1\" && exec \"$2\" serve --root \"$1\" --bucket examplebucket",
            "sh", mountPoint, binary,
        ])
        defer { server.stop() }
        guard let url = server.url else {
            try Self.skip("the tmpfs could not be mounted in a private mount namespace: \(server.errorOutput)")
        }
        let counter = CountingTransport(OSSClient.defaultTransport)
        let client = OSSClient(configuration: Configuration(
            region: "cn-hangzhou", endpoint: url,
            credentialsProvider: StaticCredentialsProvider(accessKeyId: OSSServeProcess.accessKeyId, accessKeySecret: OSSServeProcess.accessKeySecret)),
            transport: counter, retryPolicy: RetryPolicy(baseDelay: .milliseconds(5)))
        let bucket = client.bucket("examplebucket")
        let old = testBytes(200 << 10, seed: 1)
        try await bucket.putObject("kept.bin", data: old)

        for key in ["kept.bin", "new.bin"] {
            counter.reset()
            do {
                try await bucket.putObject(key, data: testBytes(8 << 20, seed: 2))
                Issue.record("an 8 MiB object fitted in a 4 MiB tmpfs")
            } catch {
                guard let server = error.serverError else { Issue.record("\(error)"); continue }
                #expect(server.status == 507, "\(server)")
                #expect(server.code == "InsufficientStorage", "\(server)")
                #expect(server.ec != nil)
                #expect(!server.message.contains(mountPoint), "\(server.message)")
            }
            #expect(counter.count == 1, "the client sent the 8 MiB body \(counter.count) times")
        }
        #expect(try await bucket.getObjectData("kept.bin").data == old)
        await #expect(throws: OSSError.self) { try await bucket.headObject("new.bin") }
        // The space of the failed uploads was given back: a small object still fits.
        try await bucket.putObject("small.bin", data: testBytes(100 << 10, seed: 3))
        #expect(try await bucket.listObjectsV2().objects.map(\.key) == ["kept.bin", "small.bin"])
    }

    @Test("an injected ENOSPC at write(2): 507 InsufficientStorage naming the key, the old object intact, no temporary file")
    func injected() async throws {
        let faults = FaultInjector([FaultRule(.diskFull, method: "PUT", times: -1, afterBytes: 4096)])
        let service = try InProcessService(faults: faults)
        faults.removeAll()
        #expect(try await service.put("kept.bin", Array("old".utf8)).status == 200)
        faults.add(FaultRule(.diskFull, method: "PUT", times: -1, afterBytes: 4096))
        for key in ["kept.bin", "fresh.bin"] {
            let reply = try await service.put(key, testBytes(1 << 20))
            #expect(reply.status == 507, "\(reply.text)")
            #expect(reply.text.contains("<Code>InsufficientStorage</Code>"))
            #expect(reply.text.contains("<Key>\(key)</Key>"))
            #expect(reply.header("x-oss-ec") == "0000-00000004")
            #expect(!reply.text.contains(service.root))
        }
        // Small enough to fit: stored.
        #expect(try await service.put("tiny.bin", [1, 2, 3]).status == 200)
        faults.removeAll()
        #expect(try await service.get("kept.bin").body == Array("old".utf8))
        #expect(try await service.get("fresh.bin").status == 404)
        #expect(LocalOSSFixture.files(in: service.root + "/.oss/tmp").isEmpty)
    }

    @Test("the client does not retry a full disk, through a real socket")
    func clientDoesNotRetry() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("kept.bin", data: Array("old".utf8))
        fixture.service.faults.add(FaultRule(.diskFull, method: "PUT", times: -1))
        do {
            try await bucket.putObject("kept.bin", data: testBytes(3 << 20))
            Issue.record("expected InsufficientStorage")
        } catch {
            #expect(error.code == "InsufficientStorage", "\(error)")
        }
        #expect(fixture.service.faults.appliedCounts == [1])
        fixture.service.faults.removeAll()
        #expect(try await bucket.getObjectData("kept.bin").data == Array("old".utf8))
    }

    @Test("the fault rule is written disk-full in a rules file")
    func ruleFile() throws {
        let rules = try JSONDecoder().decode([FaultRule].self, from: Data(#"[{"fault": "disk-full", "method": "PUT", "afterBytes": 10}]"#.utf8))
        #expect(rules.count == 1)
        #expect(rules.first?.fault == .diskFull)
        #expect(rules.first?.afterBytes == 10)
    }

    /// Says plainly that a test did not run, then cancels it (reported as skipped, not passed).
    static func skip(_ reason: String) throws -> Never {
        FileHandle.standardError.write(Data("SKIPPED (not passed): \(reason)\n".utf8))
        try Test.cancel("SKIPPED: \(reason)")
    }
}

/// Counts the requests a client really sends, passing each to a real transport.
final class CountingTransport: Transport {
    private let inner: any Transport
    private let sent = LockedValue<Int>(0)
    init(_ inner: any Transport) { self.inner = inner }
    var count: Int { sent.load() }
    func reset() { sent.store(0) }
    func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
        sent.withLock { $0 += 1 }
        return try await inner.send(request)
    }
}
