import CImageCodecs
import OSSImageProcess
import Testing

@testable import OSSImage

/// TIFF, HEIC and AVIF bombs refused from their headers, before a pixel buffer exists; truncated
/// and damaged files of each refused with typed errors, never a crash.
@Suite("TIFF, HEIC, AVIF: bombs, truncation, damage")
struct FormatBombTests {
    static let photo = try! SyntheticPhoto.bitmap(width: 48, height: 40, seed: 21)

    /// Replaces every `ispe` box's width and height (HEIF and AVIF store the image's size there).
    static func withSpatialExtent(_ bytes: [UInt8], width: Int, height: Int) -> [UInt8] {
        var out = bytes
        let ispe = Array("ispe".utf8)
        var at = 0
        while at + 16 <= out.count {
            if Array(out[at..<(at + 4)]) == ispe {
                // box type, version and flags (4), width (4), height (4)
                for i in 0..<4 {
                    out[at + 8 + i] = UInt8(truncatingIfNeeded: width >> (24 - 8 * i))
                    out[at + 12 + i] = UInt8(truncatingIfNeeded: height >> (24 - 8 * i))
                }
            }
            at += 1
        }
        return out
    }

    static func expectRefused(_ bytes: [UInt8], _ name: String, codes: Set<String> = ["ImageTooLarge", "BadRequest", "InvalidArgument"]) {
        do {
            _ = try ImageProcessor.process("image/resize,w_10", source: bytes)
            Issue.record("\(name): expected a refusal")
        } catch {
            #expect(codes.contains(error.code), "\(name): \(error)")
            #expect((400..<500).contains(error.status), "\(name): \(error)")
        }
    }

    @Test("HEIC and AVIF headers claiming 50000×50000 or 20000×20000 are refused before decoding", arguments: [ImageFormat.heic, .avif])
    func isoBombs(_ format: ImageFormat) throws {
        let good = try ImageCodecs.encode(Self.photo, as: format)
        Self.expectRefused(Self.withSpatialExtent(good, width: 50_000, height: 50_000), "\(format) 50000²")
        // Within 30,000 a side but past 250 MP: refused by the pixel limit (or by the codec, which
        // sees its data does not match).
        Self.expectRefused(Self.withSpatialExtent(good, width: 20_000, height: 20_000), "\(format) 20000²")
        // The estimate refuses it too, without decoding.
        #expect(throws: ImageError.self) { _ = try ImageProcessor.estimatedWorkingBytes("image/resize,w_10", source: Self.withSpatialExtent(good, width: 50_000, height: 50_000)) }
    }

    /// A little-endian TIFF header and IFD claiming `width` × `height` 8-bit RGB in one strip of
    /// `stripBytes` at offset 8 + IFD, with optional tiles.
    static func tiffHeader(width: Int, height: Int, tile: (Int, Int)? = nil) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        var entries: [[UInt8]] = [
            u16(0x100) + u16(4) + u32(1) + u32(width),
            u16(0x101) + u16(4) + u32(1) + u32(height),
            u16(0x102) + u16(3) + u32(1) + u16(8) + u16(0),
            u16(0x103) + u16(3) + u32(1) + u16(1) + u16(0),
            u16(0x106) + u16(3) + u32(1) + u16(1) + u16(0),
            u16(0x115) + u16(3) + u32(1) + u16(1) + u16(0),
        ]
        if let tile {
            entries += [u16(0x142) + u16(4) + u32(1) + u32(tile.0), u16(0x143) + u16(4) + u32(1) + u32(tile.1),
                        u16(0x144) + u16(4) + u32(1) + u32(8), u16(0x145) + u16(4) + u32(1) + u32(16)]
        } else {
            entries += [u16(0x111) + u16(4) + u32(1) + u32(8), u16(0x116) + u16(4) + u32(1) + u32(height), u16(0x117) + u16(4) + u32(1) + u32(16)]
        }
        let ifd = 8 + 16
        var bytes: [UInt8] = [0x49, 0x49, 42, 0] + u32(ifd) + [UInt8](repeating: 7, count: 16)
        bytes += u16(entries.count) + entries.flatMap { $0 } + u32(0)
        return bytes
    }

    @Test("TIFF bombs: sides past 30,000, 250 MP in 16 bytes of data, tiles dwarfing the image")
    func tiffBombs() throws {
        #expect(try ImageCodecs.decode(Self.tiffHeader(width: 4, height: 4)).0.width == 4, "the baseline header decodes (16 bytes of grey)")
        Self.expectRefused(Self.tiffHeader(width: 100_000, height: 100_000), "100000²", codes: ["ImageTooLarge"])
        Self.expectRefused(Self.tiffHeader(width: 30_000, height: 30_000), "30000²", codes: ["ImageTooLarge"])
        Self.expectRefused(Self.tiffHeader(width: 64, height: 64, tile: (65_536, 65_536)), "65536² tiles")
        // 16,000 × 15,000 grey in one uncompressed strip of 16 bytes: truncated, refused from the
        // header (the estimate refuses it too, so no buffer of 240 MB is ever made).
        let short = Self.tiffHeader(width: 16_000, height: 15_000)
        Self.expectRefused(short, "240 MP in 16 bytes", codes: ["BadRequest"])
        #expect(throws: ImageError.self) { _ = try ImageProcessor.estimatedWorkingBytes("image/resize,w_10", source: short) }
    }

    @Test("truncated files give typed errors", arguments: [ImageFormat.tiff, .heic, .avif])
    func truncated(_ format: ImageFormat) throws {
        let good = try ImageCodecs.encode(Self.photo, as: format)
        for fraction in [1, 3, 5, 7, 9] {
            let cut = Array(good.prefix(good.count * fraction / 10))
            Self.expectRefused(cut, "\(format) cut to \(fraction)/10", codes: ["BadRequest"])
        }
        Self.expectRefused(Array(good.prefix(8)), "\(format) header only", codes: ["BadRequest"])
    }

    @Test("random damage never crashes: a result or a typed error", arguments: [ImageFormat.tiff, .heic, .avif])
    func damage(_ format: ImageFormat) throws {
        let good = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 24, height: 16, seed: 2), as: format)
        var state: UInt64 = 0xC0FFEE
        for round in 0..<120 {
            var bytes = good
            for _ in 0..<(1 + round % 4) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes[Int(state >> 33) % bytes.count] = UInt8(truncatingIfNeeded: state >> 17)
            }
            do {
                _ = try ImageProcessor.process("image/resize,w_8/format,png", source: bytes)
            } catch {
                #expect((400..<600).contains(error.status))
            }
            _ = try? ImageProcessor.process("image/info", source: bytes)
        }
    }

    @Test("the budget's stop reaches every new decoder and encoder: each returns OSS_CODEC_STOPPED")
    func stops() throws {
        var stop = oss_stop(should_stop: { _ in 1 }, context: nil)
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        let rgb = Self.photo.pixels
        var out = [UInt8](repeating: 0, count: rgb.count)
        var encoded: UnsafeMutablePointer<UInt8>?
        var size = 0
        for format in [ImageFormat.tiff, .heic, .avif] {
            let source = try ImageCodecs.encode(Self.photo, as: format)
            let status: Int32
            switch format {
            case .tiff: status = oss_tiff_decode(source, source.count, 3, &out, out.count, &stop, &error)
            case .heic: status = oss_heif_decode(source, source.count, 3, &out, out.count, &stop, &error)
            default: status = oss_avif_decode(source, source.count, 3, &out, out.count, &stop, &error)
            }
            #expect(status == OSS_CODEC_STOPPED, "\(format) decode")
        }
        #expect(oss_tiff_encode(rgb, 48, 40, 3, 8, 2, nil, 0, 0, 5, &stop, &encoded, &size, &error) == OSS_CODEC_STOPPED)
        #expect(oss_heif_encode(rgb, 48, 40, 3, 80, &stop, &encoded, &size, &error) == OSS_CODEC_STOPPED)
        #expect(oss_avif_encode(rgb, 48, 40, 3, 8, 80, 8, &stop, &encoded, &size, &error) == OSS_CODEC_STOPPED)
        let gif = try FormatTestFiles.animatedGIF()
        gif.withUnsafeBufferPointer { buffer in
            var width: Int32 = 0, height: Int32 = 0
            guard let decoder = oss_gif_decoder_open(buffer.baseAddress, buffer.count, &width, &height, &error) else { Issue.record("open"); return }
            defer { oss_gif_decoder_close(decoder) }
            var canvas: UnsafePointer<UInt8>?
            var delay: Int32 = 0
            #expect(oss_gif_decoder_next(decoder, &canvas, &delay, &stop, &error) == OSS_CODEC_STOPPED)
        }
        let encoder = try #require(oss_gif_encoder_open(4, 4, 0, &error))
        #expect(oss_gif_encoder_add(encoder, [UInt8](repeating: 0, count: 16), 0, 0, 4, 4, [0, 0, 0], 1, -1, 0, 2, 0, &stop, &error) == OSS_CODEC_STOPPED)
        oss_gif_encoder_abort(encoder)
    }

    @Test("a time limit already past ends a kept animation with 503, not a partial GIF")
    func animationTimeout() throws {
        let limits = ImageWorkLimits(timeLimit: .zero)
        let gif = try FormatTestFiles.animatedGIF()
        do {
            _ = try ImageProcessor.process("image/resize,w_4", source: gif, limits: limits)
            Issue.record("expected a timeout")
        } catch {
            #expect(error.code == ImageError.processingTimeoutCode)
        }
    }
}
