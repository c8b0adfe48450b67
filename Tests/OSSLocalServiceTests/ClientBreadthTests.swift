import Foundation
import OSS
import OSSCrypto
import OSSHTTP
import OSSLocalService
import Testing

/// The client's general `send`, and the object calls built on it, against the local OSS over
/// loopback, under both signature versions.
@Suite("Client: send and object calls over loopback")
struct ClientBreadthTests {
    @Test("send: an operation the SDK does not wrap (Put/GetBucketAcl), signed, parsed, errors typed", arguments: [SignatureVersion.v4, .v1])
    func sendUnwrapped(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client(signatureVersion: version)
        let put = try await client.send(OSSRequest(operationName: "PutBucketAcl", method: "PUT", bucket: "examplebucket",
                                                   query: [QueryItem("acl")], headers: [HTTPHeaderField("x-oss-acl", "public-read")]))
        #expect(put.status == 200)
        #expect(put.requestId?.isEmpty == false)
        let get = try await client.send(OSSRequest(operationName: "GetBucketAcl", method: "GET", bucket: "examplebucket", query: [QueryItem("acl")]))
        let text = String(decoding: get.body, as: UTF8.self)
        #expect(text.contains("<Grant>public-read</Grant>"), "\(text)")
        // The bucket ACL now lets an anonymous client read an object.
        try await client.bucket("examplebucket").putObject("open.txt", data: Array("open".utf8))
        let anonymous = fixture.client(credentials: AnonymousCredentialsProvider())
        #expect(try await anonymous.bucket("examplebucket").getObjectData("open.txt").data == Array("open".utf8))

        do {
            _ = try await client.send(OSSRequest(operationName: "GetBucketAcl", method: "GET", bucket: "no-such-bucket", query: [QueryItem("acl")]))
            Issue.record("expected NoSuchBucket")
        } catch {
            #expect(error.code == .noSuchBucket)
            #expect(error.serverError?.status == 404)
            #expect(error.serverError?.requestId != nil)
        }
    }

    @Test("send retries a 503 per the RetryPolicy, streams a body to a handler, and refuses bad requests before sending")
    func sendRetriesAndStreams() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client()
        let body = testBytes(300_000)
        try await client.bucket("examplebucket").putObject("s.bin", data: body)
        fixture.service.faults.add(FaultRule(.status, method: "GET", key: "s.bin", times: 2, status: 503))
        let streamed = try await client.send(OSSRequest(operationName: "GetObject", method: "GET", bucket: "examplebucket", key: "s.bin")) { response throws(OSSError) in
            var crc = CRC64()
            var count = 0
            do {
                for try await chunk in response.body {
                    crc.update(chunk)
                    count += chunk.count
                }
            } catch {
                throw .transport(TransportError(.other, "\(error)"))
            }
            return (count, crc.value, response.header("x-oss-hash-crc64ecma"))
        }
        #expect(fixture.service.faults.appliedCounts == [2])
        #expect(streamed.0 == body.count)
        #expect(streamed.1 == CRC64.checksum(body))
        #expect(streamed.2 == String(CRC64.checksum(body)))
        // One attempt only: the 503 comes through as the server's error.
        fixture.service.faults.add(FaultRule(.status, method: "GET", key: "s.bin", status: 503))
        await #expect(throws: OSSError.self) {
            try await client.send(OSSRequest(operationName: "GetObject", method: "GET", bucket: "examplebucket", key: "s.bin"),
                                  options: RequestOptions(maxAttempts: 1))
        }
        // A body over the caller's limit is refused, not held.
        do {
            _ = try await client.send(OSSRequest(operationName: "GetObject", method: "GET", bucket: "examplebucket", key: "s.bin"), maximumBodyBytes: 1000)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.kind == .responseParse)
        }
        for bad in [OSSRequest(operationName: "X", method: "GET", key: "k"),
                    OSSRequest(operationName: "X", method: "get", bucket: "examplebucket"),
                    OSSRequest(operationName: "X", method: "GET", bucket: "Bad_Bucket"),
                    OSSRequest(operationName: "X", method: "GET", bucket: "examplebucket", headers: [HTTPHeaderField("x-oss-meta-a", "b\r\nInjected: 1")])] {
            do {
                _ = try await client.send(bad)
                Issue.record("expected invalidArgument for \(bad)")
            } catch {
                #expect(error.kind == .invalidArgument)
            }
        }
    }

    @Test("CopyObject: within and across buckets, COPY keeps metadata, REPLACE changes it, If-Match guards the source", arguments: [SignatureVersion.v4, .v1])
    func copyObject(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client(signatureVersion: version)
        let bucket = client.bucket("examplebucket")
        let body = testBytes(50_000)
        let put = try await bucket.putObject("src/原 file.bin", data: body, options: PutObjectOptions(contentType: "application/x-test", metadata: ["origin": "a"]))
        let copied = try await bucket.copyObject(from: "src/原 file.bin", to: "dst/copy.bin")
        #expect(copied.etag == put.etag)
        #expect(!copied.lastModified.isEmpty)
        let (info, data) = try await bucket.getObjectData("dst/copy.bin")
        #expect(data == body)
        #expect(info.metadata["origin"] == "a")
        #expect(info.contentType == "application/x-test")

        _ = try await client.bucket("public-bucket").copyObject(from: "src/原 file.bin", sourceBucket: "examplebucket", to: "other.bin",
                                                                 options: CopyObjectOptions(metadataDirective: .replace, contentType: "text/plain",
                                                                                            metadata: ["origin": "b"]))
        let other = try await client.bucket("public-bucket").headObject("other.bin")
        #expect(other.metadata == ["origin": "b"])
        #expect(other.contentType == "text/plain")
        #expect(other.crc64 == CRC64.checksum(body))

        do {
            try await bucket.copyObject(from: "src/原 file.bin", to: "dst/guarded.bin", options: CopyObjectOptions(ifMatch: "0123"))
            Issue.record("expected PreconditionFailed")
        } catch {
            #expect(error.code == .preconditionFailed)
        }
        #expect(try await bucket.exists("dst/guarded.bin") == false)
        await #expect(throws: OSSError.self) {
            try await bucket.copyObject(from: "src/原 file.bin", to: "x", options: CopyObjectOptions(metadata: ["a": "b"]))
        }
    }

    @Test("DeleteObjects: a batch with awkward keys, missing keys counted, quiet mode lists nothing", arguments: [SignatureVersion.v4, .v1])
    func deleteObjects(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client(signatureVersion: version).bucket("examplebucket")
        let keys = ClientServerTests.awkwardKeys + ["a<b>&c.txt"]
        for key in keys { try await bucket.putObject(key, data: Array(key.utf8)) }
        let result = try await bucket.deleteObjects(keys + ["missing.txt"])
        #expect(Set(result.deleted) == Set(keys + ["missing.txt"]))
        #expect(try await bucket.listObjectsV2().objects.isEmpty)

        try await bucket.putObject("q1", data: [1])
        try await bucket.putObject("q2", data: [2])
        let quiet = try await bucket.deleteObjects(["q1", "q2"], quiet: true)
        #expect(quiet.deleted.isEmpty)
        #expect(try await bucket.exists("q1") == false)
        #expect(try await bucket.exists("q2") == false)
        await #expect(throws: OSSError.self) { try await bucket.deleteObjects([]) }
        await #expect(throws: OSSError.self) { try await bucket.deleteObjects(Array(repeating: "k", count: 1001)) }
    }

    @Test("AppendObject: positions chain, the CRC-64 is combined and checked, a wrong position is refused", arguments: [SignatureVersion.v4, .v1])
    func appendObject(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client(signatureVersion: version).bucket("examplebucket")
        let first = testBytes(10_000, seed: 1), second = testBytes(7_777, seed: 2)
        let a = try await bucket.appendObject("log.txt", data: first, position: 0)
        #expect(a.nextPosition == 10_000)
        #expect(a.crc64 == CRC64.checksum(first))
        let b = try await bucket.appendObject("log.txt", data: second, position: a.nextPosition, previousCRC64: a.crc64)
        #expect(b.nextPosition == 17_777)
        #expect(b.crc64 == CRC64.checksum(first + second))
        #expect(try await bucket.getObjectData("log.txt").data == first + second)
        do {
            try await bucket.appendObject("log.txt", data: [1], position: 5, previousCRC64: b.crc64)
            Issue.record("expected PositionNotEqualToLength")
        } catch {
            #expect(error.code == "PositionNotEqualToLength")
        }
        // A CRC the server did not compute from our bytes is an integrity error.
        await #expect(throws: OSSError.self) {
            try await bucket.appendObject("log.txt", data: [9, 9], position: b.nextPosition, previousCRC64: 12345)
        }
        await #expect(throws: OSSError.self) { try await bucket.appendObject("log.txt", data: [1], position: -1) }
    }

    @Test("tagging, object ACL, symlinks, GetObjectMeta and exists", arguments: [SignatureVersion.v4, .v1])
    func tagsACLSymlinksMeta(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client(signatureVersion: version)
        let bucket = client.bucket("examplebucket")
        let body = testBytes(4096)
        try await bucket.putObject("t.bin", data: body)

        #expect(try await bucket.getObjectTagging("t.bin").isEmpty)
        try await bucket.putObjectTagging("t.bin", tags: ["project": "a&b <c>", "owner": "ünïcode"])
        #expect(try await bucket.getObjectTagging("t.bin") == ["project": "a&b <c>", "owner": "ünïcode"])
        try await bucket.deleteObjectTagging("t.bin")
        #expect(try await bucket.getObjectTagging("t.bin").isEmpty)
        await #expect(throws: OSSError.self) {
            try await bucket.putObjectTagging("t.bin", tags: Dictionary(uniqueKeysWithValues: (0..<11).map { ("k\($0)", "v") }))
        }

        #expect(try await bucket.getObjectACL("t.bin") == .default)
        let anonymous = fixture.client(credentials: AnonymousCredentialsProvider()).bucket("examplebucket")
        await #expect(throws: OSSError.self) { try await anonymous.getObjectData("t.bin") }
        try await bucket.putObjectACL("t.bin", .publicRead)
        #expect(try await bucket.getObjectACL("t.bin") == .publicRead)
        #expect(try await anonymous.getObjectData("t.bin").data == body)

        try await bucket.putSymlink("links/链接 1", target: "t.bin")
        #expect(try await bucket.getSymlink("links/链接 1") == "t.bin")
        #expect(try await bucket.getObjectData("links/链接 1").data == body)
        do {
            _ = try await bucket.getSymlink("t.bin")
            Issue.record("expected NotSymlink")
        } catch {
            #expect(error.code == "NotSymlink")
        }

        let meta = try await bucket.getObjectMeta("t.bin")
        #expect(meta.contentLength == 4096)
        #expect(meta.crc64 == CRC64.checksum(body))
        #expect(meta.etag?.isEmpty == false)
        #expect(try await bucket.exists("t.bin"))
        #expect(try await bucket.exists("nope.bin") == false)
        do {
            _ = try await client.bucket("no-such-bucket").exists("t.bin")
            Issue.record("a missing bucket must throw, not answer false")
        } catch {
            #expect(error.code == .noSuchBucket)
        }
    }
}
