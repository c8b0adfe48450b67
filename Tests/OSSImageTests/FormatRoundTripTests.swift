import OSSImageProcess
import Testing

@testable import OSSImage

/// Every format written and read back: sizes exact, pixels within each codec's tolerance, and the
/// process language's `format` reaching every writer (nothing answers 501 for gif, tiff, heic or
/// avif).
@Suite("Formats: round trips and format conversion")
struct FormatRoundTripTests {
    static let photo = try! SyntheticPhoto.bitmap(width: 67, height: 45, seed: 11)

    /// Mean error per sample each format may add to a photo at quality 90 (lossless: 0).
    static let tolerance: [ImageFormat: Double] = [.png: 0, .bmp: 0, .tiff: 0, .jpg: 4, .webp: 5, .gif: 9, .heic: 5, .avif: 5]

    @Test("RGB photo round trip", arguments: ImageFormat.allCases)
    func rgbRoundTrip(_ format: ImageFormat) throws {
        let bytes = try ImageCodecs.encode(Self.photo, as: format, options: ImageCodecs.EncodeOptions(quality: 90))
        #expect(ImageCodecs.detectFormat(bytes) == format)
        let (decoded, detected) = try ImageCodecs.decode(bytes, channels: 3)
        #expect(detected == format)
        #expect(decoded.width == 67 && decoded.height == 45)
        let error = FormatTestFiles.meanError(decoded, Self.photo)
        #expect(error <= Self.tolerance[format]!, "\(format): mean error \(error)")
    }

    @Test("RGBA round trip keeps alpha where the format has it", arguments: [ImageFormat.png, .tiff, .webp, .heic, .avif, .gif, .bmp])
    func rgbaRoundTrip(_ format: ImageFormat) throws {
        var rgba = Self.photo.withAlpha()
        // Left half opaque, right half transparent (GIF: one bit; the others: exact or close).
        for y in 0..<rgba.height { for x in (rgba.width / 2)..<rgba.width { rgba.pixels[(y * rgba.width + x) * 4 + 3] = 0 } }
        let bytes = try ImageCodecs.encode(rgba, as: format, options: ImageCodecs.EncodeOptions(quality: 90))
        let (decoded, _) = try ImageCodecs.decode(bytes, channels: 4)
        #expect(decoded.width == rgba.width && decoded.height == rgba.height)
        var alphaError = 0
        for i in 0..<(rgba.width * rgba.height) { alphaError = max(alphaError, abs(Int(decoded.pixels[i * 4 + 3]) - Int(rgba.pixels[i * 4 + 3]))) }
        #expect(alphaError <= (format == .heic || format == .avif ? 8 : 0), "\(format): alpha off by \(alphaError)")
        // Colour where it is opaque.
        let opaque = try rgba.cropped(x: 0, y: 0, width: rgba.width / 2, height: rgba.height)
        let back = try decoded.cropped(x: 0, y: 0, width: rgba.width / 2, height: rgba.height)
        #expect(FormatTestFiles.meanError(back, opaque) <= Self.tolerance[format]! + 1)
    }

    @Test("odd and tiny sizes", arguments: [ImageFormat.gif, .tiff, .heic, .avif], [(1, 1), (3, 5), (17, 2)])
    func tinySizes(_ format: ImageFormat, _ size: (Int, Int)) throws {
        let bitmap = try SyntheticPhoto.bitmap(width: size.0, height: size.1, seed: 3)
        let bytes = try ImageCodecs.encode(bitmap, as: format)
        let (width, height, detected) = try ImageCodecs.dimensions(bytes)
        #expect(width == size.0 && height == size.1 && detected == format)
        #expect(try ImageCodecs.decode(bytes).0.width == size.0)
    }

    @Test("format,X from a JPEG writes X, sized as the source", arguments: [ImageFormat.tiff, .heic, .avif, .png, .webp, .bmp])
    func formatConversion(_ format: ImageFormat) throws {
        let source = try SyntheticPhoto.jpeg(width: 120, height: 80, seed: 5)
        let result = try ImageProcessor.process("image/resize,w_60/format,\(format.rawValue)", source: source)
        #expect(result.format == format && result.contentType == format.contentType)
        #expect(ImageCodecs.detectFormat(result.bytes) == format)
        #expect(try ImageCodecs.dimensions(result.bytes) == (60, 40, format))
    }

    @Test("format,gif keeps GIF only for a GIF source: a JPEG stays JPEG, a PNG stays PNG, as OSS documents")
    func gifOnlyForGIF() throws {
        let jpeg = try SyntheticPhoto.jpeg(width: 40, height: 30)
        let fromJPEG = try ImageProcessor.process("image/format,gif", source: jpeg)
        #expect(fromJPEG.format == .jpg && ImageCodecs.detectFormat(fromJPEG.bytes) == .jpg)
        let png = try ImageCodecs.encode(Self.photo, as: .png)
        #expect(try ImageProcessor.process("image/resize,w_20/format,gif", source: png).format == .png)
        let gif = try ImageCodecs.encode(Self.photo, as: .gif)
        #expect(try ImageProcessor.process("image/format,gif", source: gif).format == .gif)
        // And a GIF converts to anything else.
        #expect(try ImageProcessor.process("image/format,jpg", source: gif).format == .jpg)
    }

    @Test("quality changes HEIC, AVIF and WebP sizes; q_ and Q_ both apply")
    func qualityApplies() throws {
        let source = try SyntheticPhoto.jpeg(width: 160, height: 120, seed: 9)
        for format in [ImageFormat.heic, .avif, .webp] {
            let low = try ImageProcessor.process("image/format,\(format.rawValue)/quality,q_20", source: source).bytes.count
            let high = try ImageProcessor.process("image/format,\(format.rawValue)/quality,Q_95", source: source).bytes.count
            #expect(low < high, "\(format): q_20 gave \(low) bytes, Q_95 \(high)")
        }
    }

    @Test("interlace is JPEG's only, as OSS documents: other formats ignore it")
    func interlaceIgnored() throws {
        let jpeg = try SyntheticPhoto.jpeg(width: 40, height: 30)
        let gif = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 40, height: 30), as: .gif)
        for (format, source) in [(ImageFormat.png, jpeg), (.tiff, jpeg), (.webp, jpeg), (.gif, gif)] {
            let plain = try ImageProcessor.process("image/format,\(format.rawValue)", source: source)
            let interlaced = try ImageProcessor.process("image/format,\(format.rawValue)/interlace,1", source: source)
            #expect(plain.format == format && plain.bytes == interlaced.bytes, "\(format)")
        }
        // JPEG's is progressive (SOF2).
        let progressive = try ImageProcessor.process("image/interlace,1", source: jpeg).bytes
        #expect(progressive.indices.dropLast().contains { progressive[$0] == 0xFF && progressive[$0 + 1] == 0xC2 })
    }

    @Test("each format's side limit is checked from the plan, naming the format")
    func sideLimits() throws {
        for (format, side) in [(ImageFormat.gif, 65_535), (.jpg, 65_500), (.webp, 16_383)] {
            try ProcessPlan.checkOutputSize(.init(width: side, height: 1, channels: 3), format: format)
            #expect(throws: ImageError.self) { try ProcessPlan.checkOutputSize(.init(width: side + 1, height: 1, channels: 3), format: format) }
        }
    }

    @Test("the encoders are there: libheif has x265 and libavif has an AV1 encoder")
    func encodersPresent() {
        #expect(HEIFCodec.encoderName == "x265")
        #expect(AVIFCodec.encoderName != nil)
    }
}
