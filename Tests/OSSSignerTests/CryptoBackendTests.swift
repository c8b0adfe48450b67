import OSSCrypto
import Testing

/// Known answers from the RFCs, for whichever backend this build holds: OpenSSL (Linux default),
/// swift-crypto (`--traits SwiftCrypto`) or CryptoKit (Apple platforms).
@Suite("Crypto backend")
struct CryptoBackendTests {
    let jefe = Array("Jefe".utf8)
    let question = Array("what do ya want for nothing?".utf8)

    @Test("this build uses the backend its platform and traits call for")
    func backend() {
        #if canImport(CryptoKit)
        #expect(Crypto.backendName == "CryptoKit")
        #elseif SwiftCrypto
        #expect(Crypto.backendName == "swift-crypto")
        #else
        #expect(Crypto.backendName == "OpenSSL")
        #endif
    }

    @Test("HMAC-SHA256 (RFC 4231 cases 2 and 6) and HMAC-SHA1 (RFC 2202 case 2)")
    func hmac() {
        #expect(Crypto.hmacSHA256(key: jefe, data: question).hexString == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let longKey = [UInt8](repeating: 0xAA, count: 131)
        let longKeyData = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        #expect(Crypto.hmacSHA256(key: longKey, data: longKeyData).hexString == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(Crypto.hmacSHA1(key: jefe, data: question).hexString == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test("SHA-256 and MD5, whole and streamed in pieces")
    func digests() {
        #expect(Crypto.sha256([UInt8]()).hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Crypto.sha256(Array("abc".utf8)).hexString == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Crypto.md5([UInt8]()).hexString == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Crypto.md5(Array("abc".utf8)).hexString == "900150983cd24fb0d6963f7d28e17f72")

        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for algorithm in [StreamingDigest.Algorithm.md5, .sha256] {
            var streamed = StreamingDigest(algorithm)
            streamed.update(data[..<1])
            streamed.update([UInt8]())
            data[1..<70_001].withUnsafeBytes { streamed.update($0) }
            streamed.update(data[70_001...])
            let whole = algorithm == .md5 ? Crypto.md5(data) : Crypto.sha256(data)
            #expect(streamed.finalize() == whole, "\(algorithm)")
        }
    }
}
