import CImageCodecs

/// TIFF through libtiff: the first directory (page) decoded through libtiff's RGBA interface, one
/// strip or row of tiles at a time; written as 8-bit RGB(A), LZW with horizontal differencing.
///
/// OSS does not document how it writes TIFF. LZW is what every TIFF reader decodes (Deflate is
/// not universal), and the predictor halves a photograph's size at no cost in compatibility.
enum TIFFCodec {
    // TIFF's tag values (the TIFF 6.0 specification), for the writer.
    static let photometricMinIsBlack: Int32 = 1
    static let photometricRGB: Int32 = 2
    static let photometricPalette: Int32 = 3
    static let photometricSeparated: Int32 = 5
    static let compressionNone: Int32 = 1
    static let compressionLZW: Int32 = 5
    static let compressionDeflate: Int32 = 8
    static let compressionPackBits: Int32 = 32773

    static func inspect(_ bytes: [UInt8]) throws(ImageError) -> oss_tiff_info {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var info = oss_tiff_info()
        guard oss_tiff_inspect(bytes, bytes.count, &info, &error) == 0 else { throw ImageError.decode(ImageCodecs.text(error)) }
        return info
    }

    static func decode(_ bytes: [UInt8], width: Int, height: Int, channels: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        try budget.checkpoint()
        let (pixels, status) = ImageCodecs.decoderOutput(count: width * height * channels) {
            oss_tiff_decode(bytes, bytes.count, Int32(channels), $0.baseAddress, $0.count, budget.stop, &error)
        }
        guard status == 0 else { throw budget.codecFailure(status, ImageError.decode(ImageCodecs.text(error))) }
        return Bitmap(trustedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    static func encode(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        try encodeSamples(bitmap.pixels, width: bitmap.width, height: bitmap.height, samplesPerPixel: bitmap.channels, bits: 8,
                          photometric: TIFFCodec.photometricRGB, palette: nil, alpha: bitmap.channels == 4, tile: 0,
                          compression: TIFFCodec.compressionLZW, budget: budget)
    }

    /// Any layout libtiff writes: for tests that need grey, palette, CMYK, 16-bit or tiled sources.
    static func encodeSamples(_ samples: [UInt8], width: Int, height: Int, samplesPerPixel: Int, bits: Int, photometric: Int32,
                              palette: [UInt16]?, alpha: Bool, tile: Int, compression: Int32, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max),
              let needed = Checked.product(width, height, samplesPerPixel * bits / 8), samples.count == needed,
              palette == nil || palette!.count == 3 << bits else {
            throw .invalidArgument("TIFF samples do not match a \(width)x\(height) image of \(samplesPerPixel) samples of \(bits) bits.")
        }
        try budget.checkpoint()
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = samples.withUnsafeBufferPointer { data in
            (palette ?? []).withUnsafeBufferPointer { colormap in
                oss_tiff_encode(data.baseAddress, Int32(width), Int32(height), Int32(samplesPerPixel), Int32(bits), photometric,
                                palette == nil ? nil : colormap.baseAddress, alpha ? 1 : 0, Int32(tile), compression, budget.stop, &out, &size, &error)
            }
        }
        defer { oss_free(out) }
        guard status == 0, let out else {
            throw budget.codecFailure(status, ImageError(code: "InternalError", message: "TIFF encoding failed: \(ImageCodecs.text(error))", status: 500))
        }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
