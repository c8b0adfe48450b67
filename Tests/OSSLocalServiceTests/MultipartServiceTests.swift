import Foundation
import OSSCrypto
import Testing

/// Multipart uploads against the service: OSS's ETag rule (the MD5 of the parts' binary MD5s,
/// then `-N`), the CRC-64 of the whole object combined from the parts', and the refusals that
/// publish nothing.
@Suite("Multipart upload")
struct MultipartServiceTests {
    static func initiate(_ service: InProcessService, _ key: String, headers: [(name: String, value: String)] = []) async throws -> String {
        let reply = try await service.send("POST", "examplebucket", key, query: "uploads", headers: headers)
        #expect(reply.status == 200, "\(reply.text)")
        return try #require(InProcessService.elements("UploadId", in: reply.text).first)
    }

    static func upload(_ service: InProcessService, _ key: String, _ uploadId: String, _ number: Int, _ bytes: [UInt8]) async throws -> String {
        let reply = try await service.send("PUT", "examplebucket", key, query: "partNumber=\(number)&uploadId=\(uploadId)", body: bytes)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(bytes)))
        return try #require(reply.header("ETag"))
    }

    static func completeBody(_ parts: [(Int, String)]) -> [UInt8] {
        Array(("<CompleteMultipartUpload>" + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\($0.1)</ETag></Part>" }.joined()
            + "</CompleteMultipartUpload>").utf8)
    }

    @Test("Complete: the object is the parts in order, its ETag is MD5(MD5s)-N and its CRC-64 the parts' combined; the upload is gone")
    func complete() async throws {
        let service = try InProcessService()
        let key = "multi/part.bin"
        let uploadId = try await Self.initiate(service, key, headers: [("Content-Type", "text/plain"), ("x-oss-meta-origin", "initiate")])
        let parts = [testBytes(100 << 10, seed: 1), testBytes(150 << 10, seed: 2), testBytes(777, seed: 3)]
        var etags: [(Int, String)] = []
        for (index, bytes) in parts.enumerated() {
            etags.append((index + 1, try await Self.upload(service, key, uploadId, index + 1, bytes)))
        }
        // Part 2 uploaded again replaces the first upload of it whole.
        let part2 = testBytes(120 << 10, seed: 9)
        etags[1] = (2, try await Self.upload(service, key, uploadId, 2, part2))
        let listed = try await service.send("GET", "examplebucket", key, query: "uploadId=\(uploadId)")
        #expect(InProcessService.elements("PartNumber", in: listed.text) == ["1", "2", "3"])
        #expect(InProcessService.elements("Size", in: listed.text) == ["\(100 << 10)", "\(120 << 10)", "777"])

        let reply = try await service.send("POST", "examplebucket", key, query: "uploadId=\(uploadId)", body: Self.completeBody(etags))
        #expect(reply.status == 200, "\(reply.text)")
        let whole = parts[0] + part2 + parts[2]
        let md5s = [parts[0], part2, parts[2]].flatMap { Crypto.md5($0) }
        let expectedETag = "\"" + Crypto.md5(md5s).hexString.uppercased() + "-3\""
        #expect(reply.header("ETag") == expectedETag)
        #expect(reply.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(whole)))
        let object = try await service.get(key)
        #expect(object.body == whole)
        #expect(object.header("ETag") == expectedETag)
        #expect(object.header("x-oss-object-type") == "Multipart")
        #expect(object.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(whole)))
        #expect(object.header("Content-Type") == "text/plain")
        #expect(object.header("x-oss-meta-origin") == "initiate")
        let uploads = try await service.send("GET", "examplebucket", query: "uploads")
        #expect(InProcessService.elements("UploadId", in: uploads.text).isEmpty, "\(uploads.text)")
        #expect(try await service.send("GET", "examplebucket", key, query: "uploadId=\(uploadId)").status == 404)
    }

    @Test("Complete refuses a wrong ETag, parts out of order and a small middle part, and publishes nothing")
    func refusals() async throws {
        let service = try InProcessService()
        let key = "refused.bin"
        let uploadId = try await Self.initiate(service, key)
        let first = try await Self.upload(service, key, uploadId, 1, testBytes(1000, seed: 1))
        let second = try await Self.upload(service, key, uploadId, 2, testBytes(1000, seed: 2))
        let cases: [([(Int, String)], String)] = [
            ([(1, "\"00000000000000000000000000000000\""), (2, second)], "InvalidPart"),
            ([(2, second), (1, first)], "InvalidPartOrder"),
            ([(1, first), (2, second)], "EntityTooSmall"),
            ([(1, first), (3, second)], "InvalidPart"),
        ]
        for (parts, code) in cases {
            let reply = try await service.send("POST", "examplebucket", key, query: "uploadId=\(uploadId)", body: Self.completeBody(parts))
            #expect(reply.status == 400 && reply.text.contains("<Code>\(code)</Code>"), "\(code): \(reply.text)")
            #expect(try await service.get(key).status == 404)
        }
        let malformed = try await service.send("POST", "examplebucket", key, query: "uploadId=\(uploadId)", body: Array("<Complete".utf8))
        #expect(malformed.text.contains("<Code>MalformedXML</Code>"))
        // The upload survives every refusal and still completes with its last part alone.
        let reply = try await service.send("POST", "examplebucket", key, query: "uploadId=\(uploadId)", body: Self.completeBody([(2, second)]))
        #expect(reply.status == 200, "\(reply.text)")
        #expect(try await service.get(key).body == testBytes(1000, seed: 2))
    }

    @Test("Abort removes the upload and its parts; a part for it afterwards is NoSuchUpload; a made-up upload ID is NoSuchUpload")
    func abort() async throws {
        let service = try InProcessService()
        let uploadId = try await Self.initiate(service, "aborted.bin")
        _ = try await Self.upload(service, "aborted.bin", uploadId, 1, testBytes(500))
        #expect(try await service.send("DELETE", "examplebucket", "aborted.bin", query: "uploadId=\(uploadId)").status == 204)
        let late = try await service.send("PUT", "examplebucket", "aborted.bin", query: "partNumber=2&uploadId=\(uploadId)", body: testBytes(10))
        #expect(late.status == 404 && late.text.contains("<Code>NoSuchUpload</Code>"))
        #expect(try await service.send("DELETE", "examplebucket", "aborted.bin", query: "uploadId=\(uploadId)").status == 404)
        for bogus in ["0004B9894A22E5B1888A1E29F823****", "../../objects", ""] {
            let reply = try await service.send("GET", "examplebucket", "aborted.bin", query: "uploadId=\(bogus)")
            #expect(reply.status == 404, "\(bogus): \(reply.text)")
        }
        // Nothing of the upload is left on disk.
        #expect(!InProcessService.tree(service.root).contains { $0.contains("/uploads/\(uploadId)") })
    }

    @Test("an upload ID belongs to its key: UploadPart and Complete on another key are NoSuchUpload")
    func uploadBelongsToKey() async throws {
        let service = try InProcessService()
        let uploadId = try await Self.initiate(service, "mine.bin")
        let reply = try await service.send("PUT", "examplebucket", "other.bin", query: "partNumber=1&uploadId=\(uploadId)", body: testBytes(10))
        #expect(reply.status == 404)
        #expect(try await service.get("other.bin").status == 404)
    }

    @Test("part numbers outside 1...10000 are InvalidArgument")
    func partNumbers() async throws {
        let service = try InProcessService()
        let uploadId = try await Self.initiate(service, "n.bin")
        for number in ["0", "10001", "-1", "x", "99999999999999999999"] {
            let reply = try await service.send("PUT", "examplebucket", "n.bin", query: "partNumber=\(number)&uploadId=\(uploadId)", body: [1])
            #expect(reply.status == 400 && reply.text.contains("InvalidArgument"), "\(number): \(reply.text)")
        }
    }

    @Test("UploadPartCopy copies a range of another object as a part")
    func uploadPartCopy() async throws {
        let service = try InProcessService()
        let source = testBytes(300 << 10, seed: 5)
        #expect(try await service.put("source.bin", source).status == 200)
        let uploadId = try await Self.initiate(service, "copied.bin")
        let copy = try await service.send("PUT", "examplebucket", "copied.bin", query: "partNumber=1&uploadId=\(uploadId)",
                                          headers: [("x-oss-copy-source", "/examplebucket/source.bin"), ("x-oss-copy-source-range", "bytes=0-102399")])
        #expect(copy.status == 200, "\(copy.text)")
        let etag = try #require(InProcessService.elements("ETag", in: copy.text).first)
        #expect(etag == "\"" + Crypto.md5(Array(source[0..<102_400])).hexString.uppercased() + "\"")
        let tail = try await Self.upload(service, "copied.bin", uploadId, 2, Array(source[102_400...]))
        let reply = try await service.send("POST", "examplebucket", "copied.bin", query: "uploadId=\(uploadId)", body: Self.completeBody([(1, etag), (2, tail)]))
        #expect(reply.status == 200, "\(reply.text)")
        #expect(try await service.get("copied.bin").body == source)
        let missing = try await service.send("PUT", "examplebucket", "copied.bin", query: "partNumber=3&uploadId=\(uploadId)",
                                             headers: [("x-oss-copy-source", "/examplebucket/nothing.bin")])
        #expect(missing.status == 404)
    }

    @Test("ListMultipartUploads pages by key and upload ID, with prefix and delimiter")
    func listUploads() async throws {
        let service = try InProcessService()
        var ids: [String: String] = [:]
        for key in ["a/1", "a/2", "b", "c/d/e"] { ids[key] = try await Self.initiate(service, key) }
        let all = try await service.send("GET", "examplebucket", query: "uploads")
        #expect(InProcessService.elements("Key", in: all.text) == ["a/1", "a/2", "b", "c/d/e"])
        let grouped = try await service.send("GET", "examplebucket", query: "uploads&delimiter=/")
        #expect(InProcessService.elements("Key", in: grouped.text) == ["b"])
        #expect(InProcessService.elements("Prefix", in: grouped.text).contains("a/"))
        let page = try await service.send("GET", "examplebucket", query: "uploads&max-uploads=2")
        #expect(InProcessService.elements("IsTruncated", in: page.text) == ["true"])
        #expect(InProcessService.elements("NextKeyMarker", in: page.text) == ["a/2"])
        let next = try await service.send("GET", "examplebucket", query: "uploads&key-marker=a/2&upload-id-marker=\(ids["a/2"]!)")
        #expect(InProcessService.elements("Key", in: next.text) == ["b", "c/d/e"])
    }
}
