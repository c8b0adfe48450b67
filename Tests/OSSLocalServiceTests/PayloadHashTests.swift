import Foundation
import OSS
import OSSCrypto
import OSSHTTP
import Testing

/// `x-oss-content-sha256` under V4. The real service accepts only `UNSIGNED-PAYLOAD` there: any
/// other value, a digest of the body included, is refused with 400 InvalidArgument, EC
/// 0002-00000214, before the body matters. The local OSS refuses it the same way, and stores
/// nothing.
@Suite("Signed payload hashes")
struct PayloadHashTests {
    let credentials = Credentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret)

    func put(_ fixture: LocalOSSFixture, key: String, body: [UInt8], payloadHash: String) async throws -> (Int, String) {
        let request = SignableRequest(method: "PUT", bucket: "examplebucket", key: key,
                                      headers: [HTTPHeaderField("x-oss-content-sha256", payloadHash), HTTPHeaderField("Content-Type", "application/octet-stream")])
        let prepared = try fixture.client().configuration.prepare(request, credentials: credentials)
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: "PUT", url: prepared.url,
                                                                             headers: prepared.headers, body: .bytes(body)))
        return (response.status, String(decoding: try await response.body.collect(upTo: 1 << 16), as: UTF8.self))
    }

    @Test("a hex SHA-256 is refused as OSS refuses it, whether or not it matches the body, and nothing is stored")
    func refused() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("kept.bin", data: Array("old".utf8))
        let body = Array("new body".utf8)
        for hash in [Crypto.sha256(body).hexString, Crypto.sha256(Array("other".utf8)).hexString, "not-a-hash"] {
            let (status, text) = try await put(fixture, key: "kept.bin", body: body, payloadHash: hash)
            #expect(status == 400, "\(text)")
            #expect(text.contains("<Code>InvalidArgument</Code>"), "\(text)")
            #expect(text.contains("<EC>0002-00000214</EC>"), "\(text)")
            #expect(text.contains("x-oss-content-sha256"), "\(text)")
            let (status2, _) = try await put(fixture, key: "fresh.bin", body: body, payloadHash: hash)
            #expect(status2 == 400)
        }
        #expect(try await bucket.getObjectData("kept.bin").data == Array("old".utf8))
        await #expect(throws: OSSError.self) { try await bucket.headObject("fresh.bin") }
        // UNSIGNED-PAYLOAD, what every SDK sends, still works.
        let (status, text) = try await put(fixture, key: "kept.bin", body: body, payloadHash: "UNSIGNED-PAYLOAD")
        #expect(status == 200, "\(text)")
        #expect(try await bucket.getObjectData("kept.bin").data == body)
    }
}
