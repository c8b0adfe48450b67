import OSSImage
import OSSImageProcess

/// Small images for seed corpora and fixed sources, made here rather than copied from fixtures.
///
/// The encoders give ordinary files; the hand-built PNG writer (stored deflate blocks, so no zlib
/// is needed) reaches the colour types, bit depths and interlacing the encoder never writes.
package enum SeedImages {
    /// A photo-like RGB (or RGBA) bitmap.
    package static func bitmap(width: Int, height: Int, alpha: Bool = false, seed: UInt64 = 7) throws(ImageError) -> Bitmap {
        let photo = try SyntheticPhoto.bitmap(width: width, height: height, seed: seed)
        return alpha ? photo.withAlpha() : photo
    }

    package static func jpeg(width: Int, height: Int, quality: Int = 80, progressive: Bool = false) throws -> [UInt8] {
        try ImageCodecs.encode(try bitmap(width: width, height: height), as: .jpg,
                               options: ImageCodecs.EncodeOptions(quality: quality, interlace: progressive))
    }

    package static func encoded(_ format: ImageFormat, width: Int, height: Int, alpha: Bool = false, quality: Int = 80) throws -> [UInt8] {
        try ImageCodecs.encode(try bitmap(width: width, height: height, alpha: alpha), as: format, options: ImageCodecs.EncodeOptions(quality: quality))
    }

    /// `jpeg` with an APP1 EXIF segment after SOI: a TIFF header in either byte order and IFD0
    /// holding the orientation among a few other entries.
    package static func withEXIF(_ jpeg: [UInt8], orientation: Int, littleEndian: Bool) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] {
            littleEndian ? [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] : [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        func u32(_ value: Int) -> [UInt8] {
            littleEndian ? u16(value & 0xFFFF) + u16(value >> 16) : u16(value >> 16) + u16(value & 0xFFFF)
        }
        var tiff: [UInt8] = littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]
        tiff += u16(42) + u32(8)
        let entries: [(tag: Int, type: Int, count: Int, value: [UInt8])] = [
            (0x010F, 2, 4, Array("OSS\0".utf8)),            // Make, ASCII, inline
            (0x0112, 3, 1, u16(orientation) + [0, 0]),       // Orientation, SHORT
            (0x011A, 5, 1, u32(8 + 2 + 4 * 12 + 4)),         // XResolution, RATIONAL at an offset
            (0x8769, 4, 1, u32(0)),                          // Exif IFD pointer (none)
        ]
        tiff += u16(entries.count)
        for entry in entries { tiff += u16(entry.tag) + u16(entry.type) + u32(entry.count) + entry.value }
        tiff += u32(0) + u32(72) + u32(1)
        let payload = Array("Exif\0\0".utf8) + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
    }

    // MARK: PNG by hand

    /// A PNG of any colour type and bit depth, optionally Adam7-interlaced, with pseudo-random
    /// samples and a mix of row filters.
    package static func png(width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, interlaced: Bool = false,
                            extraChunks: [(String, [UInt8])] = []) -> [UInt8] {
        let samples: Int = switch colorType { case 0, 3: 1; case 4: 2; case 2: 3; default: 4 }
        let bitsPerPixel = samples * Int(bitDepth)
        var random = SplitMix(seed: UInt64(width * 31 + height) ^ UInt64(colorType) << 8 ^ UInt64(bitDepth) << 16)
        var raw: [UInt8] = []
        let passes: [(x: Int, y: Int, dx: Int, dy: Int)] = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        for pass in passes {
            let passWidth = width > pass.x ? (width - pass.x + pass.dx - 1) / pass.dx : 0
            let passHeight = height > pass.y ? (height - pass.y + pass.dy - 1) / pass.dy : 0
            guard passWidth > 0, passHeight > 0 else { continue }
            let rowBytes = (passWidth * bitsPerPixel + 7) / 8
            for row in 0..<passHeight {
                raw.append(UInt8(row % 5)) // filter types 0...4
                for _ in 0..<rowBytes {
                    // Palette indices stay inside the 4-entry palette written below.
                    raw.append(colorType == 3 ? UInt8(random.next() % 4) * (bitDepth == 8 ? 1 : 0) : UInt8(truncatingIfNeeded: random.next()))
                }
            }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        appendChunk(&png, "IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [bitDepth, colorType, 0, 0, interlaced ? 1 : 0])
        if colorType == 3 {
            appendChunk(&png, "PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
            appendChunk(&png, "tRNS", [255, 128, 0])
        }
        for (type, data) in extraChunks { appendChunk(&png, type, data) }
        appendChunk(&png, "IDAT", zlibStored(raw))
        appendChunk(&png, "IEND", [])
        return png
    }

    package static func appendChunk(_ png: inout [UInt8], _ type: String, _ data: [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count)) + typeBytes + data
        png += bigEndian(crc32(typeBytes + data))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// A zlib stream of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65535, data.count - offset)
            let final: UInt8 = offset + count == data.count ? 1 : 0
            out += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8(~count >> 8 & 0xFF)]
            out += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + bigEndian(b << 16 | a)
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: BMP by hand

    /// An uncompressed BMP, bottom-up or top-down, 24 or 32 bits, with a 40-byte header.
    package static func bmp(width: Int, height: Int, bitsPerPixel: Int, topDown: Bool) -> [UInt8] {
        let bytesPerPixel = bitsPerPixel / 8
        let stride = (width * bytesPerPixel + 3) & ~3
        let offset = 54
        var out = [UInt8](repeating: 0, count: offset + stride * height)
        func put32(_ value: Int, _ at: Int) { for i in 0..<4 { out[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) } }
        out[0] = 0x42; out[1] = 0x4D
        put32(out.count, 2); put32(offset, 10); put32(40, 14)
        put32(width, 18); put32(topDown ? -height : height, 22)
        out[26] = 1; out[28] = UInt8(bitsPerPixel)
        put32(stride * height, 34)
        var random = SplitMix(seed: UInt64(width * height * bitsPerPixel))
        for index in offset..<out.count { out[index] = UInt8(truncatingIfNeeded: random.next()) }
        return out
    }
}

/// A tiny deterministic generator, so seeds are the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
