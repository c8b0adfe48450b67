import OSSImageProcess
import Testing

@testable import OSSImage

/// GIF sources as OSS treats each action: animations kept through geometry and pixel actions,
/// stills where OSS makes stills, frames composed with their disposal, bombs refused from the
/// block structure, malformed files refused with typed errors.
@Suite("GIF: frames, animation, quantizer, bombs")
struct GIFTests {
    static func frames(_ gif: [UInt8]) throws -> [Bitmap] {
        var frames: [Bitmap] = []
        try GIFCodec.forEachFrame(gif, channels: 4, firstOnly: false, budget: .unbounded) { frames.append($0.bitmap) }
        return frames
    }

    @Test("frames are composed on the canvas: offsets, disposal to background, transparency, interlace")
    func composition() throws {
        let frames = try Self.frames(try FormatTestFiles.animatedGIF())
        try #require(frames.count == 3)
        let red = [255, 0, 0, 255], green = [0, 255, 0, 255], blue = [0, 0, 255, 255], clear = [0, 0, 0, 0]
        #expect(FormatTestFiles.pixel(frames[0], 5, 5) == red)
        #expect(FormatTestFiles.pixel(frames[1], 3, 3) == green && FormatTestFiles.pixel(frames[1], 0, 0) == red)
        // Frame 2's rectangle went back to the background (transparent); frame 3's transparent
        // pixels show what is below, its blue ones are drawn (rows 0 and 1 in interlaced order).
        #expect(FormatTestFiles.pixel(frames[2], 3, 3) == clear)
        #expect(FormatTestFiles.pixel(frames[2], 0, 0) == blue && FormatTestFiles.pixel(frames[2], 1, 1) == blue)
        #expect(FormatTestFiles.pixel(frames[2], 1, 0) == red && FormatTestFiles.pixel(frames[2], 0, 1) == red)
        #expect(FormatTestFiles.pixel(frames[2], 7, 5) == red)
    }

    @Test("disposal 3 restores the canvas as it was before the frame")
    func restorePrevious() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 0, 255]
        let gif = try FormatTestFiles.gif(width: 4, height: 4, frames: [
            .init(width: 4, height: 4, indices: [UInt8](repeating: 0, count: 16), palette: palette),
            .init(left: 1, top: 1, width: 2, height: 2, indices: [1, 1, 1, 1], palette: palette, disposal: 3),
            .init(left: 3, top: 3, width: 1, height: 1, indices: [1], palette: palette),
        ])
        let frames = try Self.frames(gif)
        #expect(FormatTestFiles.pixel(frames[1], 1, 1) == [0, 0, 255, 255])
        #expect(FormatTestFiles.pixel(frames[2], 1, 1) == [255, 0, 0, 255], "restored to red")
        #expect(FormatTestFiles.pixel(frames[2], 3, 3) == [0, 0, 255, 255])
    }

    @Test("resize keeps the animation: every frame resized, delays and loop count kept")
    func resizeKeepsAnimation() throws {
        let result = try ImageProcessor.process("image/resize,w_16,limit_0", source: try FormatTestFiles.animatedGIF())
        #expect(result.format == .gif && result.width == 16 && result.height == 12)
        let structure = try GIFStructure(result.bytes)
        #expect(structure.frames == 3 && structure.loopCount == 3)
        let frames = try Self.frames(result.bytes)
        #expect(frames.allSatisfy { $0.width == 16 && $0.height == 12 })
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(frames[1], 7, 7), [0, 255, 0, 255], within: 2))
        #expect(FormatTestFiles.pixel(frames[2], 7, 7)[3] == 0, "the disposed rectangle stays transparent")
        var delays: [Int] = []
        try GIFCodec.forEachFrame(result.bytes, channels: 4, firstOnly: false, budget: .unbounded) { delays.append($0.delay) }
        #expect(delays == [20, 30, 40])
    }

    @Test("crop, rotate, circle and indexcrop keep the animation", arguments: [
        ("image/crop,w_4,h_3", 4, 3), ("image/rotate,90", 6, 8), ("image/circle,r_2", 5, 5), ("image/indexcrop,x_4,i_1", 4, 6),
    ])
    func geometryKeepsAnimation(_ process: String, _ width: Int, _ height: Int) throws {
        let result = try ImageProcessor.process(process, source: try FormatTestFiles.animatedGIF())
        #expect(result.format == .gif && result.width == width && result.height == height)
        #expect(try GIFStructure(result.bytes).frames == 3)
    }

    @Test("a still where OSS makes one: auto-orient, quality, and any other output format take the first frame", arguments: [
        ("image/auto-orient,1", ImageFormat.gif), ("image/resize,w_16,limit_0/quality,q_80", .gif), ("image/format,png", .png),
        ("image/format,jpg", .jpg), ("image/format,webp", .webp), ("image/resize,w_4/format,tiff", .tiff),
    ])
    func stills(_ process: String, _ format: ImageFormat) throws {
        let result = try ImageProcessor.process(process, source: try FormatTestFiles.animatedGIF())
        #expect(result.format == format)
        if format == .gif { #expect(try GIFStructure(result.bytes).frames == 1) }
        let (first, _) = try ImageCodecs.decode(result.bytes, channels: 3)
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(first, 0, 0), [255, 0, 0], within: 12), "the first frame is red")
    }

    @Test("a GIF without a loop block plays once and stays that way")
    func noLoop() throws {
        let gif = try FormatTestFiles.gif(width: 2, height: 2, loopCount: nil, frames: [
            .init(width: 2, height: 2, indices: [0, 0, 0, 0], palette: [1, 2, 3]), .init(width: 2, height: 2, indices: [0, 0, 0, 0], palette: [4, 5, 6]),
        ])
        let result = try ImageProcessor.process("image/resize,w_4", source: gif)
        #expect(try GIFStructure(result.bytes).loopCount == nil)
    }

    @Test("the quantizer keeps up to 256 colours exactly, and cuts more to 256 with a small error")
    func quantizer() throws {
        var few = try Bitmap(width: 16, height: 16, channels: 3, fill: [0, 0, 0])
        for i in 0..<256 { few.pixels[i * 3] = UInt8(i); few.pixels[i * 3 + 1] = UInt8(255 - i); few.pixels[i * 3 + 2] = UInt8(i / 2) }
        let exact = try PaletteQuantizer.quantize(few, budget: .unbounded)
        #expect(exact.colors == 256 && exact.transparentIndex == nil)
        let (back, _) = try ImageCodecs.decode(try ImageCodecs.encode(few, as: .gif), channels: 3)
        #expect(back.pixels == few.pixels)

        let photo = try SyntheticPhoto.bitmap(width: 120, height: 90, seed: 4)
        let cut = try PaletteQuantizer.quantize(photo, budget: .unbounded)
        #expect(cut.colors <= 256 && cut.indices.count == 120 * 90)
        var rebuilt = photo
        for i in 0..<(120 * 90) { for c in 0..<3 { rebuilt.pixels[i * 3 + c] = cut.palette[Int(cut.indices[i]) * 3 + c] } }
        #expect(FormatTestFiles.meanError(rebuilt, photo) < 6)
    }

    @Test("one-bit transparency: alpha below 128 becomes the transparent index; an all-transparent frame still encodes")
    func transparency() throws {
        var rgba = try Bitmap(width: 4, height: 1, channels: 4, fill: [10, 20, 30, 255])
        rgba.pixels[7] = 127; rgba.pixels[11] = 128
        let (back, _) = try ImageCodecs.decode(try ImageCodecs.encode(rgba, as: .gif), channels: 4)
        #expect(back.pixels.enumerated().filter { $0.offset % 4 == 3 }.map(\.element) == [255, 0, 255, 255])
        let clear = try Bitmap(width: 3, height: 3, channels: 4, fill: [0, 0, 0, 0])
        #expect(try ImageCodecs.decode(try ImageCodecs.encode(clear, as: .gif), channels: 4).0.pixels.allSatisfy { $0 == 0 })
    }

    @Test("info reports a GIF's frames")
    func info() throws {
        let json = String(decoding: try ImageProcessor.process("image/info", source: try FormatTestFiles.animatedGIF()).bytes, as: UTF8.self)
        #expect(json == "{\n    \"FileSize\": {\"value\": \"\(try FormatTestFiles.animatedGIF().count)\"},\n    \"Format\": {\"value\": \"gif\"},\n    \"FrameCount\": {\"value\": \"3\"},\n    \"ImageHeight\": {\"value\": \"6\"},\n    \"ImageWidth\": {\"value\": \"8\"}}")
    }

    // MARK: Bombs and malformed files

    /// A GIF screen and one frame descriptor claiming the given sizes, with a minimal LZW stream.
    static func header(screen: (Int, Int), frame: (Int, Int), frames: Int = 1) -> [UInt8] {
        func le(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        var bytes = Array("GIF89a".utf8) + le(screen.0) + le(screen.1) + [0x80, 0, 0] + [0, 0, 0, 255, 255, 255]
        for _ in 0..<frames {
            bytes += [0x2C] + le(0) + le(0) + le(frame.0) + le(frame.1) + [0]
            bytes += [2, 2, 0x44, 0x01, 0] // code size 2: clear, 0, end (3-bit codes, least significant first)
        }
        return bytes + [0x3B]
    }

    static func expectRefused(_ bytes: [UInt8], limits: ImageWorkLimits = .oss, containing text: String, _ comment: Comment? = nil) {
        do {
            _ = try ImageProcessor.process("image/resize,w_10", source: bytes, limits: limits)
            Issue.record("expected a refusal: \(comment?.description ?? text)")
        } catch {
            #expect(error.message.contains(text), "\(error)")
            #expect((400..<500).contains(error.status))
        }
    }

    @Test("bombs are refused from the block structure before any canvas exists")
    func bombs() throws {
        // A 65535 x 65535 screen: past OSS's 30,000 px a side.
        Self.expectRefused(Self.header(screen: (65_535, 65_535), frame: (1, 1)), containing: "30000")
        // 1,001 frames: past the frame limit.
        Self.expectRefused(Self.header(screen: (10, 10), frame: (1, 1), frames: 1001), containing: "1000 frames")
        // Frames x screen past the decode limit (lowered here so the test stays small).
        let limits = ImageWorkLimits(maximumDecodedPixels: 10_000)
        Self.expectRefused(Self.header(screen: (50, 50), frame: (50, 50), frames: 5), limits: limits, containing: "decoded pixels")
        // A frame claiming 65535 x 65535 on a 10 x 10 screen: its rows would all be decoded.
        Self.expectRefused(Self.header(screen: (10, 10), frame: (65_535, 65_535), frames: 2), containing: "decoded pixels")
        Self.expectRefused(Self.header(screen: (10, 10), frame: (65_535, 65_535), frames: 1), containing: "decoded pixels", "a still too")
    }

    @Test("truncated, corrupted and lying GIFs give typed errors")
    func malformed() throws {
        let good = try FormatTestFiles.animatedGIF()
        var cases: [(String, [UInt8])] = [
            ("signature only", Array("GIF89a".utf8)),
            ("no image", Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0, 0x3B]),
            ("zero-size screen", Self.header(screen: (0, 0), frame: (1, 1))),
            ("zero-size frame", Self.header(screen: (4, 4), frame: (0, 3))),
            ("unknown block", Array(good.prefix(13)) + [0x99]),
            ("cut in the middle", Array(good.prefix(good.count / 2))),
        ]
        for cut in stride(from: 14, to: good.count - 1, by: 7) { cases.append(("cut at \(cut)", Array(good.prefix(cut)))) }
        // LZW data that is not a valid code stream (a code past the table).
        var lzw = Self.header(screen: (4, 4), frame: (4, 4))
        lzw[lzw.count - 4] = 0xFF; lzw[lzw.count - 3] = 0xFF
        cases.append(("invalid LZW codes", lzw))
        for (name, bytes) in cases {
            do {
                _ = try ImageProcessor.process("image/resize,w_3", source: bytes)
                if !name.hasPrefix("cut at") { Issue.record("\(name): expected an error") }
            } catch {
                #expect(error.code == "BadRequest" || error.code == "InvalidArgument", "\(name): \(error)")
            }
            _ = try? ImageProcessor.process("image/info", source: bytes)
        }
        // A file that ends without its trailer is read to its last frame, as browsers do.
        #expect(try ImageProcessor.process("image/resize,w_4", source: Array(good.dropLast())).width == 4)
    }

    @Test("random damage to a GIF never crashes: a result or a typed error")
    func damage() throws {
        let good = try FormatTestFiles.animatedGIF()
        var random = SeededGenerator(seed: 0x9E37_79B9)
        for _ in 0..<300 {
            var bytes = good
            for _ in 0..<3 {
                let value = random.next()
                bytes[13 + Int(value >> 33) % (bytes.count - 13)] = UInt8(truncatingIfNeeded: value >> 20)
            }
            _ = try? ImageProcessor.process("image/resize,w_5", source: bytes)
            _ = try? ImageProcessor.process("image/format,png", source: bytes)
        }
    }
}
