import Foundation
import OSSLocalService
import OSSSigner
import Testing

/// The details the official suites found, each against the service.
@Suite("Details the official suites assert")
struct SuiteDetailsTests {
    static let id = "details-ak", secret = "details-secret"

    static func signedService() throws -> InProcessService {
        try InProcessService(configure: { configuration in
            configuration.openAccess = false
            configuration.credentials = [ServiceCredentials(accessKeyId: id, accessKeySecret: secret)]
        })
    }

    /// A V1 header signature over `headers`, the date line being `dateLine`.
    static func v1(_ method: String, bucket: String?, key: String?, headers: [(name: String, value: String)], dateLine: String,
                   secret: String = secret) -> [(name: String, value: String)] {
        let signable = SignableRequest(method: method, bucket: bucket, key: key, headers: headers.map { HTTPHeaderField($0.name, $0.value) })
        let signer = SignerV1()
        let signature = signer.signature(stringToSign: signer.stringToSign(signable, date: dateLine), secret: secret)
        return headers + [("Authorization", "OSS \(id):\(signature)")]
    }

    @Test("a V1 signature carrying x-oss-date signs its date line with it and is checked for skew by it, not by Date")
    func v1WithOSSDate() async throws {
        let service = try Self.signedService()
        let now = SigningTime.now()
        let stale = SigningTime(unixSeconds: now.unixSeconds - 86_400).httpDate
        // Date is a day old; x-oss-date is now and is what was signed: accepted.
        let good = Self.v1("GET", bucket: "examplebucket", key: nil, headers: [("Date", stale), ("x-oss-date", now.httpDate)], dateLine: now.httpDate)
        let accepted = try await service.send("GET", "examplebucket", headers: good)
        #expect(accepted.status == 200, "\(accepted.text)")
        // x-oss-date a day old: too skewed, whatever Date says.
        let skewed = Self.v1("GET", bucket: "examplebucket", key: nil, headers: [("Date", now.httpDate), ("x-oss-date", stale)], dateLine: stale)
        let refused = try await service.send("GET", "examplebucket", headers: skewed)
        #expect(refused.status == 403 && refused.text.contains("RequestTimeTooSkewed"), "\(refused.text)")
        // Signed over Date while x-oss-date is there: the signature does not match.
        let wrongLine = Self.v1("GET", bucket: "examplebucket", key: nil, headers: [("Date", now.httpDate), ("x-oss-date", now.httpDate)],
                                dateLine: "not the date")
        #expect(try await service.send("GET", "examplebucket", headers: wrongLine).text.contains("SignatureDoesNotMatch"))
    }

    @Test("a bad key on a bucket that does not exist answers 404 NoSuchBucket before 403")
    func missingBucketFirst() async throws {
        let service = try Self.signedService()
        let now = SigningTime.now().httpDate
        let bad = Self.v1("GET", bucket: "nosuchbucket", key: "k", headers: [("Date", now)], dateLine: now, secret: "wrong")
        let reply = try await service.send("GET", "nosuchbucket", "k", headers: bad)
        #expect(reply.status == 404 && reply.text.contains("NoSuchBucket"), "\(reply.text)")
        let existing = Self.v1("GET", bucket: "examplebucket", key: "k", headers: [("Date", now)], dateLine: now, secret: "wrong")
        #expect(try await service.send("GET", "examplebucket", "k", headers: existing).status == 403)
    }

    @Test("PutBucket and PutBucketAcl with a bad key on a missing bucket stay 403, as OSS answers them")
    func createRefusedFirst() async throws {
        let service = try Self.signedService()
        let now = SigningTime.now().httpDate
        for query in [nil, "acl"] as [String?] {
            let signable = SignableRequest(method: "PUT", bucket: "newbucket", query: query.map { [QueryItem($0)] } ?? [],
                                           headers: [HTTPHeaderField("Date", now)])
            let signer = SignerV1()
            let signature = signer.signature(stringToSign: signer.stringToSign(signable, date: now), secret: "wrong")
            let reply = try await service.send("PUT", "newbucket", query: query, headers: [("Date", now), ("Authorization", "OSS \(Self.id):\(signature)")])
            #expect(reply.status == 403 && reply.text.contains("SignatureDoesNotMatch"), "\(query ?? "create"): \(reply.text)")
        }
        #expect(try await service.send("GET").status == 403)
    }

    @Test("keys starting with a backslash are InvalidObjectName, and nothing is stored")
    func backslashKey() async throws {
        let service = try InProcessService()
        let reply = try await service.put("\\a.txt", [1])
        #expect(reply.status == 400 && reply.text.contains("<Code>InvalidObjectName</Code>"), "\(reply.text)")
        #expect(try await service.listKeys().isEmpty)
    }

    @Test("a save-as without b_ replies \"bucket\": \"\" and saves in the source's bucket")
    func saveAsBucket() async throws {
        final class Echo: ObjectProcessor {
            func process(_ process: String, source: [UInt8], sourceContentType: String, bucketObjects: BucketObjectLoader) async throws -> ProcessedObject {
                ProcessedObject(bytes: source, contentType: "image/jpeg")
            }
        }
        let service = try InProcessService(processor: Echo())
        #expect(try await service.put("src.jpg", testBytes(50)).status == 200)
        let body = Array("x-oss-process=image/resize,w_10|sys/saveas,o_\(base64URL("out.jpg"))".utf8)
        let reply = try await service.send("POST", "examplebucket", "src.jpg", query: "x-oss-process", body: body)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.text.contains("\"bucket\": \"\""), "\(reply.text)")
        #expect(try await service.get("out.jpg").body == testBytes(50))
        let named = Array("x-oss-process=image/resize,w_10|sys/saveas,o_\(base64URL("out2.jpg")),b_\(base64URL("examplebucket"))".utf8)
        let withBucket = try await service.send("POST", "examplebucket", "src.jpg", query: "x-oss-process", body: named)
        #expect(withBucket.text.contains("\"bucket\": \"examplebucket\""), "\(withBucket.text)")
    }
}
