import CImageCodecs
import OSSImageProcess
import Testing

@testable import OSSImage

/// Builders of source files of every kind, made with the real libraries (libjpeg for CMYK,
/// libtiff for every TIFF layout, giflib for animations) or, for PNG, byte by byte with stored
/// deflate blocks so that each colour type and bit depth is exactly what the test says.
enum FormatTestFiles {
    // MARK: PNG

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func be32(_ value: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body[...])))
    }

    /// A PNG of `rows` (each row's samples, no filter byte), color type and bit depth as given.
    static func png(width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, rows: [UInt8],
                    palette: [UInt8]? = nil, transparency: [UInt8]? = nil, density: (Int, Int, UInt8)? = nil) -> [UInt8] {
        let rowBytes = rows.count / height
        var raw: [UInt8] = []
        for y in 0..<height { raw.append(0); raw += rows[(y * rowBytes)..<((y + 1) * rowBytes)] }
        // zlib header, stored blocks of at most 65535 bytes, Adler-32.
        var zlib: [UInt8] = [0x78, 0x01]
        var at = 0
        repeat {
            let count = min(65_535, raw.count - at)
            let last: UInt8 = at + count == raw.count ? 1 : 0
            zlib += [last, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            zlib += raw[at..<(at + count)]
            at += count
        } while at < raw.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        zlib += be32(Int(b << 16 | a))
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file += chunk("IHDR", be32(width) + be32(height) + [bitDepth, colorType, 0, 0, 0])
        if let density { file += chunk("pHYs", be32(density.0) + be32(density.1) + [density.2]) }
        if let palette { file += chunk("PLTE", palette) }
        if let transparency { file += chunk("tRNS", transparency) }
        file += chunk("IDAT", zlib)
        file += chunk("IEND", [])
        return file
    }

    // MARK: JPEG

    /// A CMYK (or YCCK) JPEG of one CMYK colour (0 = no ink), as Photoshop writes it when `adobe`.
    static func cmykJPEG(width: Int, height: Int, cmyk: (UInt8, UInt8, UInt8, UInt8), ycck: Bool, adobe: Bool) throws -> [UInt8] {
        var samples: [UInt8] = []
        for _ in 0..<(width * height) { samples += [cmyk.0, cmyk.1, cmyk.2, cmyk.3] }
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = oss_jpeg_encode_cmyk(samples, Int32(width), Int32(height), 95, ycck ? 1 : 0, adobe ? 1 : 0, &out, &size, &error)
        defer { oss_free(out) }
        try #require(status == 0 && out != nil, "\(ImageCodecs.text(error))")
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// A photo-like JPEG with the layout asked for (``oss_jpeg_encode_layout``): grey, the luma's
    /// sampling factors, restart markers every `restartRows` MCU rows, optimised Huffman tables,
    /// progressive.
    static func layoutJPEG(width: Int, height: Int, seed: UInt64, quality: Int = 90, grey: Bool = false, sampling: (Int, Int) = (2, 2),
                           restartRows: Int = 0, optimize: Bool = false, progressive: Bool = false) throws -> [UInt8] {
        let photo = try SyntheticPhoto.bitmap(width: width, height: height, seed: seed)
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = oss_jpeg_encode_layout(photo.pixels, Int32(width), Int32(height), grey ? 1 : 0, Int32(quality), Int32(sampling.0), Int32(sampling.1),
                                            Int32(restartRows), optimize ? 1 : 0, progressive ? 1 : 0, &out, &size, &error)
        defer { oss_free(out) }
        try #require(status == 0 && out != nil, "\(ImageCodecs.text(error))")
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    // MARK: TIFF

    static func tiff(_ samples: [UInt8], width: Int, height: Int, spp: Int, bits: Int = 8, photometric: Int32 = TIFFCodec.photometricRGB,
                     palette: [UInt16]? = nil, alpha: Bool = false, tile: Int = 0, compression: Int32 = TIFFCodec.compressionLZW) throws -> [UInt8] {
        try TIFFCodec.encodeSamples(samples, width: width, height: height, samplesPerPixel: spp, bits: bits, photometric: photometric,
                                    palette: palette, alpha: alpha, tile: tile, compression: compression, budget: .unbounded)
    }

    /// 16-bit samples in the machine's byte order, as libtiff takes them.
    static func native16(_ values: [UInt16]) -> [UInt8] {
        values.flatMap { [UInt8(truncatingIfNeeded: $0.littleEndian), UInt8(truncatingIfNeeded: $0.littleEndian >> 8)] }
    }

    // MARK: GIF

    struct GIFFrame {
        var left = 0, top = 0, width: Int, height: Int
        var indices: [UInt8]
        var palette: [UInt8]
        var transparent = -1
        var delay = 10
        var disposal = 0
        var interlace = false
    }

    static func gif(width: Int, height: Int, loopCount: Int? = 0, frames: [GIFFrame]) throws -> [UInt8] {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        let encoder = try #require(oss_gif_encoder_open(Int32(width), Int32(height), Int32(loopCount ?? -1), &error))
        for frame in frames {
            let status = oss_gif_encoder_add(encoder, frame.indices, Int32(frame.left), Int32(frame.top), Int32(frame.width), Int32(frame.height),
                                             frame.palette, Int32(frame.palette.count / 3), Int32(frame.transparent), Int32(frame.delay),
                                             Int32(frame.disposal), frame.interlace ? 1 : 0, nil, &error)
            if status != 0 { oss_gif_encoder_abort(encoder) }
            try #require(status == 0, "\(ImageCodecs.text(error))")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        try #require(oss_gif_encoder_finish(encoder, &out, &size, &error) == 0)
        defer { oss_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Three 8×6 frames: red over the whole screen; a green 4×3 square at (2, 2) disposed to the
    /// background; then a blue 2×2 square at (0, 0) with a transparent index, interlaced.
    static func animatedGIF() throws -> [UInt8] {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0]
        return try gif(width: 8, height: 6, loopCount: 3, frames: [
            GIFFrame(width: 8, height: 6, indices: [UInt8](repeating: 0, count: 48), palette: palette, delay: 20),
            GIFFrame(left: 2, top: 2, width: 4, height: 3, indices: [UInt8](repeating: 1, count: 12), palette: palette, delay: 30, disposal: 2),
            GIFFrame(width: 2, height: 2, indices: [2, 3, 3, 2], palette: palette, transparent: 3, delay: 40, interlace: true),
        ])
    }

    /// Mean absolute difference per sample between two bitmaps of one size (alpha included when both have it).
    static func meanError(_ a: Bitmap, _ b: Bitmap) -> Double {
        precondition(a.width == b.width && a.height == b.height)
        let channels = min(a.channels, b.channels)
        var total = 0
        for i in 0..<(a.width * a.height) {
            for c in 0..<channels { total += abs(Int(a.pixels[i * a.channels + c]) - Int(b.pixels[i * b.channels + c])) }
        }
        return Double(total) / Double(a.width * a.height * channels)
    }

    static func pixel(_ bitmap: Bitmap, _ x: Int, _ y: Int) -> [Int] {
        let at = (y * bitmap.width + x) * bitmap.channels
        return bitmap.pixels[at..<(at + bitmap.channels)].map(Int.init)
    }

    static func close(_ a: [Int], _ b: [Int], within tolerance: Int) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }
}
