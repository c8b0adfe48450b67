import OSSSigner
import Testing

@Suite("Percent-encoding")
struct PercentEncodingTests {
    @Test("unreserved bytes pass, everything else is uppercase %XX, exactly once")
    func unreservedSet() {
        #expect(OSSPercentEncoding.encodePath("a-b_c.d~e/f") == "a-b_c.d~e/f")
        #expect(OSSPercentEncoding.encodeQueryComponent("a-b_c.d~e/f") == "a-b_c.d~e%2Ff")
        #expect(OSSPercentEncoding.encodePath("a b+c") == "a%20b%2Bc")
        #expect(OSSPercentEncoding.encodePath("100%") == "100%25")
        // An already-encoded sequence is data, not an escape: encoding twice must differ.
        #expect(OSSPercentEncoding.encodePath("%2F") == "%252F")
        #expect(OSSPercentEncoding.encodePath("中") == "%E4%B8%AD")
        #expect(OSSPercentEncoding.encodePath("😀") == "%F0%9F%98%80")
        #expect(OSSPercentEncoding.encodeQueryComponent("image/circle,r_100") == "image%2Fcircle%2Cr_100")
    }

    @Test("decoding keeps + apart from space unless asked")
    func decode() {
        #expect(OSSPercentEncoding.decode("a+b%20c", plusIsSpace: false) == "a+b c")
        #expect(OSSPercentEncoding.decode("a+b%20c", plusIsSpace: true) == "a b c")
        #expect(OSSPercentEncoding.decode("%E4%B8%AD", plusIsSpace: false) == "中")
        #expect(OSSPercentEncoding.decode("%zz", plusIsSpace: false) == nil)
        #expect(OSSPercentEncoding.decode("%FF", plusIsSpace: false) == nil)
    }

    @Test("encode then decode round-trips any string", arguments: ["a b+c/d~e", "中文 a+b%c~d.jpg", "q?a=1&b=2#frag", "  "])
    func roundTrip(_ raw: String) {
        #expect(OSSPercentEncoding.decode(Substring(OSSPercentEncoding.encodeQueryComponent(raw)), plusIsSpace: true) == raw)
        #expect(OSSPercentEncoding.decode(Substring(OSSPercentEncoding.encodePath(raw)), plusIsSpace: false) == raw)
    }
}
