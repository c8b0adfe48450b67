import Foundation
import OSSImage
import OSSImageProcess
import Testing

/// The report: equality and hashing over every field (issue 11 found fields left out), the
/// short text `oss verify` prints, and its JSON.
@Suite("VerificationReport")
struct VerificationReportTests {
    static let photo = try! SyntheticPhoto.jpeg(width: 200, height: 150, seed: 3)

    static func report() throws -> VerificationReport {
        let process = ImageProcess.circle(radius: 50).format(.png)
        return try ImageVerifier.verify(source: photo, process: process, output: try ImageProcessor.process(process, source: photo).bytes)
    }

    @Test("a change to any one field changes == and, for these changes, the hash")
    func equalityCoversEveryField() throws {
        let base = try Self.report()
        #expect(base == (try Self.report()))
        #expect(base.hashValue == (try Self.report()).hashValue)
        let changes: [(String, (inout VerificationReport) -> Void)] = [
            ("process", { $0.process = "image/circle,r_51" }),
            ("expectedFormat", { $0.expectedFormat = .webp }),
            ("actualFormat", { $0.actualFormat = .jpg }),
            ("expectedSize", { $0.expectedSize = (102, 101) }),
            ("actualSize", { $0.actualSize = (101, 100) }),
            ("placement", { $0.placement = (1, 0) }),
            ("maskIoU", { $0.maskIoU = 0.5 }),
            ("backgroundMatch", { $0.backgroundMatch = 0.25 }),
            ("psnr", { $0.psnr = 12 }),
            ("checks", { $0.checks[0].explanation += "!" }),
            ("check passed", { $0.checks[1].passed.toggle() }),
            ("check value", { $0.checks[2].value = 99 }),
        ]
        for (field, change) in changes {
            var changed = base
            change(&changed)
            #expect(changed != base, "== ignores \(field)")
            #expect(changed.hashValue != base.hashValue, "hash ignores \(field)")
            #expect(Set([base, changed]).count == 2, "\(field)")
        }
    }

    @Test("the text starts with the verdict and has a line per check")
    func description() throws {
        let report = try Self.report()
        let lines = report.description.split(separator: "\n")
        #expect(lines[0].hasPrefix("MATCH: format png (expected png), size 101x101 (expected 101x101), PSNR inf dB; \(report.checks.count) of \(report.checks.count) checks passed"), "\(report)")
        #expect(lines.count == 1 + report.checks.count)
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("  ok   ") }, "\(report)")
        var failed = report
        failed.checks[0].passed = false
        #expect(failed.description.hasPrefix("MISMATCH"))
        #expect(failed.failures.count == 1 && failed.failures[0].hasPrefix("FAIL format"))
        // No checks is no match.
        failed.checks = []
        #expect(!failed.matches)
    }

    @Test("JSON: every field, sizes and placement as objects, an infinite PSNR as null, strings escaped")
    func json() throws {
        var report = try Self.report()
        report.checks[0].explanation = "a \"quoted\" back\\slash, a tab\t, a newline\n and \u{1} control"
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["matches"] as? Bool == true)
        #expect(object["process"] as? String == "image/circle,r_50/format,png")
        #expect(object["expectedFormat"] as? String == "png" && object["actualFormat"] as? String == "png")
        #expect((object["expectedSize"] as? [String: Int]) == ["width": 101, "height": 101])
        #expect((object["placement"] as? [String: Int]) == ["x": 0, "y": 0])
        #expect(object["psnr"] is NSNull)
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.count == report.checks.count)
        #expect(checks[0]["explanation"] as? String == report.checks[0].explanation)
        #expect(Set(checks[0].keys) == ["name", "action", "measured", "value", "threshold", "passed", "explanation"])
    }

    @Test("an infinite value is kept out of a check's number")
    func infiniteValue() {
        let check = VerificationCheck(name: "pixels", measured: "PSNR inf dB", value: .infinity, threshold: ">= 35 dB", passed: true, explanation: "same")
        #expect(check.value == nil)
    }
}
