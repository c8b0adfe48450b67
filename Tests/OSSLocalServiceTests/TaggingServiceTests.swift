import Foundation
import Testing

/// Object tagging against the service: tags change atomically with the object's record and
/// never its data.
@Suite("Object tagging")
struct TaggingServiceTests {
    static func tagging(_ tags: [(String, String)]) -> [UInt8] {
        Array(("<Tagging><TagSet>" + tags.map { "<Tag><Key>\($0.0)</Key><Value>\($0.1)</Value></Tag>" }.joined() + "</TagSet></Tagging>").utf8)
    }

    @Test("Put, Get and DeleteObjectTagging; x-oss-tagging on PUT; x-oss-tagging-count on GET; the data never changes")
    func roundTrip() async throws {
        let service = try InProcessService()
        let data = testBytes(10_000)
        #expect(try await service.put("t.bin", data, headers: [("x-oss-tagging", "a=1&b=x%20y")]).status == 200)
        let initial = try await service.send("GET", "examplebucket", "t.bin", query: "tagging")
        #expect(InProcessService.elements("Key", in: initial.text) == ["a", "b"])
        #expect(InProcessService.elements("Value", in: initial.text) == ["1", "x y"])
        #expect(try await service.get("t.bin").header("x-oss-tagging-count") == "2")

        let put = try await service.send("PUT", "examplebucket", "t.bin", query: "tagging", body: Self.tagging([("k", "v&amp;&lt;&gt;")]))
        #expect(put.status == 200, "\(put.text)")
        let replaced = try await service.send("GET", "examplebucket", "t.bin", query: "tagging")
        #expect(InProcessService.elements("Key", in: replaced.text) == ["k"])
        #expect(InProcessService.elements("Value", in: replaced.text) == ["v&<>"])
        #expect(try await service.get("t.bin").body == data)

        #expect(try await service.send("DELETE", "examplebucket", "t.bin", query: "tagging").status == 204)
        #expect(InProcessService.elements("Key", in: try await service.send("GET", "examplebucket", "t.bin", query: "tagging").text).isEmpty)
        #expect(try await service.get("t.bin").body == data)
        #expect(try await service.get("t.bin").header("x-oss-tagging-count") == nil)
    }

    @Test("more than 10 tags, a key twice, an empty or long key and malformed XML are refused and change nothing")
    func refusals() async throws {
        let service = try InProcessService()
        #expect(try await service.put("t.bin", [1, 2, 3], headers: [("x-oss-tagging", "keep=1")]).status == 200)
        let bodies: [[UInt8]] = [
            Self.tagging((0..<11).map { ("k\($0)", "v") }),
            Self.tagging([("same", "1"), ("same", "2")]),
            Self.tagging([("", "v")]),
            Self.tagging([(String(repeating: "k", count: 129), "v")]),
            Array("<Tagging><TagSet><Tag>".utf8),
        ]
        for body in bodies {
            let reply = try await service.send("PUT", "examplebucket", "t.bin", query: "tagging", body: body)
            #expect(reply.status == 400, "\(reply.text)")
        }
        #expect(InProcessService.elements("Key", in: try await service.send("GET", "examplebucket", "t.bin", query: "tagging").text) == ["keep"])
        let missing = try await service.send("PUT", "examplebucket", "none.bin", query: "tagging", body: Self.tagging([("k", "v")]))
        #expect(missing.status == 404 && missing.text.contains("NoSuchKey"))
        #expect(try await service.get("none.bin").status == 404)
    }
}
