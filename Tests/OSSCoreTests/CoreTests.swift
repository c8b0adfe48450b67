import OSSCore
import Testing

/// The shared pieces every module now takes from `OSSCore` instead of keeping its own copy.
@Suite("OSSCore: base64, header lookup, trimming")
struct CoreTests {
    @Test("standard base64 matches RFC 4648's test vectors both ways")
    func rfcVectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8), "\(encoded)")
        }
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF]
        #expect(Base64.encode(bytes) == "+/+/")
        #expect(Base64.encodeURLSafe(bytes) == "-_-_")
        #expect(Base64.encodeURLSafe(Array("f".utf8)) == "Zg")
    }

    @Test("strict decoding refuses every spelling but the canonical one", arguments: [
        "Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm9v Zg==", "Zm9v\n", "Zg==Zg==", "=Zg=", "-_-_", "Zm9v!", "Zm8==",
    ])
    func strictRefusals(_ text: String) {
        #expect(Base64.decode(text) == nil, "\(text)")
    }

    @Test("URL-safe decoding reads either alphabet, padded or not, and nothing else")
    func urlSafeDecoding() {
        #expect(Base64.decodeURLSafe(Array("-_-_".utf8)) == [0xFB, 0xFF, 0xBF])
        #expect(Base64.decodeURLSafe(Array("+/+/".utf8)) == [0xFB, 0xFF, 0xBF])
        #expect(Base64.decodeURLSafe(Array("Zg".utf8)) == Array("f".utf8))
        #expect(Base64.decodeURLSafe(Array("Zg==".utf8)) == Array("f".utf8))
        for bad in ["Z", "Zg=", "Z=g", "Zg===", "Zm9vY", "a b", "Zg==="] {
            #expect(Base64.decodeURLSafe(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test("random bytes round-trip through both alphabets")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<64 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(Base64.decodeURLSafe(Array(Base64.encodeURLSafe(bytes).utf8)) == bytes)
        }
    }

    @Test("header names compare ASCII case-insensitively, and only ASCII")
    func headerLookup() {
        var headers = [HTTPHeaderField("Content-Type", "a"), HTTPHeaderField("x-oss-meta-A", "1"), HTTPHeaderField("X-OSS-META-a", "2")]
        #expect(headers.value(forHeader: "content-type") == "a")
        #expect(headers.value(forHeader: "CONTENT-TYPE") == "a")
        #expect(headers.value(forHeader: "Content-Typ") == nil)
        #expect(headers.value(forHeader: "Content-Typee") == nil)
        #expect(headers.containsHeader("X-Oss-Meta-A"))
        // "K" and the Kelvin sign fold together in Unicode, never in a header name.
        #expect(!HTTPHeaderName.equal("K", "\u{212A}"))
        headers.setHeader("x-oss-meta-a", "3")
        #expect(headers == [HTTPHeaderField("Content-Type", "a"), HTTPHeaderField("x-oss-meta-A", "3")])
        headers.removeHeader("CONTENT-type")
        #expect(headers == [HTTPHeaderField("x-oss-meta-A", "3")])
        let pairs: [(name: String, value: String)] = [(name: "Host", value: "h")]
        #expect(pairs.value(forHeader: "host") == "h")
    }

    @Test("trimming removes ASCII blanks only, line breaks when asked")
    func trimming() {
        #expect(" \t a b \t ".trimmingWhitespace() == "a b")
        #expect("\r\n a \r\n".trimmingWhitespace() == "a")
        #expect("\r\n a \r\n".trimmingWhitespace(lineBreaks: false) == "\r\n a \r\n")
        #expect(" a\u{00A0}".trimmingWhitespace() == "a\u{00A0}")
        #expect("   ".trimmingWhitespace() == "")
        #expect(" é ".trimmingWhitespace() == "é")
    }

    @Test("naming rules and the MIME table")
    func namingAndMedia() {
        #expect(NamingRules.bucketNameViolation("examplebucket") == nil)
        #expect(NamingRules.bucketNameViolation("ab") == .length(2))
        #expect(NamingRules.bucketNameViolation("Example") == .characters)
        #expect(NamingRules.bucketNameViolation("-abc") == .edgeDash)
        #expect(NamingRules.objectKeyViolation("a/../b") == nil)
        #expect(NamingRules.objectKeyViolation("/a") == .leadingSlash)
        #expect(NamingRules.objectKeyViolation("") == .empty)
        #expect(NamingRules.objectKeyViolation(String(repeating: "a", count: 1024)) == .tooLong(1024))
        #expect(NamingRules.objectKeyViolation("a\u{0}b") == .nul)
        #expect(MediaTypes.guess(forKey: "dir/Photo.JPG") == "image/jpeg")
        #expect(MediaTypes.guess(forKey: "dir.png/file") == "application/octet-stream")
    }
}
