import Foundation
import OSSImage
import OSSLocalService
import OSSOffline
import Testing

/// Nothing is written (or read, listed or deleted) outside `--root`, and nothing into the
/// server's own state: names from input are validated like PutBucket and PutObject names, and
/// files are opened beneath the root without following symbolic links out of it.
@Suite("The local OSS stays inside its root")
struct ContainmentTests {
    static let image = try! SyntheticPhoto.jpeg(width: 64, height: 48, seed: 3)

    func saveAs(_ service: InProcessService, bucket: String?, key: String) async throws -> InProcessService.Reply {
        var target = "image/resize,w_16|sys/saveas,o_\(base64URL(key))"
        if let bucket { target += ",b_\(base64URL(bucket))" }
        return try await service.send("POST", "examplebucket", "source.jpg", query: "x-oss-process",
                                      body: Array(("x-oss-process=" + target).utf8))
    }

    @Test("sys/saveas b_ is validated like a bucket name: '..', '.oss', '.' and bad names write nothing")
    func saveAsBucket() async throws {
        let service = try InProcessService(processor: ImageObjectProcessor())
        #expect(try await service.put("source.jpg", Self.image).status == 200)
        // A file beside the root that the attack overwrote.
        let beside = (service.root as NSString).deletingLastPathComponent + "/escaped.jpg"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: beside))
        let before = InProcessService.tree(service.root)
        for bucket in ["..", ".oss", ".", "../outside", "Examplebucket", "ab", "a_b", ""] {
            let reply = try await saveAs(service, bucket: bucket, key: "escaped.jpg")
            #expect(reply.status == 400, "b_=\(bucket): \(reply.text)")
            #expect(reply.text.contains("<Code>InvalidBucketName</Code>"), "b_=\(bucket): \(reply.text)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: beside)) == Data("precious".utf8))
        #expect(InProcessService.tree(service.outside).isEmpty)
        #expect(InProcessService.tree(service.root) == before)
        // A good save-as still works, into the bucket named.
        #expect(try await saveAs(service, bucket: "examplebucket", key: "saved.jpg").status == 200)
        #expect(try await service.get("saved.jpg").status == 200)
    }

    @Test("sys/saveas o_ is validated like a PutObject key")
    func saveAsKey() async throws {
        let service = try InProcessService(processor: ImageObjectProcessor())
        #expect(try await service.put("source.jpg", Self.image).status == 200)
        for key in ["", "/abs.jpg", "\\back.jpg", String(repeating: "k", count: 1024)] {
            let reply = try await saveAs(service, bucket: nil, key: key)
            #expect(reply.status == 400, "o_=\(key.prefix(20)): \(reply.text)")
        }
        #expect(try await service.listKeys() == ["source.jpg"])
    }

    @Test("a symbolic link to a file outside the root is not read, listed, overwritten or deleted through")
    func fileSymlink() async throws {
        let service = try InProcessService()
        let secret = service.outside + "/secret.txt"
        try Data("outside secret".utf8).write(to: URL(fileURLWithPath: secret))
        try FileManager.default.createSymbolicLink(atPath: service.root + "/examplebucket/link.txt", withDestinationPath: secret)

        let get = try await service.get("link.txt")
        #expect(get.status == 404, "\(get.text)")
        #expect(!get.text.contains("outside secret"))
        #expect(try await service.send("HEAD", "examplebucket", "link.txt").status == 404)
        #expect(try await service.listKeys().isEmpty)
        // Writing and deleting the key work on the store, never on the link's target.
        #expect(try await service.put("link.txt", Array("new".utf8)).status == 200)
        #expect(try await service.get("link.txt").body == Array("new".utf8))
        #expect(try await service.send("DELETE", "examplebucket", "link.txt").status == 204)
        #expect(try Data(contentsOf: URL(fileURLWithPath: secret)) == Data("outside secret".utf8))
        #expect(InProcessService.tree(service.outside) == ["secret.txt"])
    }

    @Test("a symbolic link to a folder outside the root is not read, listed, written or deleted through")
    func folderSymlink() async throws {
        let service = try InProcessService()
        try Data("outside secret".utf8).write(to: URL(fileURLWithPath: service.outside + "/secret.txt"))
        try FileManager.default.createSymbolicLink(atPath: service.root + "/examplebucket/dir", withDestinationPath: service.outside)

        #expect(try await service.get("dir/secret.txt").status == 404)
        #expect(try await service.listKeys().isEmpty)
        // Keys are not paths: a key under the link's name is an ordinary object in the store.
        #expect(try await service.put("dir/new.txt", Array("new".utf8)).status == 200)
        #expect(try await service.get("dir/new.txt").body == Array("new".utf8))
        #expect(try await service.listKeys() == ["dir/new.txt"])
        #expect(try await service.send("DELETE", "examplebucket", "dir/secret.txt").status == 204)
        #expect(try await service.send("DELETE", "examplebucket", "dir/new.txt").status == 204)
        #expect(InProcessService.tree(service.outside) == ["secret.txt"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: service.outside + "/secret.txt")) == Data("outside secret".utf8))
    }

    @Test("a bucket folder that is a symbolic link out of the root is not a bucket")
    func bucketSymlink() async throws {
        let service = try InProcessService(processor: ImageObjectProcessor())
        try Data("outside secret".utf8).write(to: URL(fileURLWithPath: service.outside + "/secret.txt"))
        try FileManager.default.createSymbolicLink(atPath: service.root + "/linkedbucket", withDestinationPath: service.outside)
        #expect(try await service.get("secret.txt", bucket: "linkedbucket").status == 404)
        #expect(try await service.put("new.txt", [1, 2, 3], bucket: "linkedbucket").status == 404)
        #expect(try await service.send("GET", "linkedbucket", query: "list-type=2").status == 404)
        #expect(try await service.put("source.jpg", Self.image).status == 200)
        #expect(try await saveAs(service, bucket: "linkedbucket", key: "saved.jpg").status == 404)
        #expect(!(try await service.send("GET").text.contains("linkedbucket")))
        #expect(InProcessService.tree(service.outside) == ["secret.txt"])
    }

    @Test("storage failures name the key, never a host path")
    func errorsNameKeys() async throws {
        let service = try InProcessService()
        // The temporary folder replaced by a file: every upload fails in storage.
        let temporary = service.root + "/.oss/tmp"
        try FileManager.default.removeItem(atPath: temporary)
        try Data().write(to: URL(fileURLWithPath: temporary))
        let reply = try await service.put("some/key.bin", [1, 2, 3])
        #expect(reply.status >= 500, "\(reply.text)")
        #expect(!reply.text.contains(service.root), "\(reply.text)")
        #expect(!reply.text.contains("/tmp/"), "\(reply.text)")
        #expect(!reply.text.contains(".oss"), "\(reply.text)")
        #expect(reply.text.contains("some/key.bin"), "\(reply.text)")
    }
}
