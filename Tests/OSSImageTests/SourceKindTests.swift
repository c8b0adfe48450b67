import CImageCodecs
import OSSImageProcess
import Testing

@testable import OSSImage

/// 16-bit, grey, paletted, transparent and CMYK sources of every format that has them, decoded to
/// the colours they hold (checked against values known from how each file was made).
@Suite("Source kinds: 16-bit, grey, palette, tRNS, CMYK")
struct SourceKindTests {
    static func decoded(_ bytes: [UInt8], channels: Int? = nil) throws -> Bitmap { try ImageCodecs.decode(bytes, channels: channels).0 }

    // MARK: PNG

    @Test("PNG 16-bit RGB and RGBA: the high byte of each sample")
    func png16() throws {
        let rgb = FormatTestFiles.png(width: 2, height: 1, colorType: 2, bitDepth: 16, rows: [0x80, 0x40, 0x00, 0xFF, 0xFF, 0xFF, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC])
        let bitmap = try Self.decoded(rgb)
        #expect(bitmap.channels == 3)
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(bitmap, 0, 0), [0x80, 0x00, 0xFF], within: 1))
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(bitmap, 1, 0), [0x12, 0x56, 0x9A], within: 1))
        let rgba = FormatTestFiles.png(width: 1, height: 1, colorType: 6, bitDepth: 16, rows: [0xC0, 0x00, 0x40, 0x00, 0x20, 0x00, 0xFF, 0xFF])
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(try Self.decoded(rgba), 0, 0), [0xC0, 0x40, 0x20, 0xFF], within: 1))
    }

    @Test("PNG grey at 1, 8 and 16 bits, and grey with alpha")
    func pngGrey() throws {
        let one = FormatTestFiles.png(width: 8, height: 1, colorType: 0, bitDepth: 1, rows: [0b1010_0000])
        #expect(try Self.decoded(one).pixels.prefix(9) == [255, 255, 255, 0, 0, 0, 255, 255, 255])
        let eight = FormatTestFiles.png(width: 2, height: 1, colorType: 0, bitDepth: 8, rows: [0x33, 0xCC])
        #expect(try Self.decoded(eight).pixels == [0x33, 0x33, 0x33, 0xCC, 0xCC, 0xCC])
        let sixteen = FormatTestFiles.png(width: 1, height: 1, colorType: 0, bitDepth: 16, rows: [0x7F, 0xFF])
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(try Self.decoded(sixteen), 0, 0), [0x7F, 0x7F, 0x7F], within: 1))
        let greyAlpha = FormatTestFiles.png(width: 1, height: 1, colorType: 4, bitDepth: 8, rows: [0x60, 0x80])
        let ga = try Self.decoded(greyAlpha)
        #expect(ga.channels == 4 && FormatTestFiles.pixel(ga, 0, 0) == [0x60, 0x60, 0x60, 0x80])
    }

    @Test("PNG palette, with and without tRNS")
    func pngPalette() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let plain = FormatTestFiles.png(width: 3, height: 1, colorType: 3, bitDepth: 8, rows: [2, 1, 0], palette: palette)
        let p = try Self.decoded(plain)
        #expect(p.channels == 3 && p.pixels == [0, 0, 255, 0, 255, 0, 255, 0, 0])
        let transparent = FormatTestFiles.png(width: 3, height: 1, colorType: 3, bitDepth: 4, rows: [0x21, 0x00], palette: palette, transparency: [0, 128])
        let t = try Self.decoded(transparent)
        #expect(t.channels == 4 && t.pixels == [0, 0, 255, 255, 0, 255, 0, 128, 255, 0, 0, 0])
        // tRNS on RGB: one colour made transparent.
        let keyed = FormatTestFiles.png(width: 2, height: 1, colorType: 2, bitDepth: 8, rows: [1, 2, 3, 4, 5, 6], transparency: [0, 1, 0, 2, 0, 3])
        #expect(try Self.decoded(keyed).pixels == [1, 2, 3, 0, 4, 5, 6, 255])
    }

    // MARK: JPEG

    @Test("CMYK and YCCK JPEG, plain and Adobe-inverted: known ink mixes give known colours", arguments: [(false, false), (false, true), (true, true)])
    func cmykJPEG(_ ycck: Bool, _ adobe: Bool) throws {
        // Magenta and yellow ink make red; black at half makes mid grey.
        let red = try FormatTestFiles.cmykJPEG(width: 16, height: 16, cmyk: (0, 255, 255, 0), ycck: ycck, adobe: adobe)
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(try Self.decoded(red), 8, 8), [255, 0, 0], within: 6))
        let grey = try FormatTestFiles.cmykJPEG(width: 16, height: 16, cmyk: (0, 0, 0, 128), ycck: ycck, adobe: adobe)
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(try Self.decoded(grey), 3, 3), [127, 127, 127], within: 4))
        let cyan = try FormatTestFiles.cmykJPEG(width: 16, height: 16, cmyk: (255, 0, 0, 0), ycck: ycck, adobe: adobe)
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(try Self.decoded(cyan, channels: 4), 0, 0), [0, 255, 255, 255], within: 6))
    }

    @Test("a CMYK JPEG through every JPEG start: crop region, circle region, streamed circle, full decode")
    func cmykStarts() throws {
        let blue = try FormatTestFiles.cmykJPEG(width: 40, height: 30, cmyk: (255, 255, 0, 0), ycck: false, adobe: true)
        for process in ["image/crop,x_10,y_5,w_8,h_8", "image/circle,r_10/format,png", "image/circle,r_10", "image/rotate,90", "image/format,png"] {
            let result = try ImageProcessor.process(process, source: blue)
            let bitmap = try Self.decoded(result.bytes, channels: 3)
            // JPEG's 4:2:0 chroma mixes a circle's white corners into the blue of its middle block.
            let tolerance = process == "image/circle,r_10" ? 20 : 8
            #expect(FormatTestFiles.close(FormatTestFiles.pixel(bitmap, bitmap.width / 2, bitmap.height / 2), [0, 0, 255], within: tolerance), "\(process)")
        }
    }

    // MARK: TIFF

    static let rgbSamples: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 64, 32]

    @Test("TIFF 8-bit RGB in strips and tiles, with every compression libtiff writes", arguments: [
        (TIFFCodec.compressionNone, 0), (TIFFCodec.compressionLZW, 0), (TIFFCodec.compressionDeflate, 0), (TIFFCodec.compressionPackBits, 0),
        (TIFFCodec.compressionLZW, 16), (TIFFCodec.compressionNone, 16),
    ])
    func tiffRGB(_ compression: Int32, _ tile: Int) throws {
        let tiff = try FormatTestFiles.tiff(Self.rgbSamples, width: 2, height: 2, spp: 3, tile: tile, compression: compression)
        let bitmap = try Self.decoded(tiff)
        #expect(bitmap.width == 2 && bitmap.height == 2 && bitmap.pixels == Self.rgbSamples)
    }

    @Test("TIFF 16-bit RGB, grey 8 and 16, palette, CMYK and RGBA with straight alpha")
    func tiffKinds() throws {
        let sixteen = try FormatTestFiles.tiff(FormatTestFiles.native16([0xFF00, 0x8000, 0x1234]), width: 1, height: 1, spp: 3, bits: 16)
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(try Self.decoded(sixteen), 0, 0), [0xFF, 0x80, 0x12], within: 1))
        let grey = try FormatTestFiles.tiff([0, 0x40, 0x80, 0xFF], width: 4, height: 1, spp: 1, photometric: TIFFCodec.photometricMinIsBlack)
        #expect(try Self.decoded(grey).pixels == [0, 0, 0, 0x40, 0x40, 0x40, 0x80, 0x80, 0x80, 0xFF, 0xFF, 0xFF])
        let grey16 = try FormatTestFiles.tiff(FormatTestFiles.native16([0xA0A0]), width: 1, height: 1, spp: 1, bits: 16, photometric: TIFFCodec.photometricMinIsBlack)
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(try Self.decoded(grey16), 0, 0), [0xA0, 0xA0, 0xA0], within: 1))
        var colormap = [UInt16](repeating: 0, count: 768)
        colormap[1] = 0xFFFF; colormap[256 + 2] = 0xFFFF; colormap[512 + 3] = 0xFFFF // 1 red, 2 green, 3 blue
        let palette = try FormatTestFiles.tiff([1, 2, 3], width: 3, height: 1, spp: 1, photometric: TIFFCodec.photometricPalette, palette: colormap)
        #expect(try Self.decoded(palette).pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255])
        let cmyk = try FormatTestFiles.tiff([0, 255, 255, 0, 0, 0, 0, 128], width: 2, height: 1, spp: 4, photometric: TIFFCodec.photometricSeparated)
        let c = try Self.decoded(cmyk)
        #expect(FormatTestFiles.pixel(c, 0, 0) == [255, 0, 0] && FormatTestFiles.close(FormatTestFiles.pixel(c, 1, 0), [127, 127, 127], within: 1))
        let rgba = try FormatTestFiles.tiff([200, 100, 50, 128, 10, 20, 30, 0], width: 2, height: 1, spp: 4, alpha: true)
        let a = try Self.decoded(rgba)
        #expect(a.channels == 4 && FormatTestFiles.close(FormatTestFiles.pixel(a, 0, 0), [200, 100, 50, 128], within: 2) && a.pixels[7] == 0)
    }

    @Test("TIFF of many strips and of tiles larger than the image: every band decoded once, in order")
    func tiffBands() throws {
        let photo = try SyntheticPhoto.bitmap(width: 300, height: 250, seed: 8)
        for tile in [0, 32, 256] {
            let tiff = try FormatTestFiles.tiff(photo.pixels, width: 300, height: 250, spp: 3, tile: tile)
            #expect(try Self.decoded(tiff).pixels == photo.pixels, "tile \(tile)")
        }
    }

    // MARK: BMP

    @Test("BMP 1, 4 and 8-bit palette and 16-bit 5-6-5 bit fields")
    func bmpKinds() throws {
        func bmp(bits: Int, compression: Int = 0, extra: [UInt8], rows: [UInt8], width: Int) -> [UInt8] {
            func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
            let offset = 54 + extra.count
            var bytes = Array("BM".utf8) + le32(offset + rows.count) + le32(0) + le32(offset) + le32(40) + le32(width) + le32(-1)
            bytes += [1, 0, UInt8(bits), 0] + le32(compression) + le32(rows.count) + le32(3780) + le32(3780) + le32(0) + le32(0)
            return bytes + extra + rows
        }
        let palette: [UInt8] = [0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0] // BGRA quads: red, green, blue
        let eight = bmp(bits: 8, extra: palette, rows: [2, 1, 0, 0], width: 3)
        #expect(try Self.decoded(eight).pixels == [0, 0, 255, 0, 255, 0, 255, 0, 0])
        let four = bmp(bits: 4, extra: palette, rows: [0x21, 0x00, 0, 0], width: 3)
        #expect(try Self.decoded(four).pixels == [0, 0, 255, 0, 255, 0, 255, 0, 0])
        let one = bmp(bits: 1, extra: Array(palette.prefix(8)), rows: [0b0100_0000, 0, 0, 0], width: 2)
        #expect(try Self.decoded(one).pixels == [255, 0, 0, 0, 255, 0])
        let masks: [UInt8] = [0x00, 0xF8, 0, 0, 0xE0, 0x07, 0, 0, 0x1F, 0, 0, 0]
        let sixteen = bmp(bits: 16, compression: 3, extra: masks, rows: [0x00, 0xF8, 0xE0, 0x07], width: 2)
        #expect(try Self.decoded(sixteen).pixels == [255, 0, 0, 0, 255, 0])
        // And its density reaches info (3780 px/m: EXIF unit 3, centimetres).
        let info = String(decoding: try ImageProcessor.process("image/info", source: eight).bytes, as: UTF8.self)
        #expect(info.contains("\"ResolutionUnit\": {\"value\": \"3\"}") && info.contains("\"XResolution\": {\"value\": \"3780/100\"}"))
    }

    // MARK: AVIF

    @Test("AVIF at 10 bits decodes to 8 (values scaled), and with alpha")
    func avif10() throws {
        var samples: [UInt16] = []
        for _ in 0..<(16 * 16) { samples += [1023, 512, 0] }
        let avif = try AVIFCodec.encodeSamples(FormatTestFiles.native16(samples), width: 16, height: 16, channels: 3, depth: 10, quality: 95, budget: .unbounded)
        let info = try AVIFCodec.inspect(avif)
        #expect(info.depth == 10)
        #expect(FormatTestFiles.close(FormatTestFiles.pixel(try Self.decoded(avif), 8, 8), [255, 128, 0], within: 6))
    }
}
