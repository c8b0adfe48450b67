import OSSImageProcess
import Testing

@testable import OSSImage

/// Golden tests: every output is checked against an independent, per-pixel reference of OSS's
/// documented semantics, on sources whose pixels are known exactly (PNG and BMP sources are
/// lossless, so decoded pixels equal generated ones).
@Suite("Image kernels with OSS semantics")
struct KernelTests {
    static func source(width: Int, height: Int, as format: ImageFormat = .png) throws -> (Bitmap, [UInt8]) {
        let bitmap = try SyntheticPhoto.bitmap(width: width, height: height, seed: UInt64(width * 31 + height))
        return (bitmap, try ImageCodecs.encode(bitmap, as: format))
    }

    /// The brute-force rule: inside when (x - r)² + (y - r)² <= r².
    static func inside(_ x: Int, _ y: Int, _ r: Int) -> Bool { (x - r) * (x - r) + (y - r) * (y - r) <= r * r }

    @Test("circle geometry: size, origin and the cap rule", arguments: [
        (400, 300, 100, 100), (400, 300, 149, 149), (400, 300, 150, 149), (400, 300, 4096, 149),
        (301, 401, 1000, 150), (300, 400, 1000, 149), (201, 201, 100, 100), (200, 200, 100, 99), (1, 1, 5, 0),
    ])
    func geometry(width: Int, height: Int, requested: Int, radius: Int) {
        let g = ImageKernels.CircleGeometry(width: width, height: height, requestedRadius: requested)
        #expect(g.radius == radius)
        #expect(g.side == 2 * radius + 1)
        #expect(g.originX == (width - g.side) / 2)
        #expect(g.originY == (height - g.side) / 2)
    }

    @Test("circle on PNG/BMP/WebP/JPG sources and outputs: pixels inside are the source's, outside is the format's background",
          arguments: [(400, 300), (300, 400), (257, 255), (256, 256), (101, 3000)], [ImageFormat.png, .bmp, .jpg, .webp])
    func circle(size: (Int, Int), output: ImageFormat) throws {
        let (width, height) = size
        let (original, encoded) = try Self.source(width: width, height: height)
        let requested = 90
        let process = ImageProcess.circle(radius: requested).format(output)
        let result = try ImageProcessor.process(process, source: encoded)
        #expect(ImageCodecs.detectFormat(result.bytes) == output)
        let g = ImageKernels.CircleGeometry(width: width, height: height, requestedRadius: requested)
        #expect(result.width == g.side && result.height == g.side)
        let (decoded, _) = try ImageCodecs.decode(result.bytes, channels: 4)
        var insideError = 0.0, insideCount = 0, outsideWrong = 0, outsideCount = 0
        for y in 0..<g.side {
            for x in 0..<g.side {
                let p = (y * g.side + x) * 4
                let s = ((g.originY + y) * width + g.originX + x) * 3
                if Self.inside(x, y, g.radius) {
                    #expect(output == .jpg || decoded.pixels[p + 3] == 255)
                    for c in 0..<3 { insideError += abs(Double(decoded.pixels[p + c]) - Double(original.pixels[s + c])) }
                    insideCount += 3
                } else {
                    outsideCount += 1
                    if output.supportsAlpha {
                        if decoded.pixels[p + 3] != 0 { outsideWrong += 1 }
                    } else if decoded.pixels[p] < 235 || decoded.pixels[p + 1] < 235 || decoded.pixels[p + 2] < 235 {
                        outsideWrong += 1
                    }
                }
            }
        }
        let meanError = insideError / Double(insideCount)
        if output == .png || output == .bmp {
            #expect(meanError == 0, "lossless output must carry the source pixels exactly")
            #expect(outsideWrong == 0)
        } else {
            #expect(meanError < 6, "mean error \(meanError)")
            // Lossy codecs smear the edge a little; everything away from it is background.
            #expect(Double(outsideWrong) / Double(max(1, outsideCount)) < 0.05)
        }
    }

    @Test("the JPEG fast path decodes only the square and equals a full decode")
    func jpegRegion() throws {
        let encoded = try SyntheticPhoto.jpeg(width: 640, height: 480, seed: 9)
        let (full, _) = try ImageCodecs.decode(encoded)
        let g = ImageKernels.CircleGeometry(width: 640, height: 480, requestedRadius: 100)
        let region = try ImageCodecs.decodeJPEGRegion(encoded, x: g.originX, y: g.originY, width: g.side, height: g.side, channels: 3)
        #expect(try region == full.cropped(x: g.originX, y: g.originY, width: g.side, height: g.side))
        // And the fast path's output equals the general path's (crop then circle on a full decode).
        let fast = try ImageProcessor.process(.circle(radius: 100).format(.png), source: encoded)
        let generic = try ImageKernels.circle(full, radius: 100, transparent: true)
        #expect(try ImageCodecs.decode(fast.bytes, channels: 4).0 == generic)
    }

    @Test("the streamed JPEG-to-JPEG circle equals decode, mask and encode done in memory", arguments: [(640, 480, 100), (480, 640, 4096), (333, 333, 20)])
    func streamedTranscode(width: Int, height: Int, radius: Int) throws {
        let encoded = try SyntheticPhoto.jpeg(width: width, height: height, seed: 11)
        let streamed = try ImageProcessor.process(.circle(radius: radius), source: encoded)
        let (full, _) = try ImageCodecs.decode(encoded)
        let circle = try ImageKernels.circle(full, radius: radius, transparent: false)
        // The stream is encoded in one pass: byte for byte the one-pass encode of the circle.
        var onePass = ImageCodecs.EncodeOptions()
        onePass.restartBands = false
        #expect(streamed.bytes == (try ImageCodecs.encode(circle, as: .jpg, options: onePass)))
        // The in-memory encode may be banded (restart markers): the same pixels.
        let inMemory = try ImageCodecs.encode(circle, as: .jpg)
        #expect(try ImageCodecs.decode(streamed.bytes, channels: 3).0 == ImageCodecs.decode(inMemory, channels: 3).0)
    }

    @Test("crop gravities: OSS's origin table, then x/y to the right and down, cut at the edges", arguments: Gravity.allCases)
    func cropGravity(_ gravity: Gravity) throws {
        let rect = try ImageKernels.cropRect(Crop(x: 10, y: 5, width: 100, height: 50, gravity: gravity), width: 400, height: 300)
        // Origins: 0, srcW/2 - w/2, srcW - w (and the same for y), plus the offset.
        let expectedX: Int = switch gravity {
        case .northWest, .west, .southWest: 10
        case .north, .center, .south: 150 + 10
        case .northEast, .east, .southEast: 300 + 10
        }
        let expectedY: Int = switch gravity {
        case .northWest, .north, .northEast: 5
        case .west, .center, .east: 125 + 5
        case .southWest, .south, .southEast: 250 + 5
        }
        // The far gravities' rectangles run into the edge and are cut there.
        let expectedWidth = min(100, 400 - expectedX), expectedHeight = min(50, 300 - expectedY)
        #expect(rect.x == expectedX && rect.y == expectedY && rect.width == expectedWidth && rect.height == expectedHeight)
    }

    @Test("crop clamps to the image and refuses a start outside it")
    func cropClamp() throws {
        let rect = try ImageKernels.cropRect(Crop(x: 350, y: 0, width: 100, height: 500), width: 400, height: 300)
        #expect(rect == (350, 0, 50, 300))
        #expect(throws: ImageError.self) { try ImageKernels.cropRect(Crop(x: 400, y: 0), width: 400, height: 300) }
    }

    @Test("resize modes and limit", arguments: [
        (Resize(mode: .lfit, width: 100, height: 100), 100, 75),
        (Resize(mode: .mfit, width: 100, height: 100), 133, 100),
        (Resize(mode: .fill, width: 100, height: 100), 100, 100),
        (Resize(mode: .pad, width: 100, height: 100), 100, 100),
        (Resize(mode: .fixed, width: 100, height: 100), 100, 100),
        (Resize(width: 200), 200, 150),
        (Resize(height: 30), 40, 30),
        (Resize(long: 80), 80, 60),
        (Resize(percent: 50), 200, 150),
        (Resize(width: 800), 400, 300),
        (Resize(width: 800, limit: false), 800, 600),
    ])
    func resize(resize: Resize, width: Int, height: Int) throws {
        let (_, encoded) = try Self.source(width: 400, height: 300)
        let result = try ImageProcessor.process(ImageProcess.resize(resize).format(.png), source: encoded)
        #expect(result.width == width && result.height == height, "\(resize)")
    }

    @Test("pad fills with the colour around the fitted image")
    func pad() throws {
        let (_, encoded) = try Self.source(width: 400, height: 200)
        let result = try ImageProcessor.process(ImageProcess.resize(Resize(mode: .pad, width: 100, height: 100, color: "FF0000")).format(.png), source: encoded)
        let (bitmap, _) = try ImageCodecs.decode(result.bytes, channels: 3)
        #expect(Array(bitmap.pixels[0..<3]) == [255, 0, 0])
        #expect(Array(bitmap.pixels[(50 * 100 + 50) * 3..<(50 * 100 + 50) * 3 + 3]) != [255, 0, 0])
    }

    @Test("rotate by 90s, rounded corners, index crop, info")
    func others() throws {
        let (original, encoded) = try Self.source(width: 40, height: 30)
        let rotated = try ImageCodecs.decode(try ImageProcessor.process("image/rotate,90/format,png", source: encoded).bytes).0
        #expect(rotated.width == 30 && rotated.height == 40)
        // Clockwise: the source's bottom-left pixel is the output's top-left.
        #expect(Array(rotated.pixels[0..<3]) == Array(original.pixels[(29 * 40) * 3..<(29 * 40) * 3 + 3]))
        // Any other angle enlarges the canvas to the rotated image's bounding box.
        let tilted = try ImageProcessor.process("image/rotate,45/format,png", source: encoded)
        #expect(tilted.width == 50 && tilted.height == 50)

        let rounded = try ImageCodecs.decode(try ImageProcessor.process("image/rounded-corners,r_10", source: encoded).bytes, channels: 4).0
        #expect(rounded.pixels[3] == 0, "corner transparent")
        #expect(rounded.pixels[(15 * 40 + 20) * 4 + 3] == 255, "centre opaque")

        let slice = try ImageProcessor.process("image/indexcrop,x_15,i_2/format,png", source: encoded)
        #expect(slice.width == 10 && slice.height == 30)

        let info = try ImageProcessor.process("image/info", source: encoded)
        let json = String(decoding: info.bytes, as: UTF8.self)
        #expect(info.contentType == "application/json")
        #expect(json.contains("\"ImageWidth\": {\"value\": \"40\"}"))
        #expect(json.contains("\"Format\": {\"value\": \"png\"}"))
    }

    @Test("limits are enforced from the header, before any pixel buffer: a decompression bomb is refused")
    func bomb() throws {
        // A valid PNG header claiming 40000x40000 pixels, with almost no data.
        var header = Array(ImageCodecs.encodePNGHeaderForTests(width: 40000, height: 40000))
        header += [0, 0, 0, 0]
        do {
            _ = try ImageProcessor.process("image/circle,r_10", source: header)
            Issue.record("expected ImageTooLarge")
        } catch {
            #expect(error.code == "ImageTooLarge")
        }
        let big = [UInt8](repeating: 0xFF, count: ImageLimits.maximumSourceBytes + 1)
        #expect(throws: ImageError.self) { try ImageProcessor.process("image/circle,r_10", source: big) }
        #expect(throws: ImageError.self) { try ImageProcessor.process("image/circle,r_10", source: Array("not an image".utf8)) }
        #expect(throws: ImageError.self) { try ImageProcessor.process("image/circle,r_10", source: [0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) }
    }

    @Test("auto-orient honours EXIF orientation 6 (rotate 90 clockwise)")
    func autoOrient() throws {
        let bitmap = try SyntheticPhoto.bitmap(width: 64, height: 32, seed: 3)
        let jpeg = try ImageCodecs.encode(bitmap, as: .jpg, options: ImageCodecs.EncodeOptions(quality: 95))
        let oriented = ImageCodecs.insertEXIFOrientationForTests(jpeg, orientation: 6)
        let upright = try ImageProcessor.process("image/auto-orient,1/format,png", source: oriented)
        #expect(upright.width == 32 && upright.height == 64)
        let untouched = try ImageProcessor.process("image/format,png", source: oriented)
        #expect(untouched.width == 64 && untouched.height == 32)
        #expect(String(decoding: try ImageProcessor.process("image/info", source: oriented).bytes, as: UTF8.self).contains("\"Orientation\": {\"value\": \"6\"}"))
    }

    @Test("large PNGs, filtered and compressed in parallel bands, decode back to the exact pixels", arguments: [3, 4])
    func largePNG(channels: Int) throws {
        var bitmap = try SyntheticPhoto.bitmap(width: 1300, height: 1100, seed: 21)
        if channels == 4 { bitmap = bitmap.withAlpha() }
        let png = try ImageCodecs.encode(bitmap, as: .png)
        #expect(try ImageCodecs.decode(png, channels: channels).0 == bitmap)
        #expect(png.count < bitmap.pixels.count * 7 / 10)
    }

    @Test("PNG output stays close to zlib level 6 in size")
    func pngSize() throws {
        let (_, encoded) = try Self.source(width: 300, height: 200)
        let png = try ImageProcessor.process("image/format,png", source: encoded)
        #expect(png.bytes.count < 300 * 200 * 3, "compressed")
    }
}
