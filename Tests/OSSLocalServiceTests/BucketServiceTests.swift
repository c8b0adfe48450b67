import Foundation
import Testing

/// ListBuckets, PutBucket with its configuration, GetBucketInfo, GetBucketLocation,
/// GetBucketStat, bucket tags and ListObjects (v1) against the service.
@Suite("Bucket operations")
struct BucketServiceTests {
    static func tag(_ service: InProcessService, _ bucket: String, _ tags: [(String, String)]) async throws {
        let body = "<Tagging><TagSet>" + tags.map { "<Tag><Key>\($0.0)</Key><Value>\($0.1)</Value></Tag>" }.joined() + "</TagSet></Tagging>"
        let reply = try await service.send("PUT", bucket, query: "tagging", body: Array(body.utf8))
        #expect(reply.status == 200, "\(reply.text)")
    }

    @Test("A root removed and made again while a service of the old one lives gets a store of its own (the shared store named the removed folder: every write answered 500)")
    func rootMadeAgain() async throws {
        let first = try InProcessService(buckets: ["before"])
        try FileManager.default.removeItem(atPath: first.root)
        try FileManager.default.createDirectory(atPath: first.root, withIntermediateDirectories: true)
        let second = try InProcessService(existingRoot: first.root, buckets: [])
        let created = try await second.send("PUT", "after")
        #expect(created.status == 200, "\(created.text)")
        #expect(FileManager.default.fileExists(atPath: first.root + "/after"))
        #expect(InProcessService.elements("Name", in: try await second.send("GET").text) == ["after"])
        withExtendedLifetime(first) {}
    }

    @Test("ListBuckets: prefix, marker, max-keys with NextMarker, CreationDate and the endpoint fields")
    func listBuckets() async throws {
        let service = try InProcessService(buckets: ["alpha-1", "alpha-2", "alpha-3", "beta"])
        let all = try await service.send("GET")
        #expect(InProcessService.elements("Name", in: all.text) == ["alpha-1", "alpha-2", "alpha-3", "beta"])
        #expect(InProcessService.elements("CreationDate", in: all.text).allSatisfy { $0.hasSuffix(".000Z") && $0.count == 24 })
        #expect(InProcessService.elements("ExtranetEndpoint", in: all.text).count == 4)
        #expect(InProcessService.elements("Region", in: all.text).allSatisfy { $0 == "cn-hangzhou" })
        let page = try await service.send("GET", query: "prefix=alpha&max-keys=2")
        #expect(InProcessService.elements("Name", in: page.text) == ["alpha-1", "alpha-2"])
        #expect(InProcessService.elements("IsTruncated", in: page.text) == ["true"])
        #expect(InProcessService.elements("NextMarker", in: page.text) == ["alpha-2"])
        let next = try await service.send("GET", query: "prefix=alpha&marker=alpha-2")
        #expect(InProcessService.elements("Name", in: next.text) == ["alpha-3"])
        #expect(try await service.send("GET", query: "max-keys=0").status == 400)
        service.service.setEndpoint("http://127.0.0.1:1234")
        let told = try await service.send("GET")
        #expect(InProcessService.elements("IntranetEndpoint", in: told.text).allSatisfy { $0 == "http://127.0.0.1:1234" })
    }

    @Test("ListBuckets filters by tag-key, tag-value and tagging (the suites' GET /?tagging was 501 before)")
    func listBucketsByTags() async throws {
        let service = try InProcessService(buckets: ["b-1", "b-2", "b-3"])
        try await Self.tag(service, "b-1", [("env", "test"), ("team", "dev")])
        try await Self.tag(service, "b-2", [("env", "test")])
        try await Self.tag(service, "b-3", [("env", "prod")])
        #expect(InProcessService.elements("Name", in: try await service.send("GET", query: "tag-key=env").text) == ["b-1", "b-2", "b-3"])
        #expect(InProcessService.elements("Name", in: try await service.send("GET", query: "tag-key=env&tag-value=test").text) == ["b-1", "b-2"])
        let tagging = try await service.send("GET", query: "tagging=" + "\"env\":\"test\",\"team\":\"dev\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        #expect(tagging.status == 200, "\(tagging.text)")
        #expect(InProcessService.elements("Name", in: tagging.text) == ["b-1"])
        let tags = try await service.send("GET", "b-1", query: "tagging")
        #expect(InProcessService.elements("Key", in: tags.text) == ["env", "team"])
        #expect(try await service.send("DELETE", "b-1", query: "tagging").status == 204)
        #expect(InProcessService.elements("Key", in: try await service.send("GET", "b-1", query: "tagging").text).isEmpty)
    }

    @Test("PutBucket takes a storage class and an ACL; GetBucketInfo, GetBucketLocation and GetBucketStat report them and the contents")
    func bucketInfo() async throws {
        let service = try InProcessService(buckets: [])
        let body = Array("<CreateBucketConfiguration><StorageClass>IA</StorageClass></CreateBucketConfiguration>".utf8)
        #expect(try await service.send("PUT", "infobucket", headers: [("x-oss-acl", "public-read")], body: body).status == 200)
        let info = try await service.send("GET", "infobucket", query: "bucketInfo")
        #expect(info.status == 200, "\(info.text)")
        #expect(InProcessService.elements("StorageClass", in: info.text) == ["IA"])
        #expect(InProcessService.elements("Grant", in: info.text) == ["public-read"])
        #expect(InProcessService.elements("Name", in: info.text).first == "infobucket")
        let location = try await service.send("GET", "infobucket", query: "location")
        #expect(InProcessService.elements("LocationConstraint", in: location.text) == ["oss-cn-hangzhou"])
        #expect(try await service.put("a", testBytes(1000), bucket: "infobucket").status == 200)
        #expect(try await service.put("b", testBytes(24), bucket: "infobucket").status == 200)
        let stat = try await service.send("GET", "infobucket", query: "stat")
        #expect(InProcessService.elements("Storage", in: stat.text) == ["1024"])
        #expect(InProcessService.elements("ObjectCount", in: stat.text) == ["2"])
        let refused = try await service.send("PUT", "otherbucket", body: Array("<CreateBucketConfiguration><StorageClass>Hot</StorageClass></CreateBucketConfiguration>".utf8))
        #expect(refused.status == 400, "\(refused.text)")
        #expect(try await service.send("GET", "otherbucket", query: "bucketInfo").status == 404)
    }

    @Test("ListObjects v1: prefix, delimiter, marker, max-keys, NextMarker and CommonPrefixes")
    func listObjectsV1() async throws {
        let service = try InProcessService()
        for key in ["a/1", "a/2", "b", "c/x/y", "d"] { #expect(try await service.put(key, [1]).status == 200) }
        let grouped = try await service.send("GET", "examplebucket", query: "delimiter=/")
        #expect(InProcessService.elements("Key", in: grouped.text) == ["b", "d"])
        #expect(InProcessService.elements("Prefix", in: grouped.text).contains("a/") && InProcessService.elements("Prefix", in: grouped.text).contains("c/"))
        let page = try await service.send("GET", "examplebucket", query: "max-keys=2")
        #expect(InProcessService.elements("Key", in: page.text) == ["a/1", "a/2"])
        #expect(InProcessService.elements("NextMarker", in: page.text) == ["a/2"])
        let next = try await service.send("GET", "examplebucket", query: "marker=a/2&prefix=")
        #expect(InProcessService.elements("Key", in: next.text) == ["b", "c/x/y", "d"])
        #expect(InProcessService.elements("IsTruncated", in: next.text) == ["false"])
    }

    @Test("DeleteBucket refuses a bucket with objects or uploads (409 BucketNotEmpty) and deletes an empty one")
    func deleteBucket() async throws {
        let service = try InProcessService(buckets: ["full", "uploading", "empty"])
        #expect(try await service.put("x", [1], bucket: "full").status == 200)
        #expect(try await service.send("POST", "uploading", "k", query: "uploads").status == 200)
        for bucket in ["full", "uploading"] {
            let reply = try await service.send("DELETE", bucket)
            #expect(reply.status == 409 && reply.text.contains("BucketNotEmpty"), "\(bucket): \(reply.text)")
        }
        #expect(try await service.send("DELETE", "empty").status == 204)
        #expect(InProcessService.elements("Name", in: try await service.send("GET").text) == ["full", "uploading"])
    }
}
