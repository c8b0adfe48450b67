import CImageCodecs

/// GIF through giflib: frames decoded one at a time onto a canvas, and written one at a time with
/// a palette each (``PaletteQuantizer``).
///
/// An animated GIF is never held whole: ``forEachFrame(_:channels:firstOnly:budget:_:)`` hands out
/// one composed canvas at a time, and ``GIFWriter`` takes processed frames one at a time, so an
/// animation costs the canvas, one frame's work and the output, not frames × frame size.
enum GIFCodec {
    /// One frame: the whole canvas after drawing it, and how long it shows.
    struct Frame {
        var bitmap: Bitmap
        /// In 1/100 s, as GIF stores it.
        var delay: Int
    }

    /// Decodes frames in order, calling `body` with each composed canvas (RGBA, or RGB flattened
    /// on white when `channels` is 3); only the first when `firstOnly`.
    static func forEachFrame(_ bytes: [UInt8], channels: Int, firstOnly: Bool, budget: ImageWorkBudget,
                             _ body: (Frame) throws(ImageError) -> Void) throws(ImageError) {
        let structure = try GIFStructure(bytes)
        try ImageLimits.check(width: structure.width, height: structure.height)
        var failure: ImageError?
        bytes.withUnsafeBufferPointer { buffer in
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            var width: Int32 = 0, height: Int32 = 0
            guard let decoder = oss_gif_decoder_open(buffer.baseAddress, buffer.count, &width, &height, &error) else {
                failure = ImageError.decode(ImageCodecs.text(error))
                return
            }
            defer { oss_gif_decoder_close(decoder) }
            guard Int(width) == structure.width, Int(height) == structure.height else {
                failure = ImageError.decode("GIF screen read two ways disagrees")
                return
            }
            let w = Int(width), h = Int(height)
            var delivered = 0
            while true {
                var canvas: UnsafePointer<UInt8>?
                var delay: Int32 = 0
                let status = oss_gif_decoder_next(decoder, &canvas, &delay, budget.stop, &error)
                if status == 0 { break }
                guard status == 1, let canvas else {
                    failure = budget.codecFailure(status, ImageError.decode(ImageCodecs.text(error)))
                    return
                }
                var rgba = Bitmap(trustedWidth: w, height: h, channels: 4, pixels: Array(UnsafeBufferPointer(start: canvas, count: w * h * 4)))
                if channels == 3 { rgba = rgba.flattened() }
                do throws(ImageError) {
                    try body(Frame(bitmap: rgba, delay: Int(delay)))
                } catch {
                    failure = error
                    return
                }
                delivered += 1
                if firstOnly { break }
            }
            if delivered == 0 { failure = ImageError.decode("GIF without a decodable frame") }
        }
        if let failure { throw failure }
    }

    /// The first frame, as a still image.
    static func decodeFirstFrame(_ bytes: [UInt8], channels: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        var first: Bitmap?
        try forEachFrame(bytes, channels: channels, firstOnly: true, budget: budget) { frame throws(ImageError) in first = frame.bitmap }
        guard let first else { throw ImageError.decode("GIF without a decodable frame") }
        return first
    }

    /// A still image as a one-frame GIF.
    static func encode(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        let writer = try GIFWriter(width: bitmap.width, height: bitmap.height, loopCount: nil)
        try writer.add(bitmap, delay: 0, budget: budget)
        return try writer.finish()
    }
}

/// A GIF89a written frame by frame. Each frame is the whole canvas with its own palette, and is
/// disposed to the background before the next, so frames never show through one another.
final class GIFWriter {
    private var encoder: OpaquePointer?
    let width: Int
    let height: Int

    /// `loopCount`: nil for a still image (no loop block), else the NETSCAPE2.0 count (0: forever).
    init(width: Int, height: Int, loopCount: Int?) throws(ImageError) {
        guard width <= 65_535, height <= 65_535 else {
            throw .invalidArgument("A GIF is at most 65535 pixels a side; this image is \(width)x\(height).")
        }
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        guard let encoder = oss_gif_encoder_open(Int32(width), Int32(height), Int32(loopCount.map { min(max($0, 0), 65_535) } ?? -1), &error) else {
            throw ImageError(code: "InternalError", message: "GIF encoding failed: \(ImageCodecs.text(error))", status: 500)
        }
        self.encoder = encoder
        self.width = width
        self.height = height
    }

    deinit { if let encoder { oss_gif_encoder_abort(encoder) } }

    func add(_ bitmap: Bitmap, delay: Int, budget: ImageWorkBudget) throws(ImageError) {
        guard let encoder else { throw ImageError(code: "InternalError", message: "GIF writer used after finishing", status: 500) }
        guard bitmap.width == width, bitmap.height == height else {
            throw ImageError(code: "InternalError", message: "A \(bitmap.width)x\(bitmap.height) frame does not fit a \(width)x\(height) GIF.", status: 500)
        }
        let indexed = try PaletteQuantizer.quantize(bitmap, budget: budget)
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        let status = indexed.indices.withUnsafeBufferPointer { indices in
            indexed.palette.withUnsafeBufferPointer { palette in
                oss_gif_encoder_add(encoder, indices.baseAddress, 0, 0, Int32(width), Int32(height), palette.baseAddress, Int32(indexed.colors),
                                    Int32(indexed.transparentIndex ?? -1), Int32(min(max(delay, 0), 65_535)), 2, 0, budget.stop, &error)
            }
        }
        guard status == 0 else {
            throw budget.codecFailure(status, ImageError(code: "InternalError", message: "GIF encoding failed: \(ImageCodecs.text(error))", status: 500))
        }
    }

    func finish() throws(ImageError) -> [UInt8] {
        guard let encoder else { throw ImageError(code: "InternalError", message: "GIF writer finished twice", status: 500) }
        self.encoder = nil
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        guard oss_gif_encoder_finish(encoder, &out, &size, &error) == 0, let out else {
            throw ImageError(code: "InternalError", message: "GIF encoding failed: \(ImageCodecs.text(error))", status: 500)
        }
        defer { oss_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
