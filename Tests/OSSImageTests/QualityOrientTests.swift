import OSSImage
import OSSImageProcess
import Testing

/// quality (relative and absolute), interlace and auto-orient, as OSS documents them.
@Suite("Quality, interlace and auto-orient")
struct QualityOrientTests {
    static let photo = try! SyntheticPhoto.bitmap(width: 96, height: 64, seed: 13)

    static func jpeg(quality: Int) throws -> [UInt8] {
        try ImageCodecs.encode(photo, as: .jpg, options: .init(quality: quality))
    }

    // MARK: quality

    @Test("a JPEG's quality is read back from its tables exactly for libjpeg's own files", arguments: [1, 10, 35, 50, 51, 75, 90, 99, 100])
    func estimate(quality: Int) throws {
        #expect(ImageCodecs.estimatedJPEGQuality(try Self.jpeg(quality: quality)) == quality)
    }

    @Test("not a JPEG: no estimate")
    func noEstimate() throws {
        #expect(ImageCodecs.estimatedJPEGQuality(try ImageCodecs.encode(Self.photo, as: .png)) == nil)
        #expect(ImageCodecs.estimatedJPEGQuality([0xFF, 0xD8, 0xFF]) == nil)
    }

    /// The bytes the processor makes equal a direct encode of the decoded source at `expected`.
    func expectQuality(_ process: String, source: [UInt8], format: ImageFormat, expected: Int) throws {
        let result = try ImageProcessor.process(process, source: source)
        let decoded = try ImageCodecs.decode(source).0
        #expect(result.bytes == (try ImageCodecs.encode(decoded, as: format, options: .init(quality: expected))), "\(process): expected quality \(expected)")
    }

    @Test("q is relative to a JPEG source's quality: 80 with q_90 is 72, as OSS documents")
    func relative() throws {
        let source = try Self.jpeg(quality: 80)
        try expectQuality("image/quality,q_90", source: source, format: .jpg, expected: 72)
        #expect(ImageCodecs.estimatedJPEGQuality(try ImageProcessor.process("image/quality,q_90", source: source).bytes) == 72)
        try expectQuality("image/quality,q_50", source: try Self.jpeg(quality: 70), format: .jpg, expected: 35)
        try expectQuality("image/quality,q_100", source: source, format: .jpg, expected: 80)
        // Relative to the JPEG source also when the output is WebP.
        try expectQuality("image/quality,q_50/format,webp", source: source, format: .webp, expected: 40)
    }

    @Test("Q is absolute but never above a JPEG source's quality: 95 with Q_90 is 90, 80 with Q_90 stays 80")
    func absolute() throws {
        try expectQuality("image/quality,Q_90", source: try Self.jpeg(quality: 95), format: .jpg, expected: 90)
        try expectQuality("image/quality,Q_90", source: try Self.jpeg(quality: 80), format: .jpg, expected: 80)
        // Q wins over q in one action, and the last quality action counts.
        try expectQuality("image/quality,q_10,Q_60", source: try Self.jpeg(quality: 95), format: .jpg, expected: 60)
        try expectQuality("image/quality,Q_30/quality,q_50", source: try Self.jpeg(quality: 90), format: .jpg, expected: 45)
    }

    @Test("a source without a quality takes q and Q as absolute")
    func nonJPEGSource() throws {
        let png = try ImageCodecs.encode(Self.photo, as: .png)
        try expectQuality("image/quality,q_60/format,jpg", source: png, format: .jpg, expected: 60)
        try expectQuality("image/quality,Q_60/format,webp", source: png, format: .webp, expected: 60)
        // Without a quality action: the default.
        try expectQuality("image/format,jpg", source: png, format: .jpg, expected: ImageProcessor.defaultQuality)
    }

    @Test("quality does not change PNG output")
    func losslessOutput() throws {
        let source = try Self.jpeg(quality: 90)
        #expect(try ImageProcessor.process("image/quality,q_10/format,png", source: source).bytes
                == (try ImageProcessor.process("image/format,png", source: source).bytes))
    }

    // MARK: interlace

    /// Whether a JPEG's frame is progressive (SOF2) rather than baseline (SOF0).
    static func isProgressive(_ jpeg: [UInt8]) -> Bool? {
        var index = 2
        while index + 4 <= jpeg.count, jpeg[index] == 0xFF {
            let marker = jpeg[index + 1]
            if marker == 0xC0 || marker == 0xC1 { return false }
            if marker == 0xC2 { return true }
            index += 2 + (Int(jpeg[index + 2]) << 8 | Int(jpeg[index + 3]))
        }
        return nil
    }

    @Test("interlace,1 makes a progressive JPEG; PNG stays non-interlaced, as OSS applies it to JPG only")
    func interlace() throws {
        let source = try Self.jpeg(quality: 90)
        #expect(Self.isProgressive(try ImageProcessor.process("image/interlace,1", source: source).bytes) == true)
        #expect(Self.isProgressive(try ImageProcessor.process("image/interlace,0", source: source).bytes) == false)
        #expect(Self.isProgressive(try ImageProcessor.process("image/format,jpg/interlace,1", source: try ImageCodecs.encode(Self.photo, as: .png)).bytes) == true)
        let png = try ImageProcessor.process("image/format,png/interlace,1", source: source).bytes
        #expect(png[28] == 0, "IHDR interlace method 0")
    }

    // MARK: auto-orient

    /// What a viewer shows for a stored image with EXIF orientation `orientation` (TIFF 6.0's
    /// definitions of where row 0 and column 0 lie), pixel by pixel.
    static func upright(_ stored: Bitmap, orientation: Int) -> (width: Int, height: Int, source: (Int, Int) -> (Int, Int)) {
        let w = stored.width, h = stored.height
        switch orientation {
        case 2: return (w, h, { x, y in (w - 1 - x, y) })
        case 3: return (w, h, { x, y in (w - 1 - x, h - 1 - y) })
        case 4: return (w, h, { x, y in (x, h - 1 - y) })
        case 5: return (h, w, { x, y in (y, x) })
        case 6: return (h, w, { x, y in (y, h - 1 - x) })
        case 7: return (h, w, { x, y in (w - 1 - y, h - 1 - x) })
        case 8: return (h, w, { x, y in (w - 1 - y, x) })
        default: return (w, h, { x, y in (x, y) })
        }
    }

    @Test("all eight EXIF orientations turn the stored pixels upright, exactly", arguments: 1...8)
    func orientations(_ orientation: Int) throws {
        let stored = try SyntheticPhoto.bitmap(width: 7, height: 4, seed: 3)
        let turned = try ImageKernels.orient(stored, exifOrientation: orientation)
        let expected = Self.upright(stored, orientation: orientation)
        #expect(turned.width == expected.width && turned.height == expected.height)
        for y in 0..<turned.height {
            for x in 0..<turned.width {
                let (sx, sy) = expected.source(x, y)
                let a = (y * turned.width + x) * 3, b = (sy * stored.width + sx) * 3
                #expect(Array(turned.pixels[a..<(a + 3)]) == Array(stored.pixels[b..<(b + 3)]), "orientation \(orientation) at (\(x), \(y))")
            }
        }
    }

    /// A 64x32 JPEG of four flat quadrants (red, green, blue, white from the top left, clockwise).
    static func quadrants() throws -> Bitmap {
        var bitmap = try Bitmap(width: 64, height: 32, channels: 3, fill: [0, 0, 0])
        for y in 0..<32 {
            for x in 0..<64 {
                let color: [UInt8] = switch (x < 32, y < 16) {
                case (true, true): [255, 0, 0]
                case (false, true): [0, 255, 0]
                case (false, false): [0, 0, 255]
                case (true, false): [255, 255, 255]
                }
                for c in 0..<3 { bitmap.pixels[(y * 64 + x) * 3 + c] = color[c] }
            }
        }
        return bitmap
    }

    @Test("auto-orient,1 on a JPEG with each orientation shows the quadrants where a viewer would", arguments: 1...8)
    func orientedJPEG(_ orientation: Int) throws {
        let stored = try Self.quadrants()
        let jpeg = ImageCodecs.insertEXIFOrientationForTests(try ImageCodecs.encode(stored, as: .jpg, options: .init(quality: 95)), orientation: orientation)
        let result = try ImageCodecs.decode(try ImageProcessor.process("image/auto-orient,1/format,png", source: jpeg).bytes, channels: 3).0
        let expected = Self.upright(stored, orientation: orientation)
        #expect(result.width == expected.width && result.height == expected.height)
        // The centre of each output quadrant has the colour of the stored pixel it comes from.
        for (x, y) in [(result.width / 4, result.height / 4), (3 * result.width / 4, result.height / 4),
                       (result.width / 4, 3 * result.height / 4), (3 * result.width / 4, 3 * result.height / 4)] {
            let (sx, sy) = expected.source(x, y)
            let a = (y * result.width + x) * 3, b = (sy * 64 + sx) * 3
            for c in 0..<3 { #expect(abs(Int(result.pixels[a + c]) - Int(stored.pixels[b + c])) <= 12, "orientation \(orientation) at (\(x), \(y))") }
        }
    }

    @Test("auto-orient applies first wherever it is written, as OSS's resize-then-auto-orient example expects")
    func orientBeforeResize() throws {
        let jpeg = ImageCodecs.insertEXIFOrientationForTests(try ImageCodecs.encode(try Self.quadrants(), as: .jpg), orientation: 6)
        for process in ["image/resize,w_16/auto-orient,1/format,png", "image/auto-orient,1/resize,w_16/format,png"] {
            let result = try ImageProcessor.process(process, source: jpeg)
            #expect(result.width == 16 && result.height == 32, "\(process)")
        }
        let kept = try ImageProcessor.process("image/resize,w_16/auto-orient,0/format,png", source: jpeg)
        #expect(kept.width == 16 && kept.height == 8)
    }

    @Test("a source with a side of 4096 px or more keeps its stored orientation, as OSS documents")
    func orientLimit() throws {
        let wide = try ImageCodecs.encode(try Bitmap(width: 4096, height: 8, channels: 3, fill: [10, 20, 30]), as: .jpg)
        let oriented = ImageCodecs.insertEXIFOrientationForTests(wide, orientation: 6)
        let result = try ImageProcessor.process("image/auto-orient,1/format,png", source: oriented)
        #expect(result.width == 4096 && result.height == 8)
        let narrower = ImageCodecs.insertEXIFOrientationForTests(try ImageCodecs.encode(try Bitmap(width: 4095, height: 8, channels: 3, fill: [10, 20, 30]), as: .jpg), orientation: 6)
        #expect(try ImageProcessor.process("image/auto-orient,1/format,png", source: narrower).height == 4095)
    }
}
