import Foundation
import OSSCrypto
import Testing

/// DeleteMultipleObjects against the service.
@Suite("DeleteMultipleObjects")
struct DeleteMultipleServiceTests {
    static func send(_ service: InProcessService, _ document: String, query: String = "delete", md5: String? = nil) async throws -> InProcessService.Reply {
        let body = Array(document.utf8)
        return try await service.send("POST", "examplebucket", query: query,
                                      headers: [("Content-MD5", md5 ?? Data(Crypto.md5(body)).base64EncodedString())], body: body)
    }

    @Test("deletes the keys named (missing ones count as deleted), lists them unless quiet, URL-encodes with encoding-type=url")
    func deletes() async throws {
        let service = try InProcessService()
        for key in ["a", "b/c", "keep", "sp ace"] { #expect(try await service.put(key, [1]).status == 200) }
        let reply = try await Self.send(service, "<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object><Object><Key>b/c</Key></Object>"
                                        + "<Object><Key>never</Key></Object></Delete>")
        #expect(reply.status == 200, "\(reply.text)")
        #expect(InProcessService.elements("Key", in: reply.text) == ["a", "b/c", "never"])
        #expect(try await service.listKeys() == ["keep", "sp ace"])
        let quiet = try await Self.send(service, "<Delete><Quiet>true</Quiet><Object><Key>sp ace</Key></Object></Delete>", query: "delete&encoding-type=url")
        #expect(quiet.status == 200)
        #expect(InProcessService.elements("Key", in: quiet.text).isEmpty)
        #expect(try await service.listKeys() == ["keep"])
        #expect(try await service.put("sp ace", [1]).status == 200)
        let encoded = try await Self.send(service, "<Delete><Object><Key>sp ace</Key></Object></Delete>", query: "delete&encoding-type=url")
        #expect(InProcessService.elements("Key", in: encoded.text) == ["sp%20ace"])
    }

    @Test("without Content-MD5, with a wrong one, with no object or malformed XML nothing is deleted")
    func refusals() async throws {
        let service = try InProcessService()
        #expect(try await service.put("a", [1]).status == 200)
        let document = "<Delete><Object><Key>a</Key></Object></Delete>"
        let missing = try await service.send("POST", "examplebucket", query: "delete", body: Array(document.utf8))
        #expect(missing.status == 400 && missing.text.contains("MissingArgument"), "\(missing.text)")
        let wrong = try await Self.send(service, document, md5: Data(Crypto.md5([0])).base64EncodedString())
        #expect(wrong.status == 400 && wrong.text.contains("BadDigest"), "\(wrong.text)")
        #expect(try await Self.send(service, "<Delete></Delete>").text.contains("MalformedXML"))
        #expect(try await Self.send(service, "<Delete><Object><Key>a</Key>").text.contains("MalformedXML"))
        #expect(try await service.listKeys() == ["a"])
    }
}
