import Foundation
import OSSLocking
import Testing

@testable import OSS

/// What a client keeps between calls (endpoint, signing key, checked processes) must never give an
/// answer made for other inputs: each test changes one input and expects what a cold signer gives.
@Suite("The client's caches: the same bytes as without them, for every change of input")
struct ClientCachesTests {
    let credentials = Credentials(accessKeyId: "LTAI5t6hHdeHHwJwRJvreuEN", accessKeySecret: "srgDUIvMAZCQLzPdaWq33w5bqyhPzD")
    let time = SigningTime(unixSeconds: 1_696_992_047)
    let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "photos/a.jpg", query: [QueryItem("x-oss-process", "image/circle,r_100")])

    @Test("presign and prepare with the caches equal the uncached ones across secrets, days, regions and endpoints")
    func sameBytes() throws {
        let caches = ClientCaches()
        var configuration = Configuration(region: "cn-hangzhou")
        let rotated = Credentials(accessKeyId: "STS.other", accessKeySecret: "another-secret", securityToken: "token")
        let nextDay = time.adding(seconds: 86_400)
        // Each step changes one input after the caches have kept the previous answer.
        let steps: [(String, (inout Configuration) -> Void, Credentials, SigningTime)] = [
            ("first", { _ in }, credentials, time),
            ("same again", { _ in }, credentials, time),
            ("rotated secret", { _ in }, rotated, time),
            ("next day", { _ in }, rotated, nextDay),
            ("other region", { $0.region = "cn-shanghai" }, rotated, nextDay),
            ("explicit endpoint", { $0.endpoint = "http://127.0.0.1:9000" }, rotated, nextDay),
            ("another endpoint", { $0.endpoint = "https://oss.example.com" }, credentials, time),
            ("path style", { $0.addressStyle = .path }, credentials, time),
            ("back to derived", { $0.endpoint = nil; $0.region = "oss-cn-beijing" }, credentials, time),
        ]
        for (name, change, credentials, time) in steps {
            change(&configuration)
            let cached = try configuration.presign(request, credentials: credentials, expiresIn: 600, at: time, caches: caches)
            let cold = try configuration.presign(request, credentials: credentials, expiresIn: 600, at: time)
            #expect(cached == cold, "\(name)")
            let cachedHeaders = try configuration.prepare(request, credentials: credentials, at: time, caches: caches)
            let coldHeaders = try configuration.prepare(request, credentials: credentials, at: time)
            #expect(cachedHeaders == coldHeaders, "\(name)")
        }
        // A region the caches cannot parse is still the configuration's own error.
        configuration.endpoint = nil
        configuration.region = "not a region"
        #expect(throws: OSSError.self) { try configuration.presign(request, credentials: credentials, expiresIn: nil, at: time, caches: caches) }
        configuration.region = nil
        configuration.endpoint = "http://127.0.0.1:9000"
        #expect(throws: OSSError.self) { try configuration.presign(request, credentials: credentials, expiresIn: nil, at: time, caches: caches) }
    }

    @Test("the signing key is derived once a day per secret and region, and the key kept is the one derived")
    func signingKeyKept() {
        let caches = ClientCaches()
        let signer = SignerV4(region: "cn-hangzhou")
        let derivations = LockedCounter()
        func key(_ secret: String, _ date: String, _ region: String = "cn-hangzhou") -> [UInt8] {
            caches.signingKey(secret: secret, scopeDate: date, region: region, product: "oss") {
                derivations.increment()
                return SignerV4(region: region).signingKey(secret: secret, scopeDate: date)
            }
        }
        #expect(key("s1", "20231011") == signer.signingKey(secret: "s1", scopeDate: "20231011"))
        #expect(key("s1", "20231011") == signer.signingKey(secret: "s1", scopeDate: "20231011"))
        #expect(derivations.value == 1)
        #expect(key("s2", "20231011") == signer.signingKey(secret: "s2", scopeDate: "20231011"))
        #expect(key("s2", "20231012") == signer.signingKey(secret: "s2", scopeDate: "20231012"))
        #expect(key("s2", "20231012", "cn-shanghai") == SignerV4(region: "cn-shanghai").signingKey(secret: "s2", scopeDate: "20231012"))
        #expect(derivations.value == 4)
        #expect("\(caches)" == "ClientCaches")
    }

    @Test("a process that is refused stays refused; the ones kept are bounded")
    func processes() throws {
        let caches = ClientCaches()
        for _ in 0..<2 {
            #expect(throws: OSSError.self) { try caches.validateProcess("image/circle,r_0") }
            #expect(throws: OSSError.self) { try caches.validateProcess("   ") }
            try caches.validateProcess("image/circle,r_100")
        }
        for radius in 1...(ClientCaches.processLimit * 2) { try caches.validateProcess("image/circle,r_\(radius)") }
        #expect(caches.keptProcessCount <= ClientCaches.processLimit)
        #expect(throws: OSSError.self) { try caches.validateProcess("image/circle,r_0") }
    }

    @Test("copies of a client share the caches, and a copy given another endpoint signs for it")
    func copiedClient() async throws {
        let client = OSSClient(configuration: Configuration(region: "cn-hangzhou", credentialsProvider: StaticCredentialsProvider(
            accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret)))
        let first = try await client.bucket("examplebucket").presign("a.jpg", process: "image/circle,r_100")
        var other = client
        other.configuration.endpoint = "http://127.0.0.1:9000"
        let second = try await other.bucket("examplebucket").presign("a.jpg", process: "image/circle,r_100")
        #expect(first.url.hasPrefix("https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a.jpg?"))
        #expect(second.url.hasPrefix("http://127.0.0.1:9000/examplebucket/a.jpg?"))
        #expect(client.caches === other.caches)
        let again = try await client.bucket("examplebucket").presign("a.jpg", process: "image/circle,r_100")
        #expect(again.url.hasPrefix("https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a.jpg?"))
        // The kept signing key's entry holds the secret; neither shows in a dump of the client.
        var dumped = ""
        dump(client, to: &dumped)
        #expect(!dumped.contains(credentials.accessKeySecret), "\(dumped)")
        let key = SignerV4(region: "cn-hangzhou").signingKey(secret: credentials.accessKeySecret, scopeDate: SigningTime.now().scopeDate)
        #expect(!dumped.contains(key.map(String.init).joined(separator: ", ")))
    }
}

/// A counter a closure can bump.
final class LockedCounter: Sendable {
    private let count = LockedValue(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
