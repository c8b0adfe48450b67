import Foundation
import OSSImage
import OSSImageProcess
import Testing

/// Verification of watermarks (text and image) and of the formats beyond JPEG/PNG/WebP/BMP (GIF,
/// TIFF, HEIC, AVIF): our own output passes, a wrong one is rejected by the check that names the
/// mistake, and a text mark drawn by another renderer with another font is accepted.
@Suite("ImageVerifier: watermarks and every format")
struct VerifierWatermarkFormatTests {
    static let photo = try! SyntheticPhoto.jpeg(width: 320, height: 240, seed: 11)
    /// A small opaque logo with a transparent border, the object `image_` names.
    static let logo: [UInt8] = {
        var bitmap = try! Bitmap(width: 60, height: 40, channels: 4, fill: [0, 0, 0, 0])
        for y in 4..<36 { for x in 4..<56 {
            let i = (y * 60 + x) * 4
            bitmap.pixels[i] = x < 30 ? 230 : 20; bitmap.pixels[i + 1] = 40; bitmap.pixels[i + 2] = y < 20 ? 200 : 60; bitmap.pixels[i + 3] = 255
        } }
        return try! ImageCodecs.encode(bitmap, as: .png)
    }()
    static let images = ["logo.png": logo]
    static let gif: [UInt8] = try! ImageCodecs.encode(try! ImageCodecs.decode(SyntheticPhoto.jpeg(width: 160, height: 120, seed: 5)).0, as: .gif)

    static func b64(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }
    static let hello = "text_" + b64("Hello 图片服务!")
    static let logoKey = "image_" + b64("logo.png")
    static let smallLogoKey = "image_" + b64("logo.png?x-oss-process=image/resize,P_50")

    static func output(_ process: String, source: [UInt8] = photo) throws -> [UInt8] {
        try ImageProcessor.process(process, source: source, watermarkImages: images).bytes
    }

    static func verify(_ process: String, output: [UInt8], source: [UInt8] = photo) throws -> VerificationReport {
        try ImageVerifier.verify(source: source, process: ImageProcess(parsing: process), output: output, watermarkImages: images)
    }

    static func failed(_ report: VerificationReport) -> Set<String> { Set(report.checks.filter { !$0.passed }.map(\.name)) }

    static let processes: [(String, [String])] = [
        ("image/watermark,\(hello)", ["watermark", "watermark placement", "watermark colour", "pixels"]),
        ("image/watermark,\(hello),color_FF0000,size_30,g_nw,x_20,y_20", ["watermark", "watermark placement", "watermark colour"]),
        ("image/watermark,\(hello),g_center,voffset_20,t_70,shadow_50", ["watermark", "watermark placement"]),
        ("image/watermark,\(hello),rotate_30,g_center,color_FFFFFF", ["watermark", "watermark placement"]),
        ("image/watermark,\(hello),fill_1,size_20,color_FFFF00", ["watermark", "watermark placement"]),
        ("image/watermark,\(logoKey),g_ne", ["watermark", "watermark placement", "pixels"]),
        ("image/watermark,\(smallLogoKey),\(hello),order_1,align_1,interval_10,g_sw,size_24", ["watermark", "watermark placement"]),
        ("image/resize,w_200/watermark,\(hello),size_20,g_south/format,png", ["watermark", "watermark placement", "size"]),
        ("image/format,tiff", ["format", "pixels"]),
        ("image/format,heic", ["format", "pixels"]),
        ("image/format,avif", ["format", "pixels"]),
        ("image/rotate,45/format,avif", ["format", "shape", "background"]),
        ("image/circle,r_80/format,tiff", ["format", "shape", "background"]),
    ]

    @Test("our own kernel's output passes every check", arguments: processes)
    func acceptsOwnOutput(process: String, expectedChecks: [String]) throws {
        let report = try Self.verify(process, output: try Self.output(process))
        #expect(report.matches, "\(report)")
        let names = Set(report.checks.map(\.name))
        for name in expectedChecks { #expect(names.contains(name), "\(process): no \(name) check in \(report)") }
    }

    @Test("GIF sources: a resize stays GIF and passes; PNG where GIF is kept is the wrong format",
          arguments: ["image/resize,w_80", "image/format,gif", "image/crop,w_100,h_80,g_center/format,png"])
    func gifSource(process: String) throws {
        let good = try Self.output(process, source: Self.gif)
        let report = try Self.verify(process, output: good, source: Self.gif)
        #expect(report.matches, "\(report)")
        let wrongFormat: ImageFormat = report.expectedFormat == .gif ? .png : .gif
        let wrong = try Self.output(process + "/format,\(wrongFormat.rawValue)", source: Self.gif)
        #expect(Self.failed(try Self.verify(process, output: wrong, source: Self.gif)).contains("format"))
    }

    /// (process asked for, process that made the wrong output, the checks that must fail)
    static let mistakes: [(String, String, Set<String>)] = [
        // No mark at all.
        ("image/watermark,\(hello)", "image/format,jpg", ["watermark"]),
        ("image/watermark,\(logoKey),g_ne", "image/format,jpg", ["watermark"]),
        // The wrong corner, the wrong margin, the wrong vertical offset.
        ("image/watermark,\(hello)", "image/watermark,\(hello),g_nw", ["watermark", "watermark placement"]),
        ("image/watermark,\(hello),x_10", "image/watermark,\(hello),x_30", ["watermark placement"]),
        ("image/watermark,\(hello),g_east,voffset_0", "image/watermark,\(hello),g_east,voffset_30", ["watermark placement"]),
        ("image/watermark,\(logoKey),g_ne", "image/watermark,\(logoKey),g_sw", ["watermark", "watermark placement"]),
        ("image/watermark,\(logoKey),g_ne,y_10", "image/watermark,\(logoKey),g_ne,y_25", ["watermark placement"]),
        // Twice the size, the wrong colour.
        ("image/watermark,\(hello),size_30,g_nw", "image/watermark,\(hello),size_60,g_nw", ["watermark placement"]),
        ("image/watermark,\(hello),color_FF0000", "image/watermark,\(hello),color_0000FF", ["watermark colour"]),
        // Wrong formats among the new ones.
        ("image/format,heic", "image/format,avif", ["format"]),
        ("image/format,avif", "image/format,heic", ["format"]),
        ("image/format,tiff", "image/format,png", ["format"]),
        ("image/format,bmp", "image/format,tiff", ["format"]),
        ("image/format,avif", "image/format,webp", ["format"]),
    ]

    @Test("a wrong output is rejected by the check that names the mistake", arguments: mistakes)
    func rejectsMistake(asked: String, made: String, failing: Set<String>) throws {
        let report = try Self.verify(asked, output: try Self.output(made))
        #expect(!report.matches, "\(asked) accepted the output of \(made): \(report)")
        #expect(failing.isSubset(of: Self.failed(report)), "\(asked) vs \(made): \(report)")
    }

    @Test("the watermark check says what it found: a missing mark, and where a misplaced one is")
    func explanations() throws {
        let missing = try Self.verify("image/watermark,\(Self.hello)", output: try Self.output("image/format,jpg"))
        let presence = try #require(missing.checks.first { $0.name == "watermark" })
        #expect(presence.explanation.contains("missing"), "\(presence)")
        let moved = try Self.verify("image/watermark,\(Self.hello)", output: try Self.output("image/watermark,\(Self.hello),g_nw"))
        let placement = try #require(moved.checks.first { $0.name == "watermark placement" })
        #expect(placement.explanation.hasPrefix("misplaced mark") && placement.explanation.contains("outside our mark's box"), "\(placement)")
    }
}
