import CImageCodecs
import Dispatch
import OSSImageProcess
#if canImport(Glibc)
import Glibc
#endif

/// Reads and writes the formats the local kernels handle: JPEG (libjpeg-turbo), PNG (libpng to
/// read, ISA-L to compress when writing), WebP (libwebp) and BMP (24-bit and 32-bit, by hand).
public enum ImageCodecs {
    /// The format of encoded bytes, from their signature.
    public static func detectFormat(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return .webp }
        if bytes.starts(with: Array("BM".utf8)) { return .bmp }
        if bytes.starts(with: Array("GIF8".utf8)) { return .gif }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        return nil
    }

    /// Width and height from the header, and whether the format stores alpha; no pixels decoded.
    public static func dimensions(_ bytes: [UInt8]) throws(ImageError) -> (width: Int, height: Int, format: ImageFormat) {
        guard let format = detectFormat(bytes) else { throw ImageError.decode("unknown image format") }
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var width: Int32 = 0, height: Int32 = 0, extra: Int32 = 0
        switch format {
        case .jpg:
            guard oss_jpeg_header(bytes, bytes.count, &width, &height, &extra, &error) == 0 else { throw ImageError.decode(Self.text(error)) }
        case .png:
            // Width and height straight from IHDR, so limits apply before libpng reads anything.
            guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { throw ImageError.decode("PNG without IHDR") }
            func be(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
            return (be(16), be(20), .png)
        case .webp:
            guard WebPGetInfo(bytes, bytes.count, &width, &height) != 0 else { throw ImageError.decode("invalid WebP header") }
        case .bmp:
            let header = try BMPCodec.header(bytes)
            return (header.width, header.height, .bmp)
        default:
            throw ImageError.notImplemented("Decoding \(format.rawValue) is not supported by the local kernels (jpg, png, webp, bmp are).")
        }
        return (Int(width), Int(height), format)
    }

    /// Decodes a whole image, after checking OSS's limits from the header.
    public static func decode(_ bytes: [UInt8], channels wanted: Int? = nil) throws(ImageError) -> (Bitmap, ImageFormat) {
        guard bytes.count <= ImageLimits.maximumSourceBytes else {
            throw ImageError.tooLarge("The source is \(bytes.count) bytes; image processing reads at most 20 MB.")
        }
        let (width, height, format) = try dimensions(bytes)
        try ImageLimits.check(width: width, height: height)
        switch format {
        case .jpg:
            return (try decodeJPEGRegion(bytes, x: 0, y: 0, width: width, height: height, channels: wanted ?? 3), .jpg)
        case .png:
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            var w: Int32 = 0, h: Int32 = 0, alpha: Int32 = 0
            guard oss_png_header(bytes, bytes.count, &w, &h, &alpha, &error) == 0 else { throw ImageError.decode(text(error)) }
            let channels = wanted ?? (alpha != 0 ? 4 : 3)
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            let status = pixels.withUnsafeMutableBufferPointer { oss_png_decode(bytes, bytes.count, Int32(channels), $0.baseAddress, $0.count, &error) }
            guard status == 0 else { throw ImageError.decode(text(error)) }
            return (Bitmap(width: width, height: height, channels: channels, pixels: pixels), .png)
        case .webp:
            let channels = wanted ?? 4
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            let ok = pixels.withUnsafeMutableBufferPointer { buffer in
                channels == 4
                    ? WebPDecodeRGBAInto(bytes, bytes.count, buffer.baseAddress, buffer.count, Int32(width * 4)) != nil
                    : WebPDecodeRGBInto(bytes, bytes.count, buffer.baseAddress, buffer.count, Int32(width * 3)) != nil
            }
            guard ok else { throw ImageError.decode("invalid WebP data") }
            return (Bitmap(width: width, height: height, channels: channels, pixels: pixels), .webp)
        case .bmp:
            var bitmap = try BMPCodec.decode(bytes)
            if let wanted, wanted != bitmap.channels { bitmap = wanted == 4 ? bitmap.withAlpha() : bitmap.flattened() }
            return (bitmap, .bmp)
        default:
            throw ImageError.notImplemented("Decoding \(format.rawValue) is not supported by the local kernels.")
        }
    }

    /// Decodes only a rectangle of a JPEG: rows above are skipped, columns outside the iMCUs that
    /// hold the rectangle are not decoded, and decoding stops after the last row. A tall rectangle
    /// is cut into horizontal bands decoded on all cores (each band's decoder skips to its rows).
    public static func decodeJPEGRegion(_ bytes: [UInt8], x: Int, y: Int, width: Int, height: Int, channels: Int) throws(ImageError) -> Bitmap {
        let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let bands = height >= 512 ? min(cores, 4) : 1
        let rowBytes = width * channels
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let failures = pixels.withUnsafeMutableBufferPointer { buffer -> [String] in
            nonisolated(unsafe) let base = buffer.baseAddress!
            let messages = UnsafeMutableBufferPointer<String?>.allocate(capacity: bands)
            messages.initialize(repeating: nil)
            defer { messages.deallocate() }
            nonisolated(unsafe) let results = messages
            DispatchQueue.concurrentPerform(iterations: bands) { band in
                let first = height * band / bands, end = height * (band + 1) / bands
                var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
                let status = oss_jpeg_decode_region(bytes, bytes.count, Int32(x), Int32(y + first), Int32(width), Int32(end - first),
                                                    Int32(channels), base + first * rowBytes, &error)
                if status != 0 { results[band] = text(error) }
            }
            return messages.compactMap { $0 }
        }
        if let failure = failures.first { throw ImageError.decode(failure) }
        return Bitmap(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// JPEG in, circle, JPEG out, without holding the decoded image: decoding and encoding run on
    /// two threads through a ring of rows, each row masked to the circle's span (white outside).
    public static func transcodeJPEGCircle(_ bytes: [UInt8], geometry: ImageKernels.CircleGeometry, options: EncodeOptions) throws(ImageError) -> [UInt8] {
        var left = [Int32](repeating: 0, count: geometry.side)
        var right = [Int32](repeating: 0, count: geometry.side)
        for row in 0..<geometry.side {
            let half = ImageKernels.circleHalfWidth(row: row, radius: geometry.radius)
            left[row] = Int32(half < 0 ? 0 : geometry.radius - half)
            right[row] = Int32(half < 0 ? 0 : geometry.radius + half + 1)
        }
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = oss_jpeg_masked_transcode(bytes, bytes.count, Int32(geometry.originX), Int32(geometry.originY), Int32(geometry.side),
                                               left, right, Int32(options.quality), options.interlace ? 1 : 0, &out, &size, &error)
        guard status == 0, let out else { throw ImageError.decode(text(error)) }
        defer { oss_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Encoding settings beyond the format.
    public struct EncodeOptions: Sendable, Hashable {
        /// JPEG/WebP quality, 1...100.
        public var quality: Int = 85
        /// Progressive JPEG.
        public var interlace = false
        /// ISA-L igzip level for PNG, 0...3. With per-row adaptive filters, level 1 already beats
        /// zlib level 6 in size on photographs (see the circle benchmark) at many times the speed.
        public var pngLevel = 1

        /// Quality 85, baseline JPEG, PNG level 1 unless told otherwise.
        public init(quality: Int = 85, interlace: Bool = false, pngLevel: Int = 1) {
            self.quality = quality
            self.interlace = interlace
            self.pngLevel = pngLevel
        }
    }

    /// Encodes a bitmap. JPEG has no alpha: transparent pixels are flattened onto white, as OSS does.
    public static func encode(_ bitmap: Bitmap, as format: ImageFormat, options: EncodeOptions = EncodeOptions()) throws(ImageError) -> [UInt8] {
        switch format {
        case .jpg:
            let rgb = bitmap.flattened()
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            var out: UnsafeMutablePointer<UInt8>?
            var size = 0
            let status = rgb.pixels.withUnsafeBufferPointer {
                oss_jpeg_encode($0.baseAddress, Int32(rgb.width), Int32(rgb.height), 3, Int32(options.quality), options.interlace ? 1 : 0, &out, &size, &error)
            }
            guard status == 0, let out else { throw ImageError(code: "InternalError", message: "JPEG encoding failed: \(text(error))", status: 500) }
            defer { oss_free(out) }
            return Array(UnsafeBufferPointer(start: out, count: size))
        case .png:
            return PNGEncoder.encode(bitmap, level: options.pngLevel)
        case .webp:
            var out: UnsafeMutablePointer<UInt8>?
            let size = bitmap.pixels.withUnsafeBufferPointer { pixels in
                bitmap.channels == 4
                    ? WebPEncodeRGBA(pixels.baseAddress, Int32(bitmap.width), Int32(bitmap.height), Int32(bitmap.width * 4), Float(options.quality), &out)
                    : WebPEncodeRGB(pixels.baseAddress, Int32(bitmap.width), Int32(bitmap.height), Int32(bitmap.width * 3), Float(options.quality), &out)
            }
            guard size > 0, let out else { throw ImageError(code: "InternalError", message: "WebP encoding failed", status: 500) }
            defer { WebPFree(out) }
            return Array(UnsafeBufferPointer(start: out, count: size))
        case .bmp:
            return BMPCodec.encode(bitmap)
        default:
            throw ImageError.notImplemented("Encoding \(format.rawValue) is not supported by the local kernels (jpg, png, webp, bmp are).")
        }
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// PNG written by hand around ISA-L: the rows are cut into bands, each filtered (adaptive, libpng's
/// heuristic) and compressed by igzip on its own core, joined into one zlib stream; smaller than
/// zlib level 6 on photographs, many times faster.
enum PNGEncoder {
    static func encode(_ bitmap: Bitmap, level: Int) -> [UInt8] {
        let channels = bitmap.channels
        // Bands are filtered and compressed in parallel when the image is large enough to pay.
        let bytes = bitmap.width * bitmap.height * channels
        let parts = bytes >= 4 << 20 ? min(8, max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))) : 1
        var zlibPointer: UnsafeMutablePointer<UInt8>?
        var zlibSize = 0
        let status = bitmap.pixels.withUnsafeBufferPointer {
            oss_png_idat_parallel($0.baseAddress, Int32(bitmap.width), Int32(bitmap.height), Int32(channels), Int32(parts), Int32(level),
                                  &zlibPointer, &zlibSize)
        }
        precondition(status == 0 && zlibPointer != nil, "PNG compression failed")
        defer { oss_free(zlibPointer) }
        let compressed = UnsafeBufferPointer(start: zlibPointer, count: zlibSize)

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += bigEndian(UInt32(bitmap.width))
        header += bigEndian(UInt32(bitmap.height))
        header += [8, channels == 4 ? 6 : 2, 0, 0, 0]
        appendChunk(&png, "IHDR", header)
        png.reserveCapacity(png.count + 64 + compressed.count)
        appendChunk(&png, "IDAT", compressed)
        appendChunk(&png, "IEND", [])
        return png
    }

    static func appendChunk(_ png: inout [UInt8], _ type: String, _ data: some Collection<UInt8>) {
        png += bigEndian(UInt32(data.count))
        let typeBytes = Array(type.utf8)
        png += typeBytes
        png += data
        var crc = crc32_gzip_refl(0, typeBytes, UInt64(typeBytes.count))
        crc = data.withContiguousStorageIfAvailable { crc32_gzip_refl(crc, $0.baseAddress, UInt64($0.count)) }
            ?? Array(data).withUnsafeBufferPointer { crc32_gzip_refl(crc, $0.baseAddress, UInt64($0.count)) }
        png += bigEndian(crc)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

/// Uncompressed BMP: 24-bit BGR, or 32-bit BGRA (BITMAPV4HEADER with an alpha mask).
enum BMPCodec {
    struct Header {
        var width: Int
        var height: Int
        var bitsPerPixel: Int
        var topDown: Bool
        var dataOffset: Int
    }

    static func header(_ bytes: [UInt8]) throws(ImageError) -> Header {
        guard bytes.count >= 54, bytes[0] == 0x42, bytes[1] == 0x4D else { throw ImageError.decode("not a BMP file") }
        func u32(_ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24 }
        func u16(_ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
        let width = Int(Int32(truncatingIfNeeded: u32(18)))
        let rawHeight = Int(Int32(truncatingIfNeeded: u32(22)))
        let bits = u16(28)
        let compression = u32(30)
        guard bits == 24 || bits == 32, compression == 0 || compression == 3, width > 0, rawHeight != 0 else {
            throw ImageError.notImplemented("Only uncompressed 24-bit and 32-bit BMP files are supported.")
        }
        return Header(width: width, height: abs(rawHeight), bitsPerPixel: bits, topDown: rawHeight < 0, dataOffset: u32(10))
    }

    static func decode(_ bytes: [UInt8]) throws(ImageError) -> Bitmap {
        let header = try header(bytes)
        try ImageLimits.check(width: header.width, height: header.height)
        let bytesPerPixel = header.bitsPerPixel / 8
        let rowStride = (header.width * bytesPerPixel + 3) & ~3
        guard header.dataOffset + rowStride * header.height <= bytes.count else { throw ImageError.decode("truncated BMP data") }
        let channels = bytesPerPixel == 4 ? 4 : 3
        var pixels = [UInt8](repeating: 0, count: header.width * header.height * channels)
        for row in 0..<header.height {
            let sourceRow = header.topDown ? row : header.height - 1 - row
            let base = header.dataOffset + sourceRow * rowStride
            for x in 0..<header.width {
                let s = base + x * bytesPerPixel, d = (row * header.width + x) * channels
                pixels[d] = bytes[s + 2]; pixels[d + 1] = bytes[s + 1]; pixels[d + 2] = bytes[s]
                if channels == 4 { pixels[d + 3] = bytes[s + 3] }
            }
        }
        return Bitmap(width: header.width, height: header.height, channels: channels, pixels: pixels)
    }

    static func encode(_ bitmap: Bitmap) -> [UInt8] {
        let alpha = bitmap.channels == 4
        let bytesPerPixel = alpha ? 4 : 3
        let rowStride = (bitmap.width * bytesPerPixel + 3) & ~3
        let headerSize = alpha ? 108 : 40
        let offset = 14 + headerSize
        var out = [UInt8](repeating: 0, count: offset + rowStride * bitmap.height)
        func put32(_ value: Int, _ at: Int) { for i in 0..<4 { out[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) } }
        func put16(_ value: Int, _ at: Int) { out[at] = UInt8(value & 0xFF); out[at + 1] = UInt8(value >> 8) }
        out[0] = 0x42; out[1] = 0x4D
        put32(out.count, 2); put32(offset, 10); put32(headerSize, 14)
        put32(bitmap.width, 18); put32(-bitmap.height, 22) // top-down rows
        put16(1, 26); put16(bytesPerPixel * 8, 28)
        put32(alpha ? 3 : 0, 30) // BI_BITFIELDS with masks for 32-bit
        put32(rowStride * bitmap.height, 34)
        put32(2835, 38); put32(2835, 42)
        if alpha {
            put32(0x00FF_0000, 54); put32(0x0000_FF00, 58); put32(0x0000_00FF, 62); put32(Int(bitPattern: 0xFF00_0000), 66)
            out[70] = 0x20; out[71] = 0x6E; out[72] = 0x69; out[73] = 0x57 // LCS_WINDOWS_COLOR_SPACE 'Win '
        }
        for row in 0..<bitmap.height {
            for x in 0..<bitmap.width {
                let s = (row * bitmap.width + x) * bitmap.channels, d = offset + row * rowStride + x * bytesPerPixel
                out[d] = bitmap.pixels[s + 2]; out[d + 1] = bitmap.pixels[s + 1]; out[d + 2] = bitmap.pixels[s]
                if alpha { out[d + 3] = bitmap.pixels[s + 3] }
            }
        }
        return out
    }
}

extension ImageCodecs {
    /// A PNG signature and IHDR with the given size and nothing else: lets tests build a
    /// "decompression bomb" header without allocating its pixels.
    public static func encodePNGHeaderForTests(width: Int, height: Int) -> [UInt8] {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        PNGEncoder.appendChunk(&png, "IHDR", PNGEncoder.bigEndian(UInt32(width)) + PNGEncoder.bigEndian(UInt32(height)) + [8, 2, 0, 0, 0])
        return png
    }

    /// Inserts an APP1 EXIF segment holding only an orientation tag after the JPEG's SOI marker.
    public static func insertEXIFOrientationForTests(_ jpeg: [UInt8], orientation: Int) -> [UInt8] {
        // Big-endian TIFF: header, IFD0 with one entry (0x0112, SHORT, 1, value), next IFD 0.
        var tiff: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]
        tiff += [0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif\0\0".utf8) + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
    }
}
