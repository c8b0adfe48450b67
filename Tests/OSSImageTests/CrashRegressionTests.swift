import OSSImage
import OSSImageProcess
import Testing

/// Inputs that trapped before the bounds were checked.
@Suite("Hostile inputs give typed errors, not traps")
struct CrashRegressionTests {
    static func png(width: Int, height: Int) throws -> [UInt8] {
        try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: width, height: height, seed: 5), as: .png)
    }

    /// A JPEG whose first segment is an APP1 of length 6 that is followed by the rest of "Exif\0\0":
    /// the old reader compared the six bytes past the segment's end and cut an inverted range.
    static func jpegWithShortEXIF() throws -> [UInt8] {
        let jpeg = try SyntheticPhoto.jpeg(width: 32, height: 24, seed: 2)
        return [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06] + Array("Exif".utf8) + [0, 0] + jpeg.dropFirst(2)
    }

    @Test("an EXIF segment shorter than its header: info and auto-orient still answer")
    func shortEXIF() throws {
        let source = try Self.jpegWithShortEXIF()
        let info = String(decoding: try ImageProcessor.process("image/info", source: source).bytes, as: UTF8.self)
        // The broken segment holds no fields: only the basic ones (OSS writes no Orientation
        // for a file without EXIF).
        #expect(info.contains("\"ImageWidth\": {\"value\": \"32\"}") && !info.contains("Orientation"))
        let upright = try ImageProcessor.process("image/auto-orient,1/format,png", source: source)
        #expect(upright.width == 32 && upright.height == 24)
    }

    @Test("a crop offset of Int.max is refused for every gravity, naming the parameter", arguments: Gravity.allCases)
    func cropOverflow(_ gravity: Gravity) throws {
        let source = try Self.png(width: 40, height: 30)
        for axis in ["x", "y"] {
            let text = "image/crop,w_50,h_20,\(axis)_\(Int.max),g_\(gravity.rawValue)"
            // Offsets move the start right and down from every gravity's origin (OSS's crop
            // table), so a huge one starts outside the image: OSS's BadRequest, never a trap.
            do {
                _ = try ImageProcessor.process(text, source: source)
                Issue.record("\(text) should start outside the image")
            } catch {
                #expect(error.code == "BadRequest" && error.status == 400, "\(text)")
                #expect(error.message.contains("crop parameter \(axis)"), "\(text): \(error.message)")
            }
        }
    }
}
