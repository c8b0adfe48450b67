import Foundation
import OSS
import OSSHTTP
import OSSSigner
import Testing

/// Object and bucket ACLs over loopback, with anonymous access enforced by them: a public-read
/// object or bucket answers an unsigned GET, a private one refuses it.
@Suite("ACLs and anonymous access")
struct ACLServiceTests {
    /// Sends a request signed with the fixture's key, with a sub-resource and headers of its own.
    static func signed(_ fixture: LocalOSSFixture, _ method: String, bucket: String, key: String? = nil, subResource: String,
                       headers: [HTTPHeaderField] = []) async throws -> (status: Int, text: String) {
        let client = fixture.client()
        let credentials = Credentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret)
        let request = SignableRequest(method: method, bucket: bucket, key: key, query: [QueryItem(subResource)], headers: headers)
        let prepared = try client.configuration.prepare(request, credentials: credentials)
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: method, url: prepared.url,
                                                                             headers: prepared.headers))
        return (response.status, String(decoding: try await response.body.collect(upTo: 1 << 20), as: UTF8.self))
    }

    static func anonymousGET(_ fixture: LocalOSSFixture, _ path: String) async throws -> Int {
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: "GET", url: fixture.endpoint + path, headers: []))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status
    }

    @Test("an object's ACL decides an unsigned GET; default inherits the bucket's; GetObjectAcl reports it")
    func objectACL() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("open.txt", data: Array("open".utf8))
        try await bucket.putObject("closed.txt", data: Array("closed".utf8))
        #expect(try await Self.anonymousGET(fixture, "/examplebucket/open.txt") == 403)

        let put = try await Self.signed(fixture, "PUT", bucket: "examplebucket", key: "open.txt", subResource: "acl",
                                        headers: [HTTPHeaderField("x-oss-object-acl", "public-read")])
        #expect(put.status == 200, "\(put.text)")
        #expect(try await Self.signed(fixture, "GET", bucket: "examplebucket", key: "open.txt", subResource: "acl").text.contains("<Grant>public-read</Grant>"))
        #expect(try await Self.signed(fixture, "GET", bucket: "examplebucket", key: "closed.txt", subResource: "acl").text.contains("<Grant>default</Grant>"))
        #expect(try await Self.anonymousGET(fixture, "/examplebucket/open.txt") == 200)
        #expect(try await Self.anonymousGET(fixture, "/examplebucket/closed.txt") == 403)
        #expect(try await bucket.getObjectData("open.txt").data == Array("open".utf8))

        // A public-read object may be read, not written, without signing.
        let write = try await OSSClient.defaultTransport.send(TransportRequest(method: "PUT", url: fixture.endpoint + "/examplebucket/open.txt",
                                                                          headers: [], body: .bytes([1])))
        _ = try await write.body.collect(upTo: 1 << 16)
        #expect(write.status == 403)
        #expect(try await bucket.getObjectData("open.txt").data == Array("open".utf8))

        let bad = try await Self.signed(fixture, "PUT", bucket: "examplebucket", key: "open.txt", subResource: "acl",
                                        headers: [HTTPHeaderField("x-oss-object-acl", "everyone")])
        #expect(bad.status == 400, "\(bad.text)")
    }

    @Test("a bucket's ACL decides for objects with the default ACL; a private object in a public bucket stays private")
    func bucketACL() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("a.txt", data: [1])
        try await bucket.putObject("secret.txt", data: [2])
        _ = try await Self.signed(fixture, "PUT", bucket: "examplebucket", key: "secret.txt", subResource: "acl",
                                  headers: [HTTPHeaderField("x-oss-object-acl", "private")])
        #expect(try await Self.signed(fixture, "GET", bucket: "examplebucket", subResource: "acl").text.contains("<Grant>private</Grant>"))
        let put = try await Self.signed(fixture, "PUT", bucket: "examplebucket", subResource: "acl", headers: [HTTPHeaderField("x-oss-acl", "public-read")])
        #expect(put.status == 200, "\(put.text)")
        #expect(try await Self.signed(fixture, "GET", bucket: "examplebucket", subResource: "acl").text.contains("<Grant>public-read</Grant>"))
        #expect(try await Self.anonymousGET(fixture, "/examplebucket/a.txt") == 200)
        #expect(try await Self.anonymousGET(fixture, "/examplebucket/secret.txt") == 403)
        #expect(try await Self.anonymousGET(fixture, "/examplebucket/?list-type=2") == 200)
        // Sub-resources other than reads of objects and listings stay closed to the anonymous.
        #expect(try await Self.anonymousGET(fixture, "/examplebucket/?acl") == 403)
        _ = try await Self.signed(fixture, "PUT", bucket: "examplebucket", subResource: "acl", headers: [HTTPHeaderField("x-oss-acl", "private")])
        #expect(try await Self.anonymousGET(fixture, "/examplebucket/a.txt") == 403)
    }
}
