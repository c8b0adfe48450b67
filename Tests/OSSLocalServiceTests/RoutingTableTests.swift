import Foundation
import OSS
import OSSCrypto
import OSSHTTP
import Testing

@testable import OSSLocalService

/// Nothing is misrouted: a request for a sub-resource this server does not implement answers
/// 501 NotImplemented and changes no stored byte and no listing.
@Suite("Routing by sub-resource")
struct RoutingTableTests {
    /// The sub-resources issue 12 names; the table must hold every one of them.
    static let named = ["acl", "tagging", "symlink", "uploads", "uploadId", "partNumber", "append", "position", "restore", "versions",
                        "versionId", "comp", "objectMeta", "x-oss-process", "x-oss-async-process", "cors", "lifecycle", "logging",
                        "website", "referer", "policy", "style", "bucketInfo", "location", "stat", "versioning"]
    static let methods = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"]

    /// Every file under the root with a digest of its bytes, every bucket, and every listing.
    struct Snapshot: Equatable {
        var files: [String: String]
        var buckets: String
        var listing: String
    }

    func snapshot(_ service: InProcessService) async throws -> Snapshot {
        var files: [String: String] = [:]
        for path in InProcessService.tree(service.root) {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: service.root + "/" + path, isDirectory: &isFolder)
            files[path] = isFolder.boolValue ? "folder" : Crypto.sha256([UInt8](try Data(contentsOf: URL(fileURLWithPath: service.root + "/" + path)))).hexString
        }
        let buckets = try await service.send("GET").text
        let listing = try await service.send("GET", "examplebucket", query: "list-type=2").text
        return Snapshot(files: files, buckets: buckets, listing: listing)
    }

    @Test("the table holds every sub-resource the issue names")
    func tableIsComplete() {
        for name in Self.named { #expect(SubResources.all.contains(name), "\(name)") }
        print("routing table: \(SubResources.all.count) sub-resources (object \(SubResources.object.count), bucket \(SubResources.bucket.count), service \(SubResources.service.count))")
    }

    @Test("every sub-resource, with every method, at every level: 501 NotImplemented in OSS's XML, and nothing changes")
    func walkTheTable() async throws {
        let service = try InProcessService()
        #expect(try await service.put("a.txt", Array("object a".utf8), headers: [("Content-Type", "text/plain"), ("x-oss-meta-k", "v")]).status == 200)
        #expect(try await service.put("dir/b.bin", testBytes(5000)).status == 200)
        let before = try await snapshot(service)
        let targets: [(bucket: String?, key: String?)] = [(nil, nil), ("examplebucket", nil), ("nosuchbucket", nil),
                                                          ("examplebucket", "a.txt"), ("examplebucket", "dir/b.bin"), ("examplebucket", "missing.txt")]
        let body = Array("<?xml version=\"1.0\"?><Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>".utf8)
        var requests = 0
        var skipped = 0
        for name in SubResources.all.sorted() {
            for method in Self.methods {
                for target in targets {
                    // What this server implements is no 501: the implemented table names it, and
                    // its own tests cover it. Everything else must answer 501 and change nothing.
                    let level: SubResources.Level = target.bucket == nil ? .service : target.key == nil ? .bucket : .object
                    if SubResources.implemented(method: method, level: level, selectors: [name]) != nil { skipped += 1; continue }
                    let reply = try await service.send(method, target.bucket, target.key, query: name == "uploadId" ? "uploadId=0004B9894A22E5B1888A1E29F823****" : name,
                                                       headers: [("Content-Type", "application/xml"), ("x-oss-symlink-target", "a.txt"),
                                                                 ("x-oss-object-acl", "public-read"), ("x-oss-tagging", "k=v")],
                                                       body: ["PUT", "POST"].contains(method) ? body : [])
                    requests += 1
                    let label = "\(method) /\(target.bucket ?? "")/\(target.key ?? "")?\(name)"
                    #expect(reply.status == 501, "\(label): \(reply.status) \(reply.text)")
                    if method == "HEAD" {
                        #expect(reply.body.isEmpty)
                        #expect(reply.header("x-oss-err") != nil, "\(label)")
                    } else {
                        #expect(reply.text.contains("<Code>NotImplemented</Code>"), "\(label): \(reply.text)")
                        #expect(reply.text.contains("<RequestId>") && reply.text.contains("<EC>"), "\(label)")
                    }
                    #expect(reply.header("x-oss-request-id") != nil)
                }
            }
            // Checked after each sub-resource, so a failure names it.
            let now = try await snapshot(service)
            #expect(now == before, "after ?\(name)")
        }
        #expect(try await service.get("a.txt").text == "object a")
        #expect(try await service.get("dir/b.bin").body == testBytes(5000))
        #expect(try await service.get("missing.txt").status == 404)
        #expect(try await service.send("GET", "nosuchbucket", query: "list-type=2").status == 404)
        #expect(requests > 3000)
        print("routing table walk: \(requests) requests, all 501, nothing changed (\(skipped) implemented combinations left to their own tests)")
    }

    @Test("writes with a parameter this server does not know are refused, reads ignore it")
    func unknownParameters() async throws {
        let service = try InProcessService()
        #expect(try await service.put("a.txt", Array("object a".utf8)).status == 200)
        let before = try await snapshot(service)
        for method in ["PUT", "POST", "DELETE"] {
            let reply = try await service.send(method, "examplebucket", "a.txt", query: "someFutureThing", body: method == "DELETE" ? [] : [1, 2])
            // POST on an object with no sub-resource is no operation at all: 405.
            #expect(reply.status == (method == "POST" ? 405 : 501), "\(method): \(reply.text)")
        }
        #expect(try await service.send("PUT", "newbucket", query: "someFutureThing").status == 501)
        #expect(try await snapshot(service) == before)
        #expect(try await service.send("GET", "examplebucket", "a.txt", query: "cache-buster=12345").text == "object a")
    }

    @Test("the five cases that lost data, signed, over a real socket: each is now its own operation, and the data stays", arguments: [SignatureVersion.v4, .v1])
    func formerDataLoss(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client(signatureVersion: version)
        let bucket = client.bucket("examplebucket")
        let original = testBytes(3000)
        try await bucket.putObject("precious.bin", data: original)
        try await bucket.putObject("other.bin", data: Array("the target".utf8))
        let credentials = Credentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret)
        // (method, sub-resource, body, key, what the reply must contain)
        let cases: [(String, String, [UInt8], String, String)] = [
            ("PUT", "acl", [], "precious.bin", ""),
            ("GET", "acl", [], "precious.bin", "<Grant>public-read</Grant>"),
            ("PUT", "tagging", Array("<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>".utf8), "precious.bin", ""),
            ("GET", "tagging", [], "precious.bin", "<Key>k</Key>"),
            ("DELETE", "tagging", [], "precious.bin", ""),
            ("PUT", "symlink", [], "link.bin", ""),
        ]
        for (method, subResource, body, key, expected) in cases {
            let request = SignableRequest(method: method, bucket: "examplebucket", key: key, query: [QueryItem(subResource)],
                                          headers: [HTTPHeaderField("x-oss-symlink-target", "other.bin"), HTTPHeaderField("x-oss-object-acl", "public-read")])
            let prepared = try client.configuration.prepare(request, credentials: credentials)
            let response = try await OSSClient.defaultTransport.send(TransportRequest(method: method, url: prepared.url,
                                                                                 headers: prepared.headers,
                                                                                 body: body.isEmpty ? .none : .bytes(body)))
            let text = String(decoding: try await response.body.collect(upTo: 1 << 20), as: UTF8.self)
            #expect([200, 204].contains(response.status), "\(method) ?\(subResource): \(text)")
            #expect(expected.isEmpty || text.contains(expected), "\(method) ?\(subResource): \(text)")
            #expect(!text.contains(String(decoding: original.prefix(16), as: UTF8.self)))
            #expect(try await bucket.getObjectData("precious.bin").data == original, "after \(method) ?\(subResource)")
        }
        #expect(try await bucket.listObjectsV2().objects.map(\.key) == ["link.bin", "other.bin", "precious.bin"])
        // The symlink reads its target; the object with the changed ACL and tags kept its bytes.
        #expect(try await bucket.getObjectData("link.bin").data == Array("the target".utf8))
    }
}
