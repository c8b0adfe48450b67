import Foundation
import OSS
import Testing

@Suite("Presigning and the process parameter")
struct PresignTests {
    let credentials = Credentials(accessKeyId: "LTAI5t6hHdeHHwJwRJvreuEN", accessKeySecret: "srgDUIvMAZCQLzPdaWq33w5bqyhPzD")
    let time = SigningTime(unixSeconds: 1_696_992_047)

    @Test("a presigned process GET carries the process in the query and needs no header")
    func processInQuery() throws {
        for version in SignatureVersion.allCases {
            let configuration = Configuration(region: "cn-hangzhou", signatureVersion: version)
            let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "example.jpg",
                                          query: [QueryItem("x-oss-process", "image/circle,r_100")])
            let presigned = try configuration.presign(request, credentials: credentials, at: time)
            #expect(presigned.headers.isEmpty, "\(version): a browser or <img> cannot send headers")
            #expect(presigned.url.contains("x-oss-process=image%2Fcircle%2Cr_100"), "\(version)")
            #expect(presigned.url.hasPrefix("https://examplebucket.oss-cn-hangzhou.aliyuncs.com/example.jpg?"))
            // The process is signed, so it cannot be swapped for another one.
            if version == .v4 {
                #expect(presigned.signing?.canonicalRequest?.contains("x-oss-process=image%2Fcircle%2Cr_100") == true)
            } else {
                #expect(presigned.signing?.stringToSign.hasSuffix("?x-oss-process=image/circle,r_100") == true)
            }
        }
    }

    @Test("header signing also keeps the process in the query, never in a header")
    func processNotAHeader() throws {
        let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "example.jpg", query: [QueryItem("x-oss-process", "image/circle,r_100")])
        let prepared = try Configuration(region: "cn-hangzhou").prepare(request, credentials: credentials, at: time)
        #expect(!prepared.headers.contains { $0.name.lowercased().contains("process") })
        #expect(prepared.url.hasSuffix("?x-oss-process=image%2Fcircle%2Cr_100"))
    }

    @Test("expiry defaults to 15 minutes; over 7 days under V4 is an error")
    func expiry() throws {
        let configuration = Configuration(region: "cn-hangzhou")
        let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg")
        let presigned = try configuration.presign(request, credentials: credentials, at: time)
        #expect(presigned.signing?.request.queryValue("x-oss-expires") == "900")
        #expect(try configuration.presign(request, credentials: credentials, expiresIn: 604_800, at: time).signing?.request.queryValue("x-oss-expires") == "604800")
        #expect(throws: OSSError.signing(.invalidExpiry(seconds: 604_801, maximum: 604_800))) {
            try configuration.presign(request, credentials: credentials, expiresIn: 604_801, at: time)
        }
        #expect(throws: OSSError.self) { try configuration.presign(request, credentials: credentials, expiresIn: 0, at: time) }
        var v1 = configuration
        v1.signatureVersion = .v1
        #expect(try v1.presign(request, credentials: credentials, at: time).signing?.request.queryValue("Expires") == String(time.unixSeconds + 900))
    }

    @Test("the security token goes in a header when signing by header, in the query when presigning")
    func securityToken() throws {
        let sts = Credentials(accessKeyId: "STS.id", accessKeySecret: "s", securityToken: "tok+/=")
        let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg")
        let configuration = Configuration(region: "cn-hangzhou")
        let byHeader = try configuration.prepare(request, credentials: sts, at: time)
        #expect(byHeader.headers.contains(HTTPHeaderField("x-oss-security-token", "tok+/=")))
        #expect(!byHeader.url.contains("security-token"))
        let byQuery = try configuration.presign(request, credentials: sts, at: time)
        #expect(byQuery.url.contains("x-oss-security-token=tok%2B%2F%3D"))
        #expect(!byQuery.headers.contains { $0.name.lowercased() == "x-oss-security-token" })
    }

    @Test("every query parameter is signed, an empty one without '='")
    func canonicalQuery() throws {
        let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg",
                                      query: [QueryItem("b", "2"), QueryItem("acl"), QueryItem("a b", "c+d")])
        let signed = try SignerV4(region: "cn-hangzhou").signHeaders(request, credentials: credentials, at: time)
        let lines = signed.canonicalRequest!.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[2] == "a%20b=c%2Bd&acl&b=2")
        #expect(signed.stringToSign.hasPrefix("OSS4-HMAC-SHA256\n20231011T024047Z\n20231011/cn-hangzhou/oss/aliyun_v4_request\n"))
    }

    @Test("changing any signed part changes the signature")
    func sensitivity() throws {
        let signer = SignerV4(region: "cn-hangzhou")
        let base = SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg", query: [QueryItem("x-oss-process", "image/circle,r_100")],
                                   headers: [HTTPHeaderField("x-oss-meta-a", "1")])
        let reference = try signer.signHeaders(base, credentials: credentials, at: time).signature
        var variants: [SignableRequest] = []
        var r = base; r.method = "PUT"; variants.append(r)
        r = base; r.key = "b.jpg"; variants.append(r)
        r = base; r.bucket = "otherbucket"; variants.append(r)
        r = base; r.query = [QueryItem("x-oss-process", "image/circle,r_101")]; variants.append(r)
        r = base; r.headers = [HTTPHeaderField("x-oss-meta-a", "2")]; variants.append(r)
        for variant in variants {
            #expect(try signer.signHeaders(variant, credentials: credentials, at: time).signature != reference)
        }
        #expect(try signer.signHeaders(base, credentials: credentials, at: time.adding(seconds: 1)).signature != reference)
        #expect(try SignerV4(region: "cn-beijing").signHeaders(base, credentials: credentials, at: time).signature != reference)
        // An unsigned header does not change it.
        r = base; r.headers.append(HTTPHeaderField("User-Agent", "x"))
        #expect(try signer.signHeaders(r, credentials: credentials, at: time).signature == reference)
    }

    @Test("the injected clock is used when no time is passed")
    func injectableClock() throws {
        let signer = SignerV4(region: "cn-hangzhou", clock: { SigningTime(unixSeconds: 1_702_743_657) })
        let signed = try signer.signHeaders(SignableRequest(method: "GET", bucket: "bucket", key: "k"), credentials: credentials)
        #expect(signed.request.header("x-oss-date") == "20231216T162057Z")
        #expect(signed.request.header("Date") == "Sat, 16 Dec 2023 16:20:57 GMT")
    }
}

/// The convenience overloads forward every parameter of the call they wrap.
@Suite("Overloads keep their parameters", .serialized)
struct OverloadForwardingTests {
    static func bucket(endpoint: String = "https://oss-cn-hangzhou.aliyuncs.com") -> OSSBucket {
        let configuration = Configuration(region: "cn-hangzhou", endpoint: endpoint,
                                          credentialsProvider: StaticCredentialsProvider(accessKeyId: "ak", accessKeySecret: "sk"))
        return OSSClient(configuration: configuration, retryPolicy: .none).bucket("examplebucket")
    }

    @Test("the typed presign overload keeps responseOverrides")
    func typedPresignKeepsOverrides() async throws {
        let overrides = ResponseHeaderOverrides(contentType: "image/png", contentDisposition: "attachment; filename=\"a.png\"")
        let bucket = Self.bucket()
        let typed = try await bucket.presign("example.jpg", process: try ImageProcess(parsing: "image/circle,r_100"),
                                             responseOverrides: overrides)
        let untyped = try await bucket.presign("example.jpg", process: "image/circle,r_100", responseOverrides: overrides)
        for url in [typed.url, untyped.url] {
            #expect(url.contains("response-content-disposition=attachment"), "\(url)")
            #expect(url.contains("response-content-type=image%2Fpng"), "\(url)")
            #expect(url.contains("x-oss-process=image%2Fcircle%2Cr_100"), "\(url)")
        }
    }

    @Test("listObjectsV2Pages sends startAfter on its first page only")
    func pagesKeepStartAfter() async throws {
        let first = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult><Name>examplebucket</Name><KeyCount>1</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated>\
            <NextContinuationToken>TOKEN</NextContinuationToken><Contents><Key>b</Key><Size>1</Size><ETag>"e"</ETag>\
            <LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents></ListBucketResult>
            """
        let last = first.replacingOccurrences(of: "<IsTruncated>true</IsTruncated>", with: "<IsTruncated>false</IsTruncated>")
            .replacingOccurrences(of: "<NextContinuationToken>TOKEN</NextContinuationToken>", with: "")
            .replacingOccurrences(of: "<Key>b</Key>", with: "<Key>c</Key>")
        let server = try ScriptedHTTPServer([.init(status: 200, body: first), .init(status: 200, body: last)])
        defer { server.stop() }
        var keys: [String] = []
        for try await page in Self.bucket(endpoint: server.url).listObjectsV2Pages(maxKeys: 1, startAfter: "a") {
            keys += page.objects.map(\.key)
        }
        #expect(keys == ["b", "c"])
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(requests.first?.contains("start-after=a") == true, "\(requests)")
        #expect(requests.last?.contains("continuation-token=TOKEN") == true, "\(requests)")
        #expect(requests.last?.contains("start-after") == false, "\(requests)")
    }
}
