import OSSSigner
import Testing

@Suite("Signing time formats")
struct SigningTimeTests {
    @Test("formats and parses agree", arguments: [Int64(0), 951_782_400, 1_702_743_657, 1_709_164_799, 4_102_444_800, -86_401])
    func roundTrip(_ seconds: Int64) throws {
        let time = SigningTime(unixSeconds: seconds)
        #expect(SigningTime(iso8601Basic: time.iso8601Basic) == time)
        #expect(SigningTime(httpDate: time.httpDate) == time)
    }

    @Test("known instants")
    func known() {
        let time = SigningTime(unixSeconds: 1_702_743_657)
        #expect(time.iso8601Basic == "20231216T162057Z")
        #expect(time.scopeDate == "20231216")
        #expect(time.httpDate == "Sat, 16 Dec 2023 16:20:57 GMT")
        #expect(time.iso8601Extended == "2023-12-16T16:20:57.000Z")
        #expect(SigningTime(unixSeconds: 951_782_400).httpDate == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(SigningTime(unixSeconds: 0).httpDate == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test("malformed text is refused")
    func malformed() {
        #expect(SigningTime(iso8601Basic: "20231216 162057Z") == nil)
        #expect(SigningTime(iso8601Basic: "20231316T162057Z") == nil)
        #expect(SigningTime(httpDate: "Sat, 16 Dec 2023 16:20:57") == nil)
    }
}
