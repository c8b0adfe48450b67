import CImageCodecs

/// HEIC through libheif: the primary image, after its rotation, mirroring and crop; written as
/// HEVC by libheif's x265 plugin (x265's "fast" preset).
enum HEIFCodec {
    static func inspect(_ bytes: [UInt8]) throws(ImageError) -> oss_heif_info {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var info = oss_heif_info()
        guard oss_heif_inspect(bytes, bytes.count, &info, &error) == 0 else { throw ImageError.decode(ImageCodecs.text(error)) }
        return info
    }

    /// The primary image's Exif (a TIFF structure), or nil.
    static func exif(_ bytes: [UInt8], length: Int) -> [UInt8]? {
        guard length > 4, length <= ImageLimits.maximumSourceBytes else { return nil }
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out = [UInt8](repeating: 0, count: length)
        let copied = oss_heif_exif(bytes, bytes.count, &out, out.count, &error)
        return copied > 0 ? Array(out.prefix(copied)) : nil
    }

    static func decode(_ bytes: [UInt8], width: Int, height: Int, channels: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        try budget.checkpoint()
        let (pixels, status) = ImageCodecs.decoderOutput(count: width * height * channels) {
            oss_heif_decode(bytes, bytes.count, Int32(channels), $0.baseAddress, $0.count, budget.stop, &error)
        }
        guard status == 0 else { throw budget.codecFailure(status, ImageError.decode(ImageCodecs.text(error))) }
        return Bitmap(trustedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// The encoder libheif has for HEVC, or nil: Debian's libheif1 links x265 in; a build without
    /// it cannot write HEIC, and says so instead of answering 501.
    static var encoderName: String? {
        let name = String(cString: oss_heif_encoder_name())
        return name.isEmpty ? nil : name
    }

    static func encode(_ bitmap: Bitmap, quality: Int, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        guard encoderName != nil else {
            throw ImageError(code: "InternalError", message: "This build's libheif has no HEVC encoder (x265), so it cannot write HEIC.", status: 500)
        }
        guard bitmap.width <= ImageLimits.maximumSide, bitmap.height <= ImageLimits.maximumSide else {
            throw .invalidArgument("HEIC is written here up to \(ImageLimits.maximumSide) pixels a side; this image is \(bitmap.width)x\(bitmap.height).")
        }
        try budget.checkpoint()
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = bitmap.pixels.withUnsafeBufferPointer {
            oss_heif_encode($0.baseAddress, Int32(bitmap.width), Int32(bitmap.height), Int32(bitmap.channels), Int32(quality), budget.stop, &out, &size, &error)
        }
        defer { oss_free(out) }
        guard status == 0, let out else {
            throw budget.codecFailure(status, ImageError(code: "InternalError", message: "HEIC encoding failed: \(ImageCodecs.text(error))", status: 500))
        }
        try budget.checkpoint()
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
