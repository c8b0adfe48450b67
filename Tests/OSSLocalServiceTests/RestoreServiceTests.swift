import Foundation
import OSSLocalService
import OSSLocking
import OSSSigner
import Testing

/// Storage classes and RestoreObject, on a clock the test moves.
@Suite("Storage classes and restore")
struct RestoreServiceTests {
    final class TestClock: Sendable {
        let seconds = LockedValue<Int64>(1_800_000_000)
        func advance(_ by: Int64) { seconds.withLock { $0 += by } }
        var now: SigningTime { SigningTime(unixSeconds: seconds.withLock { $0 }) }
    }

    @Test("an Archive object needs a restore before GET: 403 InvalidObjectState, 202, 409 while in progress, then readable until it expires")
    func archive() async throws {
        let clock = TestClock()
        let service = try InProcessService(configure: { configuration in
            configuration.clock = { clock.now }
            configuration.restoreDelay = .seconds(60)
        })
        let data = testBytes(4000)
        #expect(try await service.put("cold.bin", data, headers: [("x-oss-storage-class", "Archive")]).status == 200)
        let head = try await service.send("HEAD", "examplebucket", "cold.bin")
        #expect(head.status == 200 && head.header("x-oss-storage-class") == "Archive")
        let refused = try await service.get("cold.bin")
        #expect(refused.status == 403 && refused.text.contains("InvalidObjectState"), "\(refused.text)")

        let body = Array("<RestoreRequest><Days>2</Days></RestoreRequest>".utf8)
        #expect(try await service.send("POST", "examplebucket", "cold.bin", query: "restore", body: body).status == 202)
        let again = try await service.send("POST", "examplebucket", "cold.bin", query: "restore", body: body)
        #expect(again.status == 409 && again.text.contains("RestoreAlreadyInProgress"))
        #expect(try await service.send("HEAD", "examplebucket", "cold.bin").header("x-oss-restore") == "ongoing-request=\"true\"")
        #expect(try await service.get("cold.bin").status == 403)

        clock.advance(61)
        let restored = try await service.get("cold.bin")
        #expect(restored.body == data)
        #expect(restored.header("x-oss-restore")?.hasPrefix("ongoing-request=\"false\", expiry-date=") == true)
        #expect(try await service.send("POST", "examplebucket", "cold.bin", query: "restore", body: body).status == 200)

        clock.advance(3 * 86_400)
        #expect(try await service.get("cold.bin").status == 403)
    }

    @Test("a Standard object cannot be restored; Days and Tier are checked; unknown storage classes are refused")
    func refusals() async throws {
        let service = try InProcessService(configure: { $0.restoreDelay = .zero })
        #expect(try await service.put("warm.bin", [1]).status == 200)
        let standard = try await service.send("POST", "examplebucket", "warm.bin", query: "restore")
        #expect(standard.status == 400 && standard.text.contains("OperationNotSupported"), "\(standard.text)")
        #expect(try await service.put("cold.bin", [1], headers: [("x-oss-storage-class", "ColdArchive")]).status == 200)
        for body in ["<RestoreRequest><Days>0</Days></RestoreRequest>", "<RestoreRequest><Days>x</Days></RestoreRequest>",
                     "<RestoreRequest><Days>1</Days><JobParameters><Tier>Fast</Tier></JobParameters></RestoreRequest>"] {
            let reply = try await service.send("POST", "examplebucket", "cold.bin", query: "restore", body: Array(body.utf8))
            #expect(reply.status == 400, "\(body): \(reply.text)")
        }
        let unknown = try await service.put("x.bin", [1], headers: [("x-oss-storage-class", "Frozen")])
        #expect(unknown.status == 400, "\(unknown.text)")
        #expect(try await service.get("x.bin").status == 404)
        let missing = try await service.send("POST", "examplebucket", "none.bin", query: "restore")
        #expect(missing.status == 404)
    }
}
