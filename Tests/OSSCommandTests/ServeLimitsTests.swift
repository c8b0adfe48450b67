import Testing

@testable import OSSCommand

@Suite("oss serve's image limits")
struct ServeLimitsTests {
    @Test("each image request is held to one core unless --image-cores says otherwise; 0 lifts the hold")
    func coresPerRequest() throws {
        #expect(try ServeLimitOptions.parse([]).imageProcessor().limits.coresPerJob == 1)
        #expect(try ServeLimitOptions.parse(["--image-cores", "0"]).imageProcessor().limits.coresPerJob == nil)
        #expect(try ServeLimitOptions.parse(["--image-cores", "3"]).imageProcessor().limits.coresPerJob == 3)
    }
}
