import OSS
import OSSHTTP
import OSSLocking
import Testing

@Suite("Credentials")
struct CredentialsTests {
    let secret = "vWq03mSM9B8zhIPT2QFhQOjWmjriYG"
    let token = "CAISHH5F/grANC/aBcnwDDOOAZvw6d3eK3pxFkhJA5uFyeUhwksU8dSaNrFWv5SRcl=="

    @Test("secrets and tokens never show in description, debugDescription or dump")
    func redaction() {
        let credentials = Credentials(accessKeyId: "LTAI5tvi1jsmCaDAoZuSEyDv", accessKeySecret: secret, securityToken: token)
        var dumped = ""
        dump(credentials, to: &dumped)
        let texts = [credentials.description, credentials.debugDescription, String(reflecting: credentials), "\(credentials)", dumped,
                     StaticCredentialsProvider(credentials).description, String(describing: [credentials])]
        for text in texts {
            #expect(!text.contains(secret), "secret leaked in: \(text)")
            #expect(!text.contains(token), "token leaked in: \(text)")
            #expect(!text.contains("LTAI5tvi1jsmCaDAoZuSEyDv"), "full access key id in: \(text)")
        }
        #expect(credentials.description.contains("LTAI"))
        #expect(credentials.description.contains("<redacted>"))
    }

    @Test("a signed request's description hides the signature")
    func signedRequestRedaction() throws {
        let credentials = Credentials(accessKeyId: "ak", accessKeySecret: secret, securityToken: token)
        let prepared = try Configuration(region: "cn-hangzhou").prepare(SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg"), credentials: credentials)
        let signature = try #require(prepared.signing?.signature)
        for text in [prepared.description, String(reflecting: prepared), prepared.signing!.description, String(reflecting: prepared.signing!)] {
            #expect(!text.contains(signature))
            #expect(!text.contains(secret))
            #expect(!text.contains(token))
        }
        let presigned = try Configuration(region: "cn-hangzhou").presign(SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg"), credentials: credentials)
        #expect(!presigned.description.contains(presigned.signing!.signature))
        #expect(!presigned.description.contains("x-oss-security-token"))
    }

    @Test("the environment provider reads all three variables")
    func environment() async throws {
        let provider = EnvironmentCredentialsProvider(environment: ["OSS_ACCESS_KEY_ID": "id", "OSS_ACCESS_KEY_SECRET": "sk", "OSS_SESSION_TOKEN": "tok"])
        let credentials = try #require(try await provider.credentials())
        #expect(credentials.accessKeyId == "id")
        #expect(credentials.accessKeySecret == "sk")
        #expect(credentials.securityToken == "tok")
        let noToken = try #require(try await EnvironmentCredentialsProvider(environment: ["OSS_ACCESS_KEY_ID": "id", "OSS_ACCESS_KEY_SECRET": "sk"]).credentials())
        #expect(noToken.securityToken == nil)
    }

    @Test("a missing environment variable is named in the error, and no value is")
    func environmentMissing() async {
        let onlyId = EnvironmentCredentialsProvider(environment: ["OSS_ACCESS_KEY_ID": "someid"])
        await #expect(throws: OSSError.credentialsUnavailable("the environment variable OSS_ACCESS_KEY_SECRET is not set.")) {
            _ = try await onlyId.credentials()
        }
        let none = EnvironmentCredentialsProvider(environment: [:])
        do {
            _ = try await none.credentials()
            Issue.record("expected an error")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("OSS_ACCESS_KEY_ID") && text.contains("OSS_ACCESS_KEY_SECRET"))
        }
    }

    @Test("anonymous yields no credentials, and the request goes out unsigned")
    func anonymous() async throws {
        #expect(try await AnonymousCredentialsProvider().credentials() == nil)
        let prepared = try Configuration(region: "cn-hangzhou").prepare(SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg"), credentials: nil)
        #expect(prepared.signing == nil)
        #expect(!prepared.headers.contains { $0.name.lowercased() == "authorization" })
        #expect(prepared.url == "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a.jpg")
    }

    @Test("a chain uses the first provider that does not throw")
    func chain() async throws {
        let chain = ChainCredentialsProvider([EnvironmentCredentialsProvider(environment: [:]),
                                              StaticCredentialsProvider(accessKeyId: "second", accessKeySecret: "s")])
        #expect(try await chain.credentials()?.accessKeyId == "second")
        let toAnonymous = ChainCredentialsProvider([EnvironmentCredentialsProvider(environment: [:]), AnonymousCredentialsProvider()])
        #expect(try await toAnonymous.credentials() == nil)
        let empty = ChainCredentialsProvider([EnvironmentCredentialsProvider(environment: [:])])
        await #expect(throws: OSSError.self) { _ = try await empty.credentials() }
    }

    @Test("the closure provider is called on every request")
    func closure() async throws {
        let calls = LockedValue<Int>(0)
        let provider = ClosureCredentialsProvider {
            let n = calls.withLock { $0 += 1; return $0 }
            return Credentials(accessKeyId: "id\(n)", accessKeySecret: "s")
        }
        #expect(try await provider.credentials()?.accessKeyId == "id1")
        #expect(try await provider.credentials()?.accessKeyId == "id2")
    }

    @Test("100 concurrent callers of an expired refreshing provider cause exactly one fetch")
    func singleFlight() async throws {
        let fetches = LockedValue<Int>(0)
        let now = LockedValue<Int64>(1_000_000)
        let provider = RefreshingCredentialsProvider(refreshMargin: 300, clock: { SigningTime(unixSeconds: now.load()) }, fetch: {
            let n = fetches.withLock { $0 += 1; return $0 }
            try await Task.sleep(for: .milliseconds(50))
            return Credentials(accessKeyId: "sts\(n)", accessKeySecret: "s", securityToken: "t\(n)",
                               expiration: SigningTime(unixSeconds: now.load() + 3600))
        })
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 {
                group.addTask { try await provider.credentials()!.accessKeyId }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(fetches.load() == 1)
        #expect(Set(ids) == ["sts1"])

        // Still fresh: no fetch.
        now.store(1_000_000 + 3000)
        #expect(try await provider.credentials()?.accessKeyId == "sts1")
        #expect(fetches.load() == 1)
        // Inside the 5-minute margin: one refresh, again shared.
        now.store(1_000_000 + 3400)
        let second = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 { group.addTask { try await provider.credentials()!.accessKeyId } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(fetches.load() == 2)
        #expect(second == ["sts2"])
    }

    @Test("a failed refresh is reported and the next call tries again")
    func refreshFailure() async throws {
        struct STSDown: Error {}
        let fetches = LockedValue<Int>(0)
        let provider = RefreshingCredentialsProvider {
            if fetches.withLock({ $0 += 1; return $0 }) == 1 { throw STSDown() }
            return Credentials(accessKeyId: "ok", accessKeySecret: "s")
        }
        await #expect(throws: STSDown.self) { _ = try await provider.credentials() }
        #expect(try await provider.credentials()?.accessKeyId == "ok")
        #expect(fetches.load() == 2)
    }
}

@Suite("Secrets stay out of descriptions")
struct RedactionTests {
    @Test("signed requests, their parts and transport requests print no secret, token or signature", arguments: SignatureVersion.allCases)
    func everyTypeThatCarriesThem(version: SignatureVersion) throws {
        let secret = "very-secret-value-123", token = "sts-token-value-456"
        let credentials = Credentials(accessKeyId: "LTAI5tAccessKeyABC", accessKeySecret: secret, securityToken: token)
        let configuration = Configuration(region: "cn-hangzhou", signatureVersion: version)
        let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "a.jpg", query: [QueryItem("x-oss-process", "image/circle,r_100")])
        let byHeader = try configuration.prepare(request, credentials: credentials)
        let byQuery = try configuration.presign(request, credentials: credentials)
        let signatures = [byHeader.signing!.signature, byQuery.signing!.signature]
        var texts: [String] = []
        for value in [byHeader, byQuery] as [PreparedRequest] {
            var dumped = ""
            dump(value, to: &dumped)
            texts += [String(describing: value), String(reflecting: value), dumped]
            var dumpedRequest = ""
            dump(value.signing!.request, to: &dumpedRequest)
            texts += [String(describing: value.signing!.request), String(reflecting: value.signing!.request), dumpedRequest]
            let http = TransportRequest(method: value.method, url: value.url, headers: value.headers)
            var dumpedHTTP = ""
            dump(http, to: &dumpedHTTP)
            texts += [String(describing: http), String(reflecting: http), dumpedHTTP]
        }
        for text in texts {
            #expect(!text.contains(secret))
            #expect(!text.contains(token))
            for signature in signatures { #expect(!text.contains(signature), "\(text)") }
        }
    }
}
