import Testing

@testable import OSSCommand

@Suite("The progress bar")
struct ProgressBarTests {
    @Test("a body longer than its Content-Length keeps the bar full instead of trapping")
    func longerThanAnnounced() {
        let line = ProgressBar.line(bytes: 3_000, total: 1_000)
        #expect(line == "\r[" + String(repeating: "#", count: 30) + "] 100% 2 KiB")
        let huge = ProgressBar.line(bytes: .max, total: 1)
        #expect(huge.contains("100%"))
    }

    @Test("ordinary, empty, unknown and nonsensical totals")
    func otherTotals() {
        #expect(ProgressBar.line(bytes: 512 * 1024, total: 1024 * 1024)
            == "\r[" + String(repeating: "#", count: 15) + String(repeating: " ", count: 15) + "]  50% 512 KiB")
        #expect(ProgressBar.line(bytes: 0, total: 1_000) == "\r[" + String(repeating: " ", count: 30) + "]   0% 0 KiB")
        #expect(ProgressBar.line(bytes: 2048, total: nil) == "\r2 KiB")
        #expect(ProgressBar.line(bytes: 2048, total: 0) == "\r2 KiB")
        #expect(ProgressBar.line(bytes: 2048, total: -5) == "\r2 KiB")
        #expect(ProgressBar.line(bytes: -10, total: 100) == "\r[" + String(repeating: " ", count: 30) + "]   0% 0 KiB")
    }
}
