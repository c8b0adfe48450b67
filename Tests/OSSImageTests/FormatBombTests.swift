import CImageCodecs
import Foundation
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

    /// A HEIF of `ftyp`, and a `meta` holding only `pitm` (item 1) and an `iref` of `references`
    /// (type, from, to): enough for the reference check, which reads them before libheif does.
    static func heifReferences(_ references: [(String, UInt16, [UInt16])]) -> [UInt8] {
        func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func box(_ type: String, _ body: [UInt8]) -> [UInt8] { u32(8 + body.count) + Array(type.utf8) + body }
        let fullBox: [UInt8] = [0, 0, 0, 0]
        var iref = fullBox
        for (type, from, to) in references { iref += box(type, u16(Int(from)) + u16(to.count) + to.flatMap { u16(Int($0)) }) }
        return box("ftyp", Array("heic".utf8) + u32(0) + Array("mif1heic".utf8))
            + box("meta", fullBox + box("pitm", fullBox + u16(1)) + box("iref", iref))
    }

    static func heifDecodeMessage(_ bytes: [UInt8], pixels: Int = 16) -> String? {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out = [UInt8](repeating: 0, count: 3 * pixels)
        guard oss_heif_decode(bytes, bytes.count, 3, &out, out.count, nil, &error) != 0 else { return nil }
        return String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// libheif 1.15 follows a grid's tiles without looking for a cycle: the fuzzer's 908-byte
    /// grid that is its own tile started a decoding thread a level until none was left, and the
    /// std::system_error ended the process.
    @Test("a HEIC grid that is its own tile, and a cycle through an alpha image, are refused before libheif decodes")
    func heifReferenceCycles() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let found = try [UInt8](Data(contentsOf: repository.appendingPathComponent("Fuzz/Corpus/heic/grid-own-tile-oom-418217082717b75088e868572b3bb3760e9c22ab")))
        #expect(Self.heifDecodeMessage(found)?.contains("item 2 refers back to itself") == true, "\(Self.heifDecodeMessage(found) ?? "decoded")")
        Self.expectRefused(found, "the fuzzer's self-tiled grid", codes: ["BadRequest"])
        #expect(throws: ImageError.self) { _ = try ImageProcessor.process("image/info", source: found) }
        // The same file with its reference's box claiming 3584 bytes, past the 'iref': libheif
        // ignores a reference's size and still followed the grid to itself (a later fuzz run).
        let longReference = try [UInt8](Data(contentsOf: repository.appendingPathComponent(
            "Fuzz/Corpus/heic/grid-own-tile-long-reference-oom-bdb5d6b8d5270ebcf4a58f7040d813e2290b9819")))
        #expect(Self.heifDecodeMessage(longReference)?.contains("item 2 refers back to itself") == true,
                "\(Self.heifDecodeMessage(longReference) ?? "decoded")")
        Self.expectRefused(longReference, "the self-tiled grid whose reference claims too many bytes", codes: ["BadRequest"])
        // Item 1's tile is item 2, whose alpha ('auxl' from the alpha to its master) is item 1.
        let throughAlpha = Self.heifReferences([("dimg", 1, [2]), ("auxl", 1, [2])])
        #expect(Self.heifDecodeMessage(throughAlpha)?.contains("refers back to itself") == true, "\(Self.heifDecodeMessage(throughAlpha) ?? "decoded")")
        // A longer cycle, and the same shape without one: libheif then refuses the file itself
        // (it has no items), not the check.
        let long = Self.heifReferences([("dimg", 1, [2, 3]), ("dimg", 3, [4]), ("dimg", 4, [5]), ("dimg", 5, [3])])
        #expect(Self.heifDecodeMessage(long)?.contains("item 3 refers back to itself") == true, "\(Self.heifDecodeMessage(long) ?? "decoded")")
        let acyclic = Self.heifReferences([("dimg", 1, [2, 3]), ("dimg", 3, [4]), ("dimg", 4, [5]), ("auxl", 6, [1])])
        let message = try #require(Self.heifDecodeMessage(acyclic))
        #expect(!message.contains("refers back") && !message.contains("tile decodes"), "\(message)")
    }

    /// libheif 1.15 allocates a grid's canvas from the size its payload declares, whatever the
    /// item's `ispe` says (the size every check before the decode sees): a 908-byte file found by
    /// the fuzzer declares 26724 × 27762 for one 64 × 64 tile, 2.2 GB, and under AddressSanitizer
    /// libheif wrote through the failed allocation (SEGV).
    @Test("a HEIC grid declaring a canvas larger than the image is refused before libheif allocates it")
    func heifGridCanvas() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let found = try [UInt8](Data(contentsOf: repository.appendingPathComponent("Fuzz/Corpus/heic/grid-canvas-crash-481d4b1f42703f7d08d4d785ff3dca7587ec6cf6")))
        let message = Self.heifDecodeMessage(found) ?? "decoded"
        #expect(message.contains("grid item 2 declares a 26724 x 27762 canvas"), "\(message)")
        Self.expectRefused(found, "the fuzzer's 742-megapixel grid canvas", codes: ["BadRequest"])
        #expect(throws: ImageError.self) { _ = try ImageProcessor.process("image/info", source: found) }
        // The same file with the canvas its tile fills (64 × 64) gets past the check: only
        // libheif's own judgement of the rest is left.
        var fitted = found
        let idat = try #require((0..<(fitted.count - 4)).first { fitted[$0..<($0 + 4)].elementsEqual("idat".utf8) })
        // idat's body starts with the grid payload: version, flags, rows - 1, columns - 1, then
        // width and height (16 bits each).
        fitted.replaceSubrange((idat + 4 + 4)..<(idat + 4 + 8), with: [0, 64, 0, 64])
        let fittedMessage = Self.heifDecodeMessage(fitted, pixels: 64 * 64) ?? "decoded"
        #expect(!fittedMessage.contains("canvas"), "\(fittedMessage)")
        // A caller expecting a smaller image holds the grid to that size.
        #expect(Self.heifDecodeMessage(fitted, pixels: 64 * 63)?.contains("grid item 2 declares a 64 x 64 canvas") == true)
    }

    @Test("nested HEIC grids asking for more than 16,384 tile decodes are refused; 120 × 120 is not")
    func heifTileDecodes() throws {
        // 200 tiles, each a grid of 200 tiles: 40,000 decodes from 800 bytes of references.
        let nested = Self.heifReferences([("dimg", 1, Array(repeating: 2, count: 200)), ("dimg", 2, Array(repeating: 3, count: 200))])
        #expect(Self.heifDecodeMessage(nested)?.contains("more than 16384 tile decodes") == true, "\(Self.heifDecodeMessage(nested) ?? "decoded")")
        let fine = Self.heifReferences([("dimg", 1, Array(repeating: 2, count: 120)), ("dimg", 2, Array(repeating: 3, count: 120))])
        let message = try #require(Self.heifDecodeMessage(fine))
        #expect(!message.contains("tile decodes"), "\(message)")
        // Alpha images count too: 120 × 120 for the colour (item 1) and as many again for its
        // alpha (item 4).
        let withAlpha = Self.heifReferences([
            ("dimg", 1, Array(repeating: 2, count: 120)), ("dimg", 2, Array(repeating: 3, count: 120)),
            ("auxl", 4, [1]), ("dimg", 4, Array(repeating: 5, count: 120)), ("dimg", 5, Array(repeating: 6, count: 120)),
        ])
        #expect(Self.heifDecodeMessage(withAlpha)?.contains("more than 16384 tile decodes") == true)
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
        var random = SeededGenerator(seed: 0xC0FFEE)
        for round in 0..<120 {
            var bytes = good
            for _ in 0..<(1 + round % 4) {
                let value = random.next()
                bytes[Int(value >> 33) % bytes.count] = UInt8(truncatingIfNeeded: value >> 17)
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
