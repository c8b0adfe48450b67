import Foundation
import Testing

/// PutSymlink, GetSymlink and reading through a symlink.
@Suite("Symlinks")
struct SymlinkServiceTests {
    @Test("a symlink reads its target's bytes, GetSymlink names the target, a missing target is SymlinkTargetNotExist")
    func symlink() async throws {
        let service = try InProcessService()
        let data = testBytes(5000)
        #expect(try await service.put("dir/target.bin", data, headers: [("Content-Type", "image/png")]).status == 200)
        let put = try await service.send("PUT", "examplebucket", "link", query: "symlink",
                                         headers: [("x-oss-symlink-target", "dir%2Ftarget.bin"), ("x-oss-meta-who", "link")])
        #expect(put.status == 200, "\(put.text)")
        let through = try await service.get("link")
        #expect(through.body == data)
        #expect(through.header("Content-Type") == "image/png")
        #expect(through.header("x-oss-object-type") == "Symlink")
        let info = try await service.send("GET", "examplebucket", "link", query: "symlink")
        #expect(info.header("x-oss-symlink-target") == "dir/target.bin")
        #expect(info.header("x-oss-meta-who") == "link")
        let notLink = try await service.send("GET", "examplebucket", "dir/target.bin", query: "symlink")
        #expect(notLink.status == 400 && notLink.text.contains("NotSymlink"))

        #expect(try await service.send("DELETE", "examplebucket", "dir/target.bin").status == 204)
        let dangling = try await service.get("link")
        #expect(dangling.status == 404 && dangling.text.contains("SymlinkTargetNotExist"), "\(dangling.text)")
        // Deleting the link deletes the link only.
        #expect(try await service.put("dir/target.bin", data).status == 200)
        #expect(try await service.send("DELETE", "examplebucket", "link").status == 204)
        #expect(try await service.get("dir/target.bin").body == data)
    }

    @Test("a symlink to a symlink is not followed; PutSymlink needs a target; forbid-overwrite keeps an object")
    func refusals() async throws {
        let service = try InProcessService()
        #expect(try await service.put("obj", [1]).status == 200)
        #expect(try await service.send("PUT", "examplebucket", "l1", query: "symlink", headers: [("x-oss-symlink-target", "obj")]).status == 200)
        #expect(try await service.send("PUT", "examplebucket", "l2", query: "symlink", headers: [("x-oss-symlink-target", "l1")]).status == 200)
        #expect(try await service.get("l2").status == 404)
        #expect(try await service.send("PUT", "examplebucket", "l3", query: "symlink").status == 400)
        let forbidden = try await service.send("PUT", "examplebucket", "obj", query: "symlink",
                                               headers: [("x-oss-symlink-target", "l1"), ("x-oss-forbid-overwrite", "true")])
        #expect(forbidden.status == 409)
        #expect(try await service.get("obj").body == [1])
    }
}
