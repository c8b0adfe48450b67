import Foundation
import OSSCrypto
import Testing

/// AppendObject and CopyObject against the service.
@Suite("AppendObject and CopyObject")
struct AppendCopyServiceTests {
    @Test("appends at the object's length grow it; the next position and the whole object's CRC-64 come back; a wrong position is 409 with the length")
    func append() async throws {
        let service = try InProcessService()
        let pieces = [testBytes(1000, seed: 1), testBytes(70_000, seed: 2), testBytes(1, seed: 3)]
        var whole: [UInt8] = []
        for piece in pieces {
            let reply = try await service.send("POST", "examplebucket", "log.txt", query: "append&position=\(whole.count)",
                                               headers: [("Content-Type", "text/plain")], body: piece)
            whole += piece
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.header("x-oss-next-append-position") == String(whole.count))
            #expect(reply.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(whole)))
        }
        let object = try await service.get("log.txt")
        #expect(object.body == whole)
        #expect(object.header("x-oss-object-type") == "Appendable")
        #expect(object.header("Content-Type") == "text/plain")
        #expect(object.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(whole)))
        #expect(object.header("x-oss-next-append-position") == String(whole.count))
        #expect(try await service.send("HEAD", "examplebucket", "log.txt").header("x-oss-next-append-position") == String(whole.count))

        let wrong = try await service.send("POST", "examplebucket", "log.txt", query: "append&position=5", body: [1, 2, 3])
        #expect(wrong.status == 409 && wrong.text.contains("<Code>PositionNotEqualToLength</Code>"), "\(wrong.text)")
        #expect(wrong.header("x-oss-next-append-position") == String(whole.count))
        #expect(try await service.get("log.txt").body == whole)

        for bad in ["-1", "x", ""] {
            let reply = try await service.send("POST", "examplebucket", "log.txt", query: "append&position=\(bad)", body: [1])
            #expect(reply.status == 400, "\(bad): \(reply.text)")
        }
    }

    @Test("a Normal object is not appendable, and stays as it was")
    func notAppendable() async throws {
        let service = try InProcessService()
        #expect(try await service.put("plain.txt", Array("plain".utf8)).status == 200)
        let reply = try await service.send("POST", "examplebucket", "plain.txt", query: "append&position=5", body: [1])
        #expect(reply.status == 409 && reply.text.contains("<Code>ObjectNotAppendable</Code>"))
        #expect(try await service.get("plain.txt").text == "plain")
    }

    @Test("an append whose Content-MD5 does not match publishes nothing")
    func badDigest() async throws {
        let service = try InProcessService()
        #expect(try await service.send("POST", "examplebucket", "a.log", query: "append&position=0", body: [1, 2]).status == 200)
        let reply = try await service.send("POST", "examplebucket", "a.log", query: "append&position=2",
                                           headers: [("Content-MD5", Data(Crypto.md5([9])).base64EncodedString())], body: [3, 4])
        #expect(reply.status == 400 && reply.text.contains("BadDigest"), "\(reply.text)")
        #expect(try await service.get("a.log").body == [1, 2])
    }

    @Test("CopyObject copies data, metadata and tags (COPY), or replaces metadata and tags (REPLACE), within and across buckets")
    func copy() async throws {
        let service = try InProcessService(buckets: ["examplebucket", "otherbucket"])
        let data = testBytes(3 << 20, seed: 4)
        #expect(try await service.put("src.bin", data, headers: [("Content-Type", "image/jpeg"), ("x-oss-meta-a", "1"), ("x-oss-tagging", "t=1")]).status == 200)
        let copied = try await service.send("PUT", "otherbucket", "dst.bin", headers: [("x-oss-copy-source", "/examplebucket/src.bin")])
        #expect(copied.status == 200, "\(copied.text)")
        let etag = "\"" + Crypto.md5(data).hexString.uppercased() + "\""
        #expect(InProcessService.elements("ETag", in: copied.text) == [etag])
        let object = try await service.get("dst.bin", bucket: "otherbucket")
        #expect(object.body == data)
        #expect(object.header("Content-Type") == "image/jpeg" && object.header("x-oss-meta-a") == "1")
        #expect(object.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(data)))
        let tags = try await service.send("GET", "otherbucket", "dst.bin", query: "tagging")
        #expect(InProcessService.elements("Key", in: tags.text) == ["t"])

        let replaced = try await service.send("PUT", "examplebucket", "src.bin",
                                              headers: [("x-oss-copy-source", "/examplebucket/src.bin"), ("x-oss-metadata-directive", "REPLACE"),
                                                        ("x-oss-tagging-directive", "REPLACE"), ("x-oss-tagging", "u=2"),
                                                        ("Content-Type", "text/plain"), ("x-oss-meta-b", "2")])
        #expect(replaced.status == 200, "\(replaced.text)")
        let inPlace = try await service.get("src.bin")
        #expect(inPlace.body == data)
        #expect(inPlace.header("Content-Type") == "text/plain" && inPlace.header("x-oss-meta-b") == "2" && inPlace.header("x-oss-meta-a") == nil)
        let newTags = try await service.send("GET", "examplebucket", "src.bin", query: "tagging")
        #expect(InProcessService.elements("Key", in: newTags.text) == ["u"])
    }

    @Test("REPLACE without a Content-Type keeps the source's, and keeps the client-side encryption metadata (as the Python SDK's copier suite records)")
    func replaceKeeps() async throws {
        let service = try InProcessService()
        #expect(try await service.put("src.txt", Array("source".utf8), headers: [("Content-Type", "text/plain"), ("Content-Language", "en-US"),
                                                                             ("x-oss-meta-client-side-encryption-key", "wrapped"),
                                                                             ("x-oss-meta-other", "dropped")]).status == 200)
        let reply = try await service.send("PUT", "examplebucket", "dst.txt", headers: [("x-oss-copy-source", "/examplebucket/src.txt"),
                                                                                     ("x-oss-metadata-directive", "REPLACE"), ("x-oss-meta-new", "1")])
        #expect(reply.status == 200, "\(reply.text)")
        let copy = try await service.get("dst.txt")
        #expect(copy.header("Content-Type") == "text/plain")
        #expect(copy.header("x-oss-meta-client-side-encryption-key") == "wrapped")
        #expect(copy.header("x-oss-meta-new") == "1")
        #expect(copy.header("x-oss-meta-other") == nil && copy.header("Content-Language") == nil)
    }

    @Test("copy conditions: if-match and if-unmodified-since fail with 412, if-none-match and if-modified-since with 304; nothing is written")
    func conditions() async throws {
        let service = try InProcessService()
        #expect(try await service.put("src.txt", Array("source".utf8)).status == 200)
        let etag = "\"" + Crypto.md5(Array("source".utf8)).hexString.uppercased() + "\""
        let past = "Mon, 01 Jan 2001 00:00:00 GMT", future = "Fri, 01 Jan 2100 00:00:00 GMT"
        let cases: [((String, String), Int)] = [
            (("x-oss-copy-source-if-match", "\"0000\""), 412), (("x-oss-copy-source-if-unmodified-since", past), 412),
            (("x-oss-copy-source-if-none-match", etag), 304), (("x-oss-copy-source-if-modified-since", future), 304),
        ]
        for (header, status) in cases {
            let reply = try await service.send("PUT", "examplebucket", "dst.txt", headers: [("x-oss-copy-source", "/examplebucket/src.txt"), header])
            #expect(reply.status == status, "\(header): \(reply.text)")
            #expect(try await service.get("dst.txt").status == 404)
        }
        let matched = try await service.send("PUT", "examplebucket", "dst.txt", headers: [("x-oss-copy-source", "/examplebucket/src.txt"),
                                                                                       ("x-oss-copy-source-if-match", etag)])
        #expect(matched.status == 200)
        #expect(try await service.get("dst.txt").text == "source")
    }

    @Test("a missing source is NoSuchKey, a missing source bucket NoSuchBucket, a malformed source InvalidArgument, forbid-overwrite FileAlreadyExists")
    func copyRefusals() async throws {
        let service = try InProcessService()
        #expect(try await service.put("src.txt", Array("source".utf8)).status == 200)
        #expect(try await service.put("taken.txt", Array("taken".utf8)).status == 200)
        let cases: [([(String, String)], Int, String)] = [
            ([("x-oss-copy-source", "/examplebucket/none.txt")], 404, "NoSuchKey"),
            ([("x-oss-copy-source", "/nosuchbucket/src.txt")], 404, "NoSuchBucket"),
            ([("x-oss-copy-source", "nonsense")], 400, "InvalidArgument"),
            ([("x-oss-copy-source", "/examplebucket/src.txt"), ("x-oss-metadata-directive", "MERGE")], 400, "InvalidArgument"),
        ]
        for (headers, status, code) in cases {
            let reply = try await service.send("PUT", "examplebucket", "dst.txt", headers: headers)
            #expect(reply.status == status && reply.text.contains("<Code>\(code)</Code>"), "\(headers): \(reply.text)")
        }
        let forbidden = try await service.send("PUT", "examplebucket", "taken.txt", headers: [("x-oss-copy-source", "/examplebucket/src.txt"),
                                                                                          ("x-oss-forbid-overwrite", "true")])
        #expect(forbidden.status == 409 && forbidden.text.contains("FileAlreadyExists"))
        #expect(try await service.get("taken.txt").text == "taken")
    }
}
