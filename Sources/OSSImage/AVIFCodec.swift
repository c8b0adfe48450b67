import CImageCodecs

/// AVIF through libavif: the first frame, decoded by dav1d straight into the output; written as a
/// still AV1 image by aom at speed 8 (of 0, slowest, to 10).
///
/// OSS does not document its AVIF encoder's effort. Speed 8 keeps a 12-megapixel encode within
/// seconds on two cores; slower speeds gain a few percent of size for several times the time.
enum AVIFCodec {
    static let speed = 8

    static func inspect(_ bytes: [UInt8]) throws(ImageError) -> oss_avif_info {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var info = oss_avif_info()
        guard oss_avif_inspect(bytes, bytes.count, &info, &error) == 0 else { throw ImageError.decode(ImageCodecs.text(error)) }
        return info
    }

    static func exif(_ bytes: [UInt8], length: Int) -> [UInt8]? {
        guard length > 0, length <= ImageLimits.maximumSourceBytes else { return nil }
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out = [UInt8](repeating: 0, count: length)
        let copied = oss_avif_exif(bytes, bytes.count, &out, out.count, &error)
        return copied > 0 ? Array(out.prefix(copied)) : nil
    }

    static func decode(_ bytes: [UInt8], width: Int, height: Int, channels: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        try budget.checkpoint()
        let (pixels, status) = ImageCodecs.decoderOutput(count: width * height * channels) {
            oss_avif_decode(bytes, bytes.count, Int32(channels), $0.baseAddress, $0.count, budget.stop, &error)
        }
        guard status == 0 else { throw budget.codecFailure(status, ImageError.decode(ImageCodecs.text(error))) }
        return Bitmap(trustedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    static var encoderName: String? {
        let name = String(cString: oss_avif_encoder_name())
        return name.isEmpty ? nil : name
    }

    static func encode(_ bitmap: Bitmap, quality: Int, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        try encodeSamples(bitmap.pixels, width: bitmap.width, height: bitmap.height, channels: bitmap.channels, depth: 8, quality: quality, budget: budget)
    }

    /// `depth` 8: one byte a sample; 10 or 12: `samples` holds 16-bit values in the machine's order.
    static func encodeSamples(_ samples: [UInt8], width: Int, height: Int, channels: Int, depth: Int, quality: Int, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        guard encoderName != nil else {
            throw ImageError(code: "InternalError", message: "This build's libavif has no AV1 encoder (aom, rav1e or SVT-AV1), so it cannot write AVIF.", status: 500)
        }
        guard width <= ImageLimits.maximumSide, height <= ImageLimits.maximumSide else {
            throw .invalidArgument("AVIF is written here up to \(ImageLimits.maximumSide) pixels a side; this image is \(width)x\(height).")
        }
        guard let needed = Checked.product(width, height, channels * (depth == 8 ? 1 : 2)), samples.count == needed else {
            throw .invalidArgument("AVIF samples do not match a \(width)x\(height) image.")
        }
        try budget.checkpoint()
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = samples.withUnsafeBufferPointer {
            oss_avif_encode($0.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(depth), Int32(quality), Int32(speed), budget.stop, &out, &size, &error)
        }
        defer { oss_free(out) }
        guard status == 0, let out else {
            throw budget.codecFailure(status, ImageError(code: "InternalError", message: "AVIF encoding failed: \(ImageCodecs.text(error))", status: 500))
        }
        try budget.checkpoint()
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
