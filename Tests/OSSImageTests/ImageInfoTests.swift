import Foundation
import OSSImageProcess
import Testing

@testable import OSSImage

/// `info` byte for byte as OSS writes it, with EXIF fields named and written as OSS's answers show.
@Suite("info: OSS's exact JSON, with EXIF")
struct ImageInfoTests {
    static let fixtures = "../shared/fixtures/oss-image/"
    static var fixturesPresent: Bool { FileManager.default.fileExists(atPath: fixtures + "oss2-example.jpg") }

    /// The body the official SDKs' integration tests read back from the real service for a
    /// 100×100 JPEG, with `size` in place of that file's 3267 bytes.
    static func golden(size: Int) -> String {
        """
        {
            "FileSize": {"value": "\(size)"},
            "Format": {"value": "jpg"},
            "FrameCount": {"value": "1"},
            "ImageHeight": {"value": "100"},
            "ImageWidth": {"value": "100"},
            "ResolutionUnit": {"value": "1"},
            "XResolution": {"value": "1/1"},
            "YResolution": {"value": "1/1"}}
        """
    }

    static func info(_ source: [UInt8]) throws -> String {
        let result = try ImageProcessor.process("image/info", source: source)
        #expect(result.contentType == "application/json" && result.format == nil)
        return String(decoding: result.bytes, as: UTF8.self)
    }

    @Test("a 100×100 JPEG with JFIF density 1/1 (no unit) gives exactly OSS's body")
    func golden() throws {
        let jpeg = try SyntheticPhoto.jpeg(width: 100, height: 100, seed: 3)
        // libjpeg writes JFIF 1.01 with unit 0 and density 1:1, as the fixture has.
        #expect(Array(jpeg[11..<18]) == [1, 1, 0, 0, 1, 0, 1])
        let body = try Self.info(jpeg)
        #expect(body == Self.golden(size: jpeg.count))
        #expect(!body.hasSuffix("\n"))
        // And it is JSON.
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [String: String]]
        #expect(object?["ImageWidth"]?["value"] == "100")
    }

    // Needs the official SDKs' fixtures beside the repository (../shared/fixtures/oss-image).
    @Test("the real service's facts on oss2-example.jpg: info of the resize is OSS's body; format,png is 400×267 PNG; rotate,90 is 267×400 JPG",
          .enabled(if: fixturesPresent))
    func fixtureFacts() throws {
        let source = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "oss2-example.jpg")))
        // The docs' own answer for example.jpg.
        #expect(try Self.info(source) == """
            {
                "FileSize": {"value": "21839"},
                "Format": {"value": "jpg"},
                "FrameCount": {"value": "1"},
                "ImageHeight": {"value": "267"},
                "ImageWidth": {"value": "400"},
                "ResolutionUnit": {"value": "1"},
                "XResolution": {"value": "1/1"},
                "YResolution": {"value": "1/1"}}
            """)
        let resized = try ImageProcessor.process("image/resize,m_fixed,w_100,h_100", source: source)
        #expect(resized.format == .jpg && resized.width == 100 && resized.height == 100)
        #expect(try Self.info(resized.bytes) == Self.golden(size: resized.bytes.count))
        let png = try ImageProcessor.process("image/format,png", source: source)
        let pngSize = try ImageCodecs.dimensions(png.bytes)
        #expect(png.format == .png && ImageCodecs.detectFormat(png.bytes) == .png && pngSize == (400, 267, .png))
        let rotated = try ImageProcessor.process("image/rotate,90", source: source)
        let rotatedSize = try ImageCodecs.dimensions(rotated.bytes)
        #expect(rotated.format == .jpg && rotatedSize == (267, 400, .jpg))
        #expect(try ImageCodecs.dimensions(resized.bytes) == (100, 100, .jpg))
    }

    /// An APP1 EXIF segment (big-endian TIFF) inserted after the JPEG's SOI: IFD0 with Make (a
    /// string with a quote, a backslash and a tab), Orientation, XResolution, ResolutionUnit and
    /// links to the Exif and GPS directories; IFD1 with the thumbnail's Compression and offset.
    static func jpegWithEXIF() throws -> [UInt8] {
        var tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8]
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func entry(_ tag: Int, _ type: Int, _ count: Int, _ value: [UInt8]) -> [UInt8] { u16(tag) + u16(type) + u32(count) + value }
        // Layout: IFD0 at 8 (6 entries), then its data; Exif IFD; GPS IFD; IFD1.
        let make = Array("Can\"on\\\t".utf8) + [0]
        let ifd0Size = 2 + 6 * 12 + 4
        let makeAt = 8 + ifd0Size, xresAt = makeAt + make.count
        let exifAt = xresAt + 8
        let exifSize = 2 + 3 * 12 + 4
        let dateAt = exifAt + exifSize
        let date = Array("2019:08:16 15:54:15".utf8) + [0]
        let gpsAt = dateAt + date.count
        let gpsSize = 2 + 4 * 12 + 4
        let latAt = gpsAt + gpsSize
        let ifd1At = latAt + 48
        tiff += u16(6)
        tiff += entry(0x010F, 2, make.count, u32(makeAt))
        tiff += entry(0x0112, 3, 1, u16(6) + [0, 0])
        tiff += entry(0x011A, 5, 1, u32(xresAt))
        tiff += entry(0x0128, 3, 1, u16(2) + [0, 0])
        tiff += entry(0x8769, 4, 1, u32(exifAt))
        tiff += entry(0x8825, 4, 1, u32(gpsAt))
        tiff += u32(ifd1At)
        tiff += make + u32(72) + u32(1)
        tiff += u16(3)
        tiff += entry(0x9003, 2, date.count, u32(dateAt))
        tiff += entry(0x9000, 7, 4, Array("0230".utf8))
        tiff += entry(0xA002, 4, 1, u32(1474))
        tiff += u32(0)
        tiff += date
        tiff += u16(4)
        tiff += entry(0x0000, 1, 4, [2, 2, 0, 0])
        tiff += entry(0x0001, 2, 2, Array("N".utf8) + [0, 0, 0])
        tiff += entry(0x0002, 5, 3, u32(latAt))
        tiff += entry(0x0004, 5, 3, u32(latAt + 24))
        tiff += u32(0)
        tiff += u32(31) + u32(1) + u32(55) + u32(1) + u32(3870) + u32(1000) // 31deg 55' 3.870"
        tiff += u32(0) + u32(1) + u32(0) + u32(1) + u32(0) + u32(1)         // 0deg
        tiff += u16(2)
        tiff += entry(0x0103, 3, 1, u16(6) + [0, 0])
        tiff += entry(0x011A, 5, 1, u32(xresAt)) // IFD0's XResolution wins
        tiff += u32(0)
        let jpeg = try SyntheticPhoto.jpeg(width: 20, height: 10)
        let payload = Array("Exif\0\0".utf8) + tiff
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload + jpeg.dropFirst(2)
    }

    @Test("EXIF fields: exiv2's names, plain values, GPS as OSS prints it, IFD1 merged, strings escaped")
    func exifFields() throws {
        let source = try Self.jpegWithEXIF()
        let body = try Self.info(source)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [String: String]])
        let values = object.mapValues { $0["value"]! }
        #expect(values["Make"] == "Can\"on\\\t")
        #expect(values["Orientation"] == "6")
        #expect(values["XResolution"] == "72/1" && values["ResolutionUnit"] == "2" && values["YResolution"] == nil)
        #expect(values["DateTimeOriginal"] == "2019:08:16 15:54:15")
        #expect(values["ExifVersion"] == "48 50 51 48")
        #expect(values["PixelXDimension"] == "1474")
        #expect(values["GPSVersionID"] == "2 2 0 0" && values["GPSLatitudeRef"] == "North")
        #expect(values["GPSLatitude"] == "31deg 55' 3.870\" " && values["GPSLongitude"] == "0deg ")
        #expect(values["Compression"] == "6")
        #expect(values["ExifTag"] != nil && values["GPSTag"] != nil)
        #expect(values["ImageWidth"] == "20" && values["FrameCount"] == "1")
        // The escapes, as written.
        #expect(body.contains(#""Make": {"value": "Can\"on\\\t"}"#))
        // Keys in byte order: "GPSVersionID" < "ImageHeight" < "Make".
        let keys = body.split(separator: "\n").dropFirst().map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test("hostile EXIF: links in a loop, offsets past the end, huge counts, unknown types: fields skipped, never a crash")
    func hostileEXIF() throws {
        var base = try Self.jpegWithEXIF()
        var random = SeededGenerator(seed: 7)
        for _ in 0..<400 {
            var bytes = base
            for _ in 0..<4 {
                let value = random.next()
                bytes[12 + Int(value >> 33) % 300] = UInt8(truncatingIfNeeded: value >> 24)
            }
            _ = try? Self.info(bytes)
        }
        // IFD0's next link pointing back at IFD0.
        base[12 + 8 + 2 + 6 * 12 + 3] = 8; base[12 + 8 + 2 + 6 * 12 + 2] = 0; base[12 + 8 + 2 + 6 * 12 + 1] = 0; base[12 + 8 + 2 + 6 * 12] = 0
        #expect(try Self.info(base).contains("\"Make\""))
    }

    @Test("format names, frame counts and densities of every format")
    func formats() throws {
        let photo = try SyntheticPhoto.bitmap(width: 12, height: 8)
        for format in ImageFormat.allCases {
            let body = try Self.info(try ImageCodecs.encode(photo, as: format))
            #expect(body.contains("\"Format\": {\"value\": \"\(format.rawValue)\"}") && body.contains("\"ImageWidth\": {\"value\": \"12\"}"), "\(format)")
            #expect(body.contains("\"FrameCount\": {\"value\": \"1\"}"), "\(format)")
        }
        let png = FormatTestFiles.png(width: 1, height: 1, colorType: 0, bitDepth: 8, rows: [9], density: (2835, 2835, 1))
        let body = try Self.info(png)
        #expect(body.contains("\"ResolutionUnit\": {\"value\": \"3\"}") && body.contains("\"YResolution\": {\"value\": \"2835/100\"}"))
        // A PNG without pHYs has no resolution fields (OSS documents none for it).
        #expect(!(try Self.info(try ImageCodecs.encode(photo, as: .png))).contains("Resolution"))
    }

    @Test("info must be the last action and does not decode: a bomb's header is described, not refused")
    func infoOfBomb() throws {
        let bomb = ImageCodecs.encodePNGHeaderForTests(width: 20_000, height: 12_000)
        #expect(try Self.info(bomb).contains("\"ImageWidth\": {\"value\": \"20000\"}"))
    }
}
