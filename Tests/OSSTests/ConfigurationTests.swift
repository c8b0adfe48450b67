import OSS
import Testing

@Suite("Region, endpoint and validation")
struct ConfigurationTests {
    @Test("regions are normalised, internal names are refused with a pointer to the option")
    func regions() throws {
        #expect(try Region("cn-hangzhou").id == "cn-hangzhou")
        #expect(try Region("oss-cn-hangzhou").id == "cn-hangzhou")
        #expect(try Region(" ap-southeast-1 ").id == "ap-southeast-1")
        do {
            _ = try Region("cn-hangzhou-internal")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("useInternalEndpoint"))
            #expect(error.description.contains("'cn-hangzhou'"))
        }
        #expect(throws: OSSError.self) { try Region("") }
        #expect(throws: OSSError.self) { try Region("CN_Hangzhou") }
        #expect(throws: OSSError.self) { try Region("oss-cn-hangzhou.aliyuncs.com") }
    }

    @Test("V4 without a region is a clear error before anything is signed")
    func missingRegion() throws {
        let configuration = Configuration(endpoint: "oss-cn-hangzhou.aliyuncs.com")
        do {
            _ = try configuration.prepare(SignableRequest(method: "GET", bucket: "examplebucket", key: "a"), credentials: Credentials(accessKeyId: "a", accessKeySecret: "b"))
            Issue.record("expected an error")
        } catch {
            guard let (parameter, reason) = error.invalidArgument else { Issue.record("wrong error \(error)"); return }
            #expect(parameter == "region")
            #expect(reason.contains("V4"))
        }
        // V1 does not sign the region, so it works with only an endpoint.
        var v1 = configuration
        v1.signatureVersion = .v1
        #expect(try v1.prepare(SignableRequest(method: "GET", bucket: "examplebucket", key: "a"), credentials: Credentials(accessKeyId: "a", accessKeySecret: "b")).signing != nil)
        // And no endpoint can be derived without a region.
        #expect(throws: OSSError.self) { try Configuration().resolvedEndpoint() }
    }

    @Test("derived endpoints", arguments: [
        (EndpointKind.publicInternet, "oss-cn-hangzhou.aliyuncs.com"),
        (.internal, "oss-cn-hangzhou-internal.aliyuncs.com"),
        (.accelerate, "oss-accelerate.aliyuncs.com"),
        (.accelerateOverseas, "oss-accelerate-overseas.aliyuncs.com"),
        (.dualStack, "cn-hangzhou.oss.aliyuncs.com"),
    ])
    func derived(kind: EndpointKind, host: String) throws {
        let endpoint = try Configuration(region: "oss-cn-hangzhou", endpointKind: kind).resolvedEndpoint()
        #expect(endpoint.scheme == "https")
        #expect(endpoint.host == host)
        #expect(endpoint.url(bucket: "examplebucket", key: "a.jpg", query: []) == "https://examplebucket.\(host)/a.jpg")
    }

    @Test("endpoint overrides, with or without scheme and port")
    func overrides() throws {
        #expect(try ServiceEndpoint(parsing: "oss-cn-beijing.aliyuncs.com").origin == "https://oss-cn-beijing.aliyuncs.com")
        #expect(try ServiceEndpoint(parsing: "http://oss-cn-beijing.aliyuncs.com/").origin == "http://oss-cn-beijing.aliyuncs.com")
        let local = try ServiceEndpoint(parsing: "http://127.0.0.1:9000")
        #expect(local.port == 9000)
        #expect(local.addressStyle == .path, "an IP endpoint implies path style")
        #expect(local.url(bucket: "examplebucket", key: "a b.jpg", query: []) == "http://127.0.0.1:9000/examplebucket/a%20b.jpg")
        #expect(try ServiceEndpoint(parsing: "localhost:8080").addressStyle == .path)
        #expect(try ServiceEndpoint(parsing: "http://[::1]:9000").addressStyle == .path)
        #expect(try ServiceEndpoint(parsing: "http://[::1]:9000").port == 9000)
        #expect(try ServiceEndpoint(parsing: "oss.example.com").addressStyle == .virtualHosted)
        for bad in ["ftp://host", "https://host/path", "host:99999", "https://", "user@host", "http://[::1"] {
            #expect(throws: OSSError.self, "\(bad)") { try ServiceEndpoint(parsing: bad) }
        }
    }

    @Test("address styles put the bucket in the host, the path, or nowhere (CNAME)")
    func addressStyles() throws {
        let virtual = try ServiceEndpoint(parsing: "oss-cn-hangzhou.aliyuncs.com")
        #expect(virtual.url(bucket: "b-1", key: "x/y.jpg", query: []) == "https://b-1.oss-cn-hangzhou.aliyuncs.com/x/y.jpg")
        let path = try ServiceEndpoint(parsing: "oss-cn-hangzhou.aliyuncs.com", addressStyle: .path)
        #expect(path.url(bucket: "b-1", key: "x/y.jpg", query: []) == "https://oss-cn-hangzhou.aliyuncs.com/b-1/x/y.jpg")
        #expect(path.url(bucket: "b-1", key: nil, query: [EncodedQueryItem(name: "list-type", value: "2")]) == "https://oss-cn-hangzhou.aliyuncs.com/b-1/?list-type=2")
        let cname = try ServiceEndpoint(parsing: "images.example.com", addressStyle: .cname)
        #expect(cname.url(bucket: "b-1", key: "x/y.jpg", query: []) == "https://images.example.com/x/y.jpg")
    }

    @Test("CNAME requests still sign /bucket/key")
    func cnameSigning() throws {
        let configuration = Configuration(region: "cn-hangzhou", endpoint: "images.example.com", addressStyle: .cname)
        let prepared = try configuration.prepare(SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg"),
                                                 credentials: Credentials(accessKeyId: "a", accessKeySecret: "b"), at: SigningTime(unixSeconds: 0))
        #expect(prepared.url == "https://images.example.com/a.jpg")
        #expect(prepared.signing?.canonicalRequest?.split(separator: "\n")[1] == "/examplebucket/a.jpg")
    }

    @Test("bucket names", arguments: [("abc", true), ("a-b-9", true), (String(repeating: "a", count: 63), true),
                                      ("ab", false), (String(repeating: "a", count: 64), false), ("-abc", false),
                                      ("abc-", false), ("Abc", false), ("a_b", false), ("a.b", false), ("中文中文", false)])
    func bucketNames(name: String, valid: Bool) {
        if valid {
            #expect(throws: Never.self) { try OSSValidation.validateBucketName(name) }
        } else {
            #expect(throws: OSSError.self) { try OSSValidation.validateBucketName(name) }
        }
    }

    @Test("object keys", arguments: [("a", true), ("中文/😀 +%~.jpg", true), (String(repeating: "é", count: 511), true),
                                     ("", false), ("/leading", false), ("\\back", false), (String(repeating: "é", count: 512), false)])
    func objectKeys(key: String, valid: Bool) {
        if valid {
            #expect(throws: Never.self) { try OSSValidation.validateObjectKey(key) }
        } else {
            #expect(throws: OSSError.self) { try OSSValidation.validateObjectKey(key) }
        }
    }
}
