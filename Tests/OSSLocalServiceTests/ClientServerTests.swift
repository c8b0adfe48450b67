import Foundation
import OSS
import OSSCrypto
import OSSHTTP
import OSSLocalService
import OSSLocking
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The client against the local OSS, over real loopback sockets, with both transports.
@Suite("Client and local OSS over loopback")
struct ClientServerTests {
    static let awkwardKeys = ["plain.txt", "with space.txt", "plus+sign.txt", "percent%20literal.txt", "tilde~name.txt",
                              "中文/图片 1.jpg", "nested/a/b/c/d.bin", "emoji 😀.png", "q?a=1&b=2#frag;x:y@z.txt"]

    @Test("put, get, head, list, delete round-trip awkward keys", arguments: TransportKind.allCases, [SignatureVersion.v4, .v1])
    func roundTrip(transport: TransportKind, version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client(signatureVersion: version, transport: transport.transport).bucket("examplebucket")
        for (index, key) in Self.awkwardKeys.enumerated() {
            let body = testBytes(1000 + index * 37, seed: UInt64(index))
            let put = try await bucket.putObject(key, data: body, options: PutObjectOptions(metadata: ["index": "\(index)"]))
            #expect(put.status == 200)
            #expect(put.crc64 == CRC64.checksum(body))
            let (info, data) = try await bucket.getObjectData(key)
            #expect(data == body, "\(key)")
            #expect(info.metadata["index"] == "\(index)")
            #expect(info.etag == put.etag)
            let head = try await bucket.headObject(key)
            #expect(head.contentLength == Int64(body.count))
        }
        // Keys are not paths: nothing appears under the bucket's folder, the store holds them.
        #expect(LocalOSSFixture.files(in: fixture.root + "/examplebucket").isEmpty)
        #expect(!LocalOSSFixture.files(in: fixture.root + "/.oss/buckets/examplebucket/objects").isEmpty)
        var listed: [String] = []
        for try await page in bucket.listObjectsV2Pages(maxKeys: 2) {
            #expect(page.objects.count <= 2)
            listed += page.objects.map(\.key)
        }
        #expect(listed == Self.awkwardKeys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let folders = try await bucket.listObjectsV2(delimiter: "/")
        #expect(folders.commonPrefixes == ["nested/", "中文/"])
        for key in Self.awkwardKeys {
            try await bucket.deleteObject(key)
        }
        #expect(try await bucket.listObjectsV2().objects.isEmpty)
        await #expect(throws: OSSError.self) { try await bucket.headObject("plain.txt") }
    }

    @Test("HEAD of a missing key gives NoSuchKey from x-oss-err, with the request id")
    func headMissing() async throws {
        let fixture = try await LocalOSSFixture()
        do {
            _ = try await fixture.client().bucket("examplebucket").headObject("missing.jpg")
            Issue.record("expected NoSuchKey")
        } catch let error {
            guard let server = error.serverError else { Issue.record("\(error)"); return }
            #expect(server.code == .noSuchKey)
            #expect(server.status == 404)
            #expect(server.ec == "0026-00000001")
            #expect(server.requestId?.count == 24)
        }
        await #expect(throws: OSSError.self) { try await fixture.client().bucket("no-such-bucket").getObjectData("a") }
    }

    @Test("a wrong secret gets SignatureDoesNotMatch, with both sides' strings to diff")
    func wrongSecret() async throws {
        let fixture = try await LocalOSSFixture()
        for version in SignatureVersion.allCases {
            let client = fixture.client(signatureVersion: version, credentials: StaticCredentialsProvider(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: "wrong"))
            do {
                _ = try await client.bucket("examplebucket").getObjectData("a.jpg", process: nil)
                Issue.record("expected an error")
            } catch {
                guard let server = error.serverError else { Issue.record("\(error)"); continue }
                #expect(server.code == .signatureDoesNotMatch)
                #expect(server.status == 403)
                // The key is wrong, not the request: the server signed exactly what we signed.
                #expect(server.serverStringToSign == server.clientStringToSign)
                if version == .v4 { #expect(server.serverCanonicalRequest == server.clientCanonicalRequest) }
                #expect(!String(describing: error).contains("wrong"))
            }
        }
        let unknown = fixture.client(credentials: StaticCredentialsProvider(accessKeyId: "LTAIunknown", accessKeySecret: "x"))
        await #expect(throws: OSSError.self) { try await unknown.bucket("examplebucket").getObjectData("a.jpg") }
    }

    @Test("getObject(toFile:) writes the file atomically and replaces an existing one")
    func toFile() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let body = testBytes(3 << 20)
        try await bucket.putObject("big.bin", data: body)
        let folder = try fixture.scratch()
        let destination = folder + "/dest.bin"
        try Data("old content".utf8).write(to: URL(fileURLWithPath: destination))
        let progress = ProgressRecorder()
        let info = try await bucket.getObject("big.bin", toFile: destination, options: GetObjectOptions(progress: { progress.record($0, $1) }))
        #expect(info.contentLength == Int64(body.count))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: destination))) == body)
        #expect(LocalOSSFixture.files(in: folder) == ["dest.bin"])
        #expect(progress.last?.0 == Int64(body.count))
        #expect(progress.last?.1 == Int64(body.count))
        #expect(progress.count > 1)
    }

    @Test("range, conditional and response-* requests")
    func rangesAndConditions() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let body = testBytes(10_000)
        let put = try await bucket.putObject("r.bin", data: body)
        let (ranged, slice) = try await bucket.getObjectData("r.bin", options: GetObjectOptions(range: .bytes(100...199)))
        #expect(ranged.status == 206)
        #expect(slice == Array(body[100...199]))
        #expect(ranged.contentRange == "bytes 100-199/10000")
        #expect(try await bucket.getObjectData("r.bin", options: GetObjectOptions(range: .suffix(10))).data == Array(body.suffix(10)))
        let notModified = try await bucket.headObject("r.bin", options: GetObjectOptions(ifNoneMatch: "\"\(put.etag!)\""))
        #expect(notModified.status == 304)
        do {
            _ = try await bucket.getObjectData("r.bin", options: GetObjectOptions(ifMatch: "\"0000\""))
            Issue.record("expected 412")
        } catch {
            #expect(error.code == .preconditionFailed)
        }
        let future = Date().addingTimeInterval(3600)
        #expect(try await bucket.headObject("r.bin", options: GetObjectOptions(ifModifiedSince: future)).status == 304)
        let overridden = try await bucket.getObjectData("r.bin", options: GetObjectOptions(
            responseOverrides: ResponseHeaderOverrides(contentType: "image/x-test", contentDisposition: "attachment; filename=\"r.bin\"")))
        #expect(overridden.info.contentType == "image/x-test")
    }

    @Test("a presigned URL works with a plain HTTP GET and no header, and fails once expired", arguments: [SignatureVersion.v4, .v1])
    func presigned(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client(signatureVersion: version).bucket("examplebucket")
        let body = testBytes(5000)
        try await bucket.putObject("中文 a+b.jpg", data: body)
        let presigned = try await bucket.presign("中文 a+b.jpg", expiresIn: 60)
        #expect(presigned.signedHeaders.isEmpty)
        let plain = try await plainGET(presigned.url)
        #expect(plain.1.statusCode == 200)
        #expect([UInt8](plain.0) == body)
        // Tampering with the path breaks the signature.
        let tampered = presigned.url.replacingOccurrences(of: "a%2Bb", with: "a%2Bc")
        #expect((try await plainGET(tampered)).1.statusCode == 403)
        // A URL that expired a while ago.
        let past = OSSClient(configuration: Configuration(region: "cn-hangzhou", endpoint: fixture.endpoint, signatureVersion: version,
                                                          credentialsProvider: StaticCredentialsProvider(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret)))
        let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "中文 a+b.jpg")
        let old = try past.configuration.presign(request, credentials: Credentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret),
                                                 expiresIn: 60, at: SigningTime.now().adding(seconds: -3600))
        let (data, response) = try await plainGET(old.url)
        #expect(response.statusCode == 403)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("<Code>AccessDenied</Code>"))
        #expect(text.contains("Request has expired"))
    }

    @Test("anonymous access reads public-read buckets only")
    func anonymous() async throws {
        let fixture = try await LocalOSSFixture(publicRead: ["public-bucket"])
        try await fixture.client().bucket("public-bucket").putObject("p.txt", data: Array("hello".utf8))
        try await fixture.client().bucket("examplebucket").putObject("p.txt", data: Array("hello".utf8))
        let anonymous = fixture.client(credentials: AnonymousCredentialsProvider())
        #expect(try await anonymous.bucket("public-bucket").getObjectData("p.txt").data == Array("hello".utf8))
        await #expect(throws: OSSError.self) { try await anonymous.bucket("examplebucket").getObjectData("p.txt") }
        await #expect(throws: OSSError.self) { try await anonymous.bucket("public-bucket").putObject("w.txt", data: [1]) }
    }

    @Test("an STS token is required when the server was given one")
    func securityToken() async throws {
        let fixture = try await LocalOSSFixture(credentials: [ServiceCredentials(accessKeyId: "STS.id", accessKeySecret: "sts-secret", securityToken: "token+/=")])
        for version in SignatureVersion.allCases {
            let good = fixture.client(signatureVersion: version, credentials: StaticCredentialsProvider(accessKeyId: "STS.id", accessKeySecret: "sts-secret", securityToken: "token+/="))
            try await good.bucket("examplebucket").putObject("t.txt", data: [1, 2, 3])
            let presigned = try await good.bucket("examplebucket").presign("t.txt")
            #expect((try await plainGET(presigned.url)).1.statusCode == 200)
            let bad = fixture.client(signatureVersion: version, credentials: StaticCredentialsProvider(accessKeyId: "STS.id", accessKeySecret: "sts-secret", securityToken: "other"))
            await #expect(throws: OSSError.self) { try await bad.bucket("examplebucket").getObjectData("t.txt") }
        }
    }

    @Test("keys are never paths: dot segments are ordinary key bytes, and nothing lands outside the store")
    func escapes() async throws {
        let fixture = try await LocalOSSFixture()
        let key = "a/../../escape.txt"
        let prepared = try fixture.client().configuration.prepare(SignableRequest(method: "PUT", bucket: "examplebucket", key: key),
                                                                  credentials: Credentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret))
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: "PUT", url: prepared.url, headers: prepared.headers, body: .bytes([1])))
        #expect(response.status == 200)
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/../escape.txt"))
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/escape.txt"))
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/examplebucket/a"))
        // The very key, byte for byte, as OSS keeps it.
        let bucket = fixture.client().bucket("examplebucket")
        #expect(try await bucket.listObjectsV2().objects.map(\.key) == [key])
        #expect(try await bucket.listObjectsV2(delimiter: "/").commonPrefixes == ["a/"])
    }

    @Test("without an image processor, processing answers 501 NotImplemented: no fake output")
    func processNotImplemented() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("example.jpg", data: testBytes(100))
        do {
            _ = try await bucket.getObjectData("example.jpg", process: "image/circle,r_100")
            Issue.record("expected 501")
        } catch {
            #expect(error.code == .notImplemented)
        }
    }
}

final class ProgressRecorder: Sendable {
    private let calls = LockedValue<[(Int64, Int64?)]>([])
    func record(_ bytes: Int64, _ total: Int64?) { calls.withLock { $0.append((bytes, total)) } }
    var count: Int { calls.withLock { $0.count } }
    var last: (Int64, Int64?)? { calls.withLock { $0.last } }
    var values: [(Int64, Int64?)] { calls.withLock { $0 } }
}

/// A plain HTTP GET with no header of ours, as a browser or an <img> tag would do it.
func plainGET(_ url: String) async throws -> (Data, HTTPURLResponse) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    return (data, response as! HTTPURLResponse)
}
