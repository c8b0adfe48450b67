import CImageCodecs
import OSSImageProcess

/// What an encoded image's header says: its size and format, and, for planning a decode, what the
/// decoder will hold. Read without decoding a pixel, so that limits and estimates apply before any
/// pixel buffer exists.
struct SourceHeader: Sendable, Hashable {
    var width: Int
    var height: Int
    var format: ImageFormat

    /// The size and format (all that `info` needs).
    init(_ bytes: [UInt8]) throws(ImageError) {
        guard let format = ImageCodecs.detectFormat(bytes) else { throw ImageError.decode("unknown image format") }
        self.format = format
        switch format {
        case .jpg:
            let info = try JPEGHeader.read(bytes)
            (width, height) = (Int(info.width), Int(info.height))
        case .png:
            let ihdr = try PNGChunks.header(bytes)
            (width, height) = (ihdr.width, ihdr.height)
        case .webp:
            let info = try WebPHeader.read(bytes)
            (width, height) = (Int(info.width), Int(info.height))
        case .bmp:
            let header = try BMPCodec.header(bytes)
            (width, height) = (header.width, header.height)
        case .gif:
            let gif = try GIFStructure(bytes)
            (width, height) = (gif.width, gif.height)
        case .tiff:
            let info = try TIFFCodec.inspect(bytes)
            (width, height) = (Int(info.width), Int(info.height))
        case .heic:
            let info = try HEIFCodec.inspect(bytes)
            (width, height) = (Int(info.width), Int(info.height))
        case .avif:
            let info = try AVIFCodec.inspect(bytes)
            (width, height) = (Int(info.width), Int(info.height))
        }
    }
}

/// What a full decode of a source holds, and whether the file can hold the image it declares.
struct DecodeProfile: Sendable, Hashable {
    /// Channels a decode gives when the caller does not ask for a number.
    var defaultChannels: Int
    /// Bytes the decoder keeps beside the output while it runs.
    var decoderBytes: Int
    /// A JPEG whose decode cannot be cut into bands that skip to their rows (progressive or
    /// non-interleaved: every band would decode every coefficient again).
    var multiScanJPEG = false
    /// A CMYK or YCCK JPEG: decoded as CMYK, converted to RGB row by row, never streamed as JPEG.
    var cmykJPEG = false
    /// A JPEG's MCUs and its blocks (padded to whole MCUs), for the split decoder's records.
    var jpegMCUs = 0
    var jpegBlocks = 0
    /// A JPEG whose decode at 1/8 reads ACs (4:2:0 chroma, which libjpeg-turbo scales less).
    var jpegReadsACsAtOneEighth = false
    /// Frames (GIF, AVIF sequences) or pages (TIFF directories, HEIF top-level images) in the
    /// file; only GIF's are processed one by one, the others' first is the image.
    var frames = 1
    /// A GIF's block structure (frame sizes, loop count).
    var gif: GIFStructure?

    /// Reads what the header says about decoding, and refuses a file too short for the image it
    /// declares: such a file is truncated, and decoding it would fill a large buffer with nothing.
    init(_ bytes: [UInt8], header: SourceHeader) throws(ImageError) {
        let width = header.width, height = header.height
        switch header.format {
        case .jpg:
            let info = try JPEGHeader.read(bytes)
            cmykJPEG = info.cmyk != 0
            guard bytes.count >= info.minimum_bytes else {
                throw ImageError.decode("\(bytes.count) bytes cannot hold a \(width)x\(height) JPEG (at least \(info.minimum_bytes) are needed): the file is truncated")
            }
            defaultChannels = 3
            multiScanJPEG = info.multi_scan != 0
            jpegMCUs = Int(clamping: info.mcus)
            jpegBlocks = Int(clamping: info.coefficient_bytes / 128) // a JBLOCK: 64 coefficients of 2 bytes
            jpegReadsACsAtOneEighth = info.reads_ac_at_one_eighth != 0
            // Baseline: a few iMCU rows. Multi-scan: every coefficient of the image.
            decoderBytes = multiScanJPEG ? Int(clamping: info.coefficient_bytes) : Checked.saturating(width, 3 * 48)
        case .png:
            let summary = try PNGChunks.summary(bytes)
            // Deflate cannot compress more than 1032:1 (a 258-byte match costs at least two bits).
            let needed = Checked.saturating(height, (Checked.saturating(width, summary.bitsPerPixel) + 7) / 8)
            guard Checked.sum(Checked.saturating(summary.compressedBytes, 1032), 4096) >= needed else {
                throw ImageError.decode("\(summary.compressedBytes) bytes of image data cannot hold a \(width)x\(height) PNG: the file is truncated")
            }
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            var w: Int32 = 0, h: Int32 = 0, alpha: Int32 = 0
            guard oss_png_header(bytes, bytes.count, &w, &h, &alpha, &error) == 0 else { throw ImageError.decode(ImageCodecs.text(error)) }
            guard Int(w) == width, Int(h) == height else { throw ImageError.decode("PNG header read two ways disagrees") }
            defaultChannels = alpha != 0 ? 4 : 3
            // libpng's rows (up to 16-bit RGBA) and zlib's window.
            decoderBytes = Checked.sum(Checked.saturating(width, 16), 64 << 10)
        case .webp:
            let info = try WebPHeader.read(bytes)
            defaultChannels = 4
            let rows = Checked.saturating(width, 4 * 64)
            // Lossless: a 32-bit pixel for every pixel of the image; lossy with alpha: its plane.
            let whole = Checked.saturating(width, height)
            decoderBytes = Checked.sum(rows, info.lossless != 0 ? Checked.saturating(whole, 4) : (info.has_alpha != 0 ? whole : 0))
        case .bmp:
            let bmp = try BMPCodec.header(bytes)
            defaultChannels = bmp.hasAlpha ? 4 : 3
            decoderBytes = 0
        case .gif:
            let gif = try GIFStructure(bytes)
            self.gif = gif
            frames = gif.frames
            defaultChannels = gif.firstFrameOpaque ? 3 : 4
            // giflib's canvas, the copy each frame is handed out in, and the canvas kept for
            // "restore to previous"; a row of indices.
            let canvas = Checked.saturating(Checked.saturating(width, height), 4)
            decoderBytes = Checked.sum(Checked.saturating(canvas, gif.restoresPrevious ? 3 : 2), 64 << 10)
        case .tiff:
            let info = try TIFFCodec.inspect(bytes)
            frames = max(1, Int(info.directories))
            defaultChannels = info.has_alpha != 0 ? 4 : 3
            // A tile larger than the image (rounded up to tiles of 16) and 1024 px is a bomb: its
            // buffer would dwarf the image it holds.
            if info.tiled != 0 {
                let tw = Int(info.tile_width), th = Int(info.tile_height)
                guard tw > 0, th > 0, tw <= max((width + 15) & ~15, 1024), th <= max((height + 15) & ~15, 1024) else {
                    throw ImageError.decode("TIFF tiles of \(tw)x\(th) for a \(width)x\(height) image")
                }
            }
            // A file too short for what its strips declare is truncated: refused before a buffer
            // of its size exists. Each compression has a largest ratio (PackBits 64:1, LZW's
            // strings grow by one byte a code so about 1,400:1, deflate 1,032:1); the others
            // (JPEG, fax, newer ones) are left to libtiff.
            let ratios: [Int32: Int] = [1: 1, 32773: 64, 5: 1400, 8: 1032, 32946: 1032]
            if let ratio = ratios[info.compression] {
                let holds = Checked.sum(Checked.saturating(Int(clamping: info.data_bytes), ratio), 4096)
                guard holds >= Int(clamping: info.raw_bytes) else {
                    throw ImageError.decode("\(info.data_bytes) bytes of strip data cannot hold a \(width)x\(height) TIFF: the file is truncated")
                }
            }
            // libtiff's decoded strip or tile (and the raw one read from the file), and the RGBA
            // raster of one band, unless a whole-image band is decoded into the output in place.
            let band = min(max(Int(info.band_rows), 1), height)
            let inPlace = defaultChannels == 4 && band == height
            let raster = inPlace ? 0 : Checked.saturating(Checked.saturating(width, band), 4)
            decoderBytes = Checked.sum(raster, Checked.saturating(Int(clamping: info.block_bytes), 2))
        case .heic:
            let info = try HEIFCodec.inspect(bytes)
            frames = max(1, Int(info.images))
            defaultChannels = info.has_alpha != 0 ? 4 : 3
            decoderBytes = Self.heifDecoderBytes(width: width, height: height, channels: defaultChannels, depth: Int(info.bit_depth))
        case .avif:
            let info = try AVIFCodec.inspect(bytes)
            frames = max(1, Int(info.frames))
            defaultChannels = info.has_alpha != 0 ? 4 : 3
            decoderBytes = Self.avifDecoderBytes(width: width, height: height, alpha: info.has_alpha != 0, depth: Int(info.depth))
        }
    }

    /// libheif's working set for a still: libde265's decoded picture and libheif's copy of it in
    /// YCbCr 4:2:0 (1.5 samples a pixel each, 2 bytes a sample past 8 bits, and an alpha plane),
    /// then the interleaved RGB(A) it converts to before the copy into the output. Measured by
    /// `OSSBenchmarks formats` (its peak is printed beside this estimate).
    static func heifDecoderBytes(width: Int, height: Int, channels: Int, depth: Int) -> Int {
        let pixels = Checked.saturating(width, height)
        let sample = depth > 8 ? 2 : 1
        let planes = Checked.saturating(Checked.saturating(pixels, sample), channels == 4 ? 5 : 3) // 2 × 1.5 (+ 2 × alpha), in halves
        return Checked.sum(Checked.sum(planes, Checked.saturating(pixels, channels)), 16 << 20)
    }

    /// libavif's working set for a still: dav1d's picture (and, with two threads, one frame in
    /// flight) in YCbCr 4:2:0, the alpha plane's own decode, and dav1d's tables; the conversion
    /// to RGB writes straight into the output. Measured by `OSSBenchmarks formats`.
    static func avifDecoderBytes(width: Int, height: Int, alpha: Bool, depth: Int) -> Int {
        let pixels = Checked.saturating(width, height)
        let sample = depth > 8 ? 2 : 1
        let picture = Checked.saturating(Checked.saturating(pixels, sample), 3) // 2 × 1.5 samples a pixel
        let alphaPlane = alpha ? Checked.saturating(Checked.saturating(pixels, sample), 2) : 0
        return Checked.sum(Checked.sum(picture, alphaPlane), 24 << 20)
    }
}

/// A JPEG's header through libjpeg.
enum JPEGHeader {
    static func read(_ bytes: [UInt8]) throws(ImageError) -> oss_jpeg_info {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var info = oss_jpeg_info()
        guard oss_jpeg_inspect(bytes, bytes.count, &info, &error) == 0 else { throw ImageError.decode(ImageCodecs.text(error)) }
        return info
    }
}

/// A WebP's header through libwebp.
enum WebPHeader {
    static func read(_ bytes: [UInt8]) throws(ImageError) -> oss_webp_info {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var info = oss_webp_info()
        guard oss_webp_inspect(bytes, bytes.count, &info, &error) == 0 else { throw ImageError.decode(ImageCodecs.text(error)) }
        return info
    }
}

/// A PNG's chunk structure, walked by hand so that limits apply before libpng reads anything.
enum PNGChunks {
    struct Header {
        var width: Int
        var height: Int
        var bitsPerPixel: Int
    }

    struct Summary {
        var bitsPerPixel: Int
        /// IDAT bytes present in the file.
        var compressedBytes: Int
    }

    static func be32(_ bytes: [UInt8], _ at: Int) -> Int {
        Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
    }

    /// IHDR, which the format puts first: size, and bits per pixel from bit depth and color type.
    static func header(_ bytes: [UInt8]) throws(ImageError) -> Header {
        guard bytes.count >= 33, be32(bytes, 8) == 13, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw ImageError.decode("PNG without IHDR")
        }
        let width = be32(bytes, 16), height = be32(bytes, 20)
        // The format's own bound: sides fit in 31 bits.
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw ImageError.decode("PNG of \(width)x\(height) pixels")
        }
        let depth = Int(bytes[24])
        let samples: Int
        switch bytes[25] {
        case 0, 3: samples = 1 // gray, palette
        case 2: samples = 3
        case 4: samples = 2
        case 6: samples = 4
        default: throw ImageError.decode("PNG color type \(bytes[25])")
        }
        guard [1, 2, 4, 8, 16].contains(depth) else { throw ImageError.decode("PNG bit depth \(depth)") }
        return Header(width: width, height: height, bitsPerPixel: depth * samples)
    }

    /// Walks the chunks (each length checked against the file; every step moves at least 12
    /// bytes) and adds up the IDAT data that is present.
    static func summary(_ bytes: [UInt8]) throws(ImageError) -> Summary {
        let ihdr = try header(bytes)
        var at = 8, compressed = 0
        while at <= bytes.count - 8 {
            let length = be32(bytes, at)
            let type = bytes[(at + 4)..<(at + 8)]
            let available = bytes.count - at - 8 // data and CRC
            if type.elementsEqual("IDAT".utf8) { compressed += min(length, available) }
            if type.elementsEqual("IEND".utf8) || length > available - 4 { break }
            at += 12 + length
        }
        return Summary(bitsPerPixel: ihdr.bitsPerPixel, compressedBytes: compressed)
    }
}
