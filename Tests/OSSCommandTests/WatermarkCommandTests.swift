import Foundation
import Testing

/// `oss image` with watermarks: text, and image watermarks read from a folder that plays the
/// bucket (the source's folder, or `--objects`).
@Suite("oss image with watermarks")
struct WatermarkCommandTests {
    static func b64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test("text and image watermarks run; a watermark image missing from the folder is OSS's 404, on one error line")
    func watermarks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-image-wm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/brand", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try ImageCrashTests.run(["sample", folder + "/photo.jpg", "--width", "300", "--height", "200"]).status == 0)
        #expect(try ImageCrashTests.run(["sample", folder + "/brand/logo.jpg", "--width", "40", "--height", "30", "--seed", "2"]).status == 0)

        let text = try ImageCrashTests.run(["image", folder + "/photo.jpg", folder + "/text.jpg", "--process", "image/watermark,text_\(Self.b64("图片服务"))"])
        #expect(text.status == 0 && text.stderr.contains("300x200"), "\(text.stderr)")

        let logo = "image/watermark,image_\(Self.b64("brand/logo.jpg?x-oss-process=image/resize,P_20")),t_80/format,png"
        let marked = try ImageCrashTests.run(["image", folder + "/photo.jpg", folder + "/marked.png", "--process", logo])
        #expect(marked.status == 0 && marked.stderr.contains("300x200 image/png"), "\(marked.stderr)")

        // The photo elsewhere: --objects names the folder the keys are read from.
        try FileManager.default.createDirectory(atPath: folder + "/elsewhere", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/photo.jpg", toPath: folder + "/elsewhere/photo.jpg")
        let objects = try ImageCrashTests.run(["image", folder + "/elsewhere/photo.jpg", folder + "/objects.png", "--process", logo, "--objects", folder])
        #expect(objects.status == 0, "\(objects.stderr)")
        let missing = try ImageCrashTests.run(["image", folder + "/elsewhere/photo.jpg", folder + "/missing.png", "--process", logo])
        #expect(missing.status == 1 && !missing.signalled)
        #expect(missing.stderr.contains("NoSuchKey") && missing.stderr.contains("brand/logo.jpg"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/missing.png"))
        // A key never leaves the folder.
        let outside = "image/watermark,image_\(Self.b64("../photo.jpg"))"
        let escaped = try ImageCrashTests.run(["image", folder + "/elsewhere/photo.jpg", folder + "/escaped.png", "--process", outside])
        #expect(escaped.status == 1 && !FileManager.default.fileExists(atPath: folder + "/escaped.png"), "\(escaped.stderr)")
    }
}
