import Foundation
import OSSHTTP
import OSSLocalService
import Testing

/// Files placed by hand under a bucket's folder are served as objects, as `oss serve --root`
/// always did: they are imported into the store, listed and served, and the files stay put.
@Suite("Files placed in a bucket folder by hand")
struct PlacedFilesTests {
    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test("files present at start are listed and served, with a content type from the extension")
    func atStart() async throws {
        let service = try InProcessService(buckets: []) { root in
            try self.write("jpeg bytes", to: root + "/examplebucket/example.jpg")
            try self.write("nested", to: root + "/examplebucket/dir/sub/n.txt")
            try self.write("hidden", to: root + "/examplebucket/.hidden")
        }
        #expect(try await service.listKeys() == [".hidden", "dir/sub/n.txt", "example.jpg"])
        let get = try await service.get("example.jpg")
        #expect(get.text == "jpeg bytes")
        #expect(get.header("Content-Type") == "image/jpeg")
        #expect(get.header("ETag") != nil && get.header("x-oss-hash-crc64ecma") != nil)
        #expect(try await service.get("dir/sub/n.txt").text == "nested")
        // The files stay where they were.
        #expect(try String(contentsOfFile: service.root + "/examplebucket/example.jpg", encoding: .utf8) == "jpeg bytes")
    }

    @Test("a file dropped in while serving is served at once, and a changed one is imported again")
    func whileServing() async throws {
        let service = try InProcessService()
        #expect(try await service.get("late.txt").status == 404)
        try write("late", to: service.root + "/examplebucket/late.txt")
        #expect(try await service.get("late.txt").text == "late")
        try write("dropped", to: service.root + "/examplebucket/listed/only.txt")
        #expect(try await service.listKeys() == ["late.txt", "listed/only.txt"])
        try await Task.sleep(for: .milliseconds(20))
        try write("late, changed", to: service.root + "/examplebucket/late.txt")
        #expect(try await service.get("late.txt").text == "late, changed")
    }

    @Test("an imported object deleted or replaced through the API stays so, even after a restart")
    func deletedStaysDeleted() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("placed-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try write("one", to: base + "/examplebucket/one.txt")
        try write("two", to: base + "/examplebucket/two.txt")
        do {
            // The first session imports both, then deletes one and replaces the other.
            let service = try InProcessService(existingRoot: base)
            #expect(try await service.listKeys() == ["one.txt", "two.txt"])
            #expect(try await service.send("DELETE", "examplebucket", "one.txt").status == 204)
            #expect(try await service.put("two.txt", Array("replaced".utf8)).status == 200)
            #expect(try await service.listKeys() == ["two.txt"])
        }
        do {
            // A new store on the same root: a restart.
            let service = try InProcessService(existingRoot: base)
            #expect(try await service.listKeys() == ["two.txt"])
            #expect(try await service.get("one.txt").status == 404)
            #expect(try await service.get("two.txt").text == "replaced")
        }
    }

    @Test("the newer wins: an object written through the API after the file was placed is kept")
    func newerWins() async throws {
        let service = try InProcessService()
        let path = service.root + "/examplebucket/k.txt"
        try write("placed an hour ago", to: path)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: path)
        #expect(try await service.put("k.txt", Array("from the API".utf8)).status == 200)
        #expect(try await service.get("k.txt").text == "from the API")
        #expect(try await service.listKeys() == ["k.txt"])
        #expect(try await service.get("k.txt").text == "from the API")
        try write("placed again, later", to: path)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(3600)], ofItemAtPath: path)
        #expect(try await service.get("k.txt").text == "placed again, later")
    }

    @Test("a root written by the previous layout keeps its objects' content type and metadata")
    func previousLayout() async throws {
        let service = try InProcessService(buckets: []) { root in
            try self.write("old object", to: root + "/examplebucket/docs/a.bin")
            try self.write(#"{"contentType":"application/x-old","crc64":"0","etag":"X","inode":1,"isFolder":false,"lastModified":1,"modifiedNanoseconds":1,"size":10,"storedHeaders":{"Cache-Control":"max-age=60"},"userMetadata":{"x-oss-meta-origin":"legacy"}}"#,
                           to: root + "/.oss/meta/examplebucket/docs/a.bin.json")
            try FileManager.default.createDirectory(atPath: root + "/examplebucket/folder", withIntermediateDirectories: true)
            try self.write(#"{"contentType":"application/x-directory","isFolder":true}"#, to: root + "/.oss/meta/examplebucket/folder.folder.json")
        }
        #expect(try await service.listKeys() == ["docs/a.bin", "folder/"])
        let get = try await service.get("docs/a.bin")
        #expect(get.text == "old object")
        #expect(get.header("Content-Type") == "application/x-old")
        #expect(get.header("x-oss-meta-origin") == "legacy")
        #expect(get.header("Cache-Control") == "max-age=60")
        #expect(try await service.get("folder/").body.isEmpty)
    }

    @Test("a bucket whose folder still holds placed files is not deleted, and nothing is removed")
    func deleteBucket() async throws {
        let service = try InProcessService()
        try write("keep me", to: service.root + "/examplebucket/keep.txt")
        #expect(try await service.send("DELETE", "examplebucket").status == 409)
        #expect(try await service.send("DELETE", "examplebucket", "keep.txt").status == 204)
        let refused = try await service.send("DELETE", "examplebucket")
        #expect(refused.status == 409)
        #expect(refused.text.contains("placed"))
        #expect(try String(contentsOfFile: service.root + "/examplebucket/keep.txt", encoding: .utf8) == "keep me")
        try service.createBucketFolder("emptybucket")
        #expect(try await service.put("x", [1], bucket: "emptybucket").status == 200)
        #expect(try await service.send("DELETE", "emptybucket").status == 409)
        #expect(try await service.send("DELETE", "emptybucket", "x").status == 204)
        #expect(try await service.send("DELETE", "emptybucket").status == 204)
        #expect(!FileManager.default.fileExists(atPath: service.root + "/emptybucket"))
        #expect(!FileManager.default.fileExists(atPath: service.root + "/.oss/buckets/emptybucket"))
        #expect(try await service.send("GET", "emptybucket", query: "list-type=2").status == 404)
    }
}
