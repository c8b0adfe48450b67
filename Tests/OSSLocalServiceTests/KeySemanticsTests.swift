import Foundation
import OSSCrypto
import OSSLocalService
import Testing

/// Keys are a flat namespace of 1 to 1023 UTF-8 bytes, never paths; an object's metadata lives
/// and changes with it.
@Suite("OSS key semantics in the store")
struct KeySemanticsTests {
    @Test("a, a/ and a/b coexist, and a key ending in / holds data")
    func flatNamespace() async throws {
        let service = try InProcessService()
        let bodies = ["a": "file a", "a/": "data under a slash", "a/b": "nested", "a//b": "double slash", "a/b/": "b slash"]
        for (key, body) in bodies { #expect(try await service.put(key, Array(body.utf8)).status == 200, "\(key)") }
        for (key, body) in bodies { #expect(try await service.get(key).text == body, "\(key)") }
        #expect(try await service.listKeys() == ["a", "a/", "a//b", "a/b", "a/b/"])
        let rolled = try await service.send("GET", "examplebucket", query: "list-type=2&delimiter=%2F")
        #expect(InProcessService.elements("Key", in: rolled.text) == ["a"])
        #expect(InProcessService.elements("Prefix", in: rolled.text).filter { !$0.isEmpty } == ["a/"])
        #expect(try await service.send("DELETE", "examplebucket", "a/").status == 204)
        #expect(try await service.get("a/").status == 404)
        #expect(try await service.listKeys() == ["a", "a//b", "a/b", "a/b/"])
        #expect(try await service.get("a/b").text == "nested")
        // Nothing of it is a path under the bucket's folder.
        #expect(InProcessService.tree(service.root + "/examplebucket").isEmpty)
    }

    static let awkward: [String] = [
        "x", String(repeating: "k", count: 1023), String(repeating: "é", count: 511) + "k", "./dot", "../up", "a/./b", "a/../b", ".", "..",
        "trailing space ", " leading space", "tab\tin", "newline\nin", "percent%2Fslash", "q?a=1&b=2#frag", "emoji 😀/🎉", "中文/图片 1.jpg",
        "back\\slash", String(repeating: "deep/", count: 200) + "end",
    ]

    @Test("every key OSS allows works, 1 to 1023 bytes", arguments: awkward)
    func awkwardKeys(key: String) async throws {
        let service = try InProcessService()
        #expect(key.utf8.count <= 1023)
        let body = Array("body of \(key)".utf8)
        let put = try await service.put(key, body)
        #expect(put.status == 200, "\(put.text)")
        #expect(try await service.get(key).body == body)
        #expect(try await service.send("HEAD", "examplebucket", key).contentLength == Int64(body.count))
        #expect(try await service.listKeys().map { Array($0.utf8) } == [Array(key.utf8)])
        #expect(try await service.send("DELETE", "examplebucket", key).status == 204)
        #expect(try await service.listKeys().isEmpty)
    }

    @Test("keys OSS refuses are refused with InvalidObjectName")
    func refusedKeys() async throws {
        let service = try InProcessService()
        for key in [String(repeating: "k", count: 1024), String(repeating: "é", count: 512), "\\lead"] {
            let reply = try await service.put(key, [1])
            #expect(reply.status == 400)
            #expect(reply.text.contains("<Code>InvalidObjectName</Code>"), "\(reply.text)")
        }
        // A leading slash: the path /examplebucket//x names the key "/x".
        let reply = await service.service.handle(ServiceRequest(method: "PUT", target: "/examplebucket//x", headers: [("Content-Length", "1")], body: ByteChunks([1])))
        #expect(reply.status == 400)
        #expect(try await service.listKeys().isEmpty)
    }

    @Test("Content-Type is application/octet-stream when none is sent, never guessed from the name")
    func contentType() async throws {
        let service = try InProcessService()
        #expect(try await service.put("photo.jpg", [1, 2, 3]).status == 200)
        #expect(try await service.get("photo.jpg").header("Content-Type") == "application/octet-stream")
        #expect(try await service.put("photo.jpg", [1, 2, 3], headers: [("Content-Type", "image/x-mine")]).status == 200)
        #expect(try await service.get("photo.jpg").header("Content-Type") == "image/x-mine")
    }

    @Test("metadata lives with the object: what a PUT sets, the next PUT replaces whole")
    func metadataWithObject() async throws {
        let service = try InProcessService()
        let first = try await service.put("m.bin", Array("first".utf8), headers: [
            ("Content-Type", "text/x-first"), ("x-oss-meta-Color", "red"), ("x-oss-meta-only-first", "1"), ("Cache-Control", "no-cache"),
            ("x-oss-storage-class", "IA"), ("x-oss-object-acl", "public-read"), ("x-oss-tagging", "k1=v1&k2=v%202"),
        ])
        #expect(first.status == 200, "\(first.text)")
        let head = try await service.send("HEAD", "examplebucket", "m.bin")
        #expect(head.header("Content-Type") == "text/x-first")
        #expect(head.header("x-oss-meta-color") == "red")
        #expect(head.header("x-oss-meta-only-first") == "1")
        #expect(head.header("Cache-Control") == "no-cache")
        #expect(head.header("x-oss-storage-class") == "IA")
        #expect(head.header("x-oss-tagging-count") == "2")
        #expect(head.header("ETag") == "\"\(Crypto.md5(Array("first".utf8)).hexString.uppercased())\"")
        #expect(head.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(Array("first".utf8))))
        let listing = try await service.send("GET", "examplebucket", query: "list-type=2")
        #expect(InProcessService.elements("StorageClass", in: listing.text) == ["IA"])

        #expect(try await service.put("m.bin", Array("second".utf8), headers: [("x-oss-meta-color", "blue")]).status == 200)
        let second = try await service.send("HEAD", "examplebucket", "m.bin")
        #expect(second.header("Content-Type") == "application/octet-stream")
        #expect(second.header("x-oss-meta-color") == "blue")
        #expect(second.header("x-oss-meta-only-first") == nil)
        #expect(second.header("Cache-Control") == nil)
        #expect(second.header("x-oss-storage-class") == "Standard")
        #expect(second.header("x-oss-tagging-count") == nil)
        #expect(try await service.get("m.bin").text == "second")

        for (name, value) in [("x-oss-storage-class", "Glacier"), ("x-oss-object-acl", "everyone"), ("x-oss-tagging", "=novalue")] {
            let bad = try await service.put("m.bin", Array("third".utf8), headers: [(name, value)])
            #expect(bad.status == 400, "\(name): \(bad.text)")
        }
        #expect(try await service.get("m.bin").text == "second")
    }

    @Test("x-oss-forbid-overwrite: true keeps an existing object")
    func forbidOverwrite() async throws {
        let service = try InProcessService()
        #expect(try await service.put("f.bin", [1], headers: [("x-oss-forbid-overwrite", "true")]).status == 200)
        let refused = try await service.put("f.bin", [2], headers: [("x-oss-forbid-overwrite", "true")])
        #expect(refused.status == 409)
        #expect(refused.text.contains("<Code>FileAlreadyExists</Code>"))
        #expect(try await service.get("f.bin").body == [1])
        #expect(LocalOSSFixture.files(in: service.root + "/.oss/tmp").isEmpty)
        #expect(try await service.put("f.bin", [3], headers: [("x-oss-forbid-overwrite", "false")]).status == 200)
        #expect(try await service.get("f.bin").body == [3])
    }

    @Test("thousands of keys list in order, page by page and by delimiter")
    func manyKeys() async throws {
        let service = try InProcessService()
        var keys: [String] = []
        for folder in 0..<30 {
            for item in 0..<100 { keys.append("folder-\(folder)/item-\(item)") }
        }
        let all = keys
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: all.count, by: 300) {
                group.addTask {
                    for key in all[chunk..<min(chunk + 300, all.count)] {
                        let reply = try await service.put(key, Array(key.utf8))
                        guard reply.status == 200 else { throw InProcessService.ListingFailed(reply: reply.text) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let sorted = keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(try await service.listKeys(maxKeys: 1000) == sorted)
        #expect(try await service.listKeys(maxKeys: 7) == sorted)
        #expect(try await service.listKeys(prefix: "folder-17/", maxKeys: 1000).count == 100)
        let rolled = try await service.send("GET", "examplebucket", query: "list-type=2&delimiter=%2F&max-keys=1000")
        #expect(InProcessService.elements("Prefix", in: rolled.text).filter { !$0.isEmpty }.count == 30)
    }
}
