import Foundation
import Testing

/// `oss verify`: exit 0 on a match, 1 on a mismatch, 2 on bad input; text by default, JSON with
/// `--json`.
@Suite("oss verify")
struct VerifyCommandTests {
    final class Files {
        let folder: String
        var photo: String { folder + "/photo.jpg" }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-verify-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let sample = try ImageCrashTests.run(["sample", photo, "--width", "320", "--height", "240"])
            guard sample.status == 0 else { throw CocoaError(.fileWriteUnknown) }
        }

        /// `oss image` of the photo, written to `name`.
        func processed(_ process: String, _ name: String) throws -> String {
            let path = folder + "/" + name
            let result = try ImageCrashTests.run(["image", photo, path, "--process", process])
            guard result.status == 0 else { throw CocoaError(.fileWriteUnknown) }
            return path
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }
    }

    @Test("a match exits 0 and prints MATCH and a line per check")
    func match() throws {
        let files = try Files()
        let output = try files.processed("image/resize,w_160/bright,20", "out.jpg")
        let result = try ImageCrashTests.run(["verify", "--source", files.photo, "--process", "image/resize,w_160/bright,20", output])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("MATCH: format jpg (expected jpg), size 160x120 (expected 160x120)"), "\(result.stdout)")
        #expect(result.stdout.contains("ok   tone [bright,20]:"), "\(result.stdout)")
    }

    @Test("a mismatch exits 1 and names the failed check")
    func mismatch() throws {
        let files = try Files()
        let output = try files.processed("image/bright,-20", "dark.jpg")
        let result = try ImageCrashTests.run(["verify", "--source", files.photo, "--process", "image/bright,20", output])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("MISMATCH"))
        #expect(result.stdout.contains("FAIL tone [bright,20]:"), "\(result.stdout)")
    }

    @Test("--json prints one object with the verdict and every check; the exit status is the same")
    func json() throws {
        let files = try Files()
        let output = try files.processed("image/crop,w_100,h_100,g_se", "crop.jpg")
        for (process, status) in [("image/crop,w_100,h_100,g_se", Int32(0)), ("image/crop,w_100,h_100,g_nw", 1)] {
            let result = try ImageCrashTests.run(["verify", "--json", "--source", files.photo, "--process", process, output])
            #expect(result.status == status, "\(result.stdout)\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
            #expect(object["matches"] as? Bool == (status == 0))
            #expect(object["process"] as? String == process)
            let checks = try #require(object["checks"] as? [[String: Any]])
            #expect(checks.contains { $0["name"] as? String == "placement" })
            #expect(checks.allSatisfy { $0["passed"] is Bool && $0["explanation"] is String })
        }
    }

    @Test("watermarks: an image mark is read from the source's folder (or --objects), a missing text mark fails the watermark check")
    func watermarks() throws {
        let files = try Files()
        _ = try files.processed("image/resize,w_60/format,png", "logo.png")
        let process = "image/watermark,image_bG9nby5wbmc,g_nw"
        let marked = try files.processed(process, "marked.jpg")
        let match = try ImageCrashTests.run(["verify", "--source", files.photo, "--process", process, marked])
        #expect(match.status == 0 && match.stdout.contains("ok   watermark placement [watermark,image_bG9nby5wbmc,g_nw]"), "\(match.stdout)\(match.stderr)")
        // The same, with the bucket's folder named.
        let named = try ImageCrashTests.run(["verify", "--objects", files.folder, "--source", files.photo, "--process", process, marked])
        #expect(named.status == 0, "\(named.stdout)\(named.stderr)")
        // A folder without the object: the engine answers 404 for it, so the process cannot be run.
        let empty = files.folder + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let noObject = try ImageCrashTests.run(["verify", "--objects", empty, "--source", files.photo, "--process", process, marked])
        #expect(noObject.status == 2 && noObject.stderr.hasPrefix("oss: "), "\(noObject.stdout)\(noObject.stderr)")
        // A text mark asked for, none given.
        let plain = try files.processed("image/format,jpg", "plain.jpg")
        let missing = try ImageCrashTests.run(["verify", "--source", files.photo, "--process", "image/watermark,text_SGVsbG8", plain])
        #expect(missing.status == 1 && missing.stdout.contains("FAIL watermark [watermark,text_SGVsbG8]") && missing.stdout.contains("missing"), "\(missing.stdout)")
    }

    @Test("bad input exits 2 with an error line: a missing file, a process the kernels refuse, an output that is not an image")
    func badInput() throws {
        let files = try Files()
        let output = try files.processed("image/format,png", "out.png")
        let missing = try ImageCrashTests.run(["verify", "--source", files.folder + "/missing.jpg", "--process", "image/format,png", output])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("oss: reading ") && missing.stderr.contains("missing.jpg"), "\(missing.stderr)")
        let missingOutput = try ImageCrashTests.run(["verify", "--source", files.photo, "--process", "image/format,png", files.folder + "/nothing.png"])
        #expect(missingOutput.status == 2, "\(missingOutput.stderr)")
        let refused = try ImageCrashTests.run(["verify", "--source", files.photo, "--process", "image/circle,r_0", output])
        #expect(refused.status == 2 && refused.stderr.hasPrefix("oss: "), "\(refused.stderr)")
        try Data("<Error><Code>AccessDenied</Code></Error>".utf8).write(to: URL(fileURLWithPath: files.folder + "/error.xml"))
        let notImage = try ImageCrashTests.run(["verify", "--source", files.photo, "--process", "image/format,png", files.folder + "/error.xml"])
        #expect(notImage.status == 2 && notImage.stderr.hasPrefix("oss: "), "\(notImage.stderr)")
    }
}
