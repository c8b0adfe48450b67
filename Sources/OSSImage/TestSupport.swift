// Builders of hostile and edge-case files for tests (and fuzz seeds), kept next to the codecs they feed.
extension ImageCodecs {
    /// A PNG signature and IHDR with the given size and nothing else: lets tests build a
    /// "decompression bomb" header without allocating its pixels.
    public static func encodePNGHeaderForTests(width: Int, height: Int) -> [UInt8] {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        PNGEncoder.appendChunk(&png, "IHDR", PNGEncoder.bigEndian(UInt32(truncatingIfNeeded: width)) + PNGEncoder.bigEndian(UInt32(truncatingIfNeeded: height)) + [8, 2, 0, 0, 0])
        return png
    }

    /// Inserts an APP1 EXIF segment holding only an orientation tag after the JPEG's SOI marker.
    public static func insertEXIFOrientationForTests(_ jpeg: [UInt8], orientation: Int) -> [UInt8] {
        // Big-endian TIFF: header, IFD0 with one entry (0x0112, SHORT, 1, value), next IFD 0.
        var tiff: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]
        tiff += [0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, UInt8(truncatingIfNeeded: orientation >> 8), UInt8(truncatingIfNeeded: orientation), 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif\0\0".utf8) + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
    }

    /// An animated GIF of equally sized frames (one delay each, looping forever), for the fuzz
    /// seeds and tools that need animated sources.
    package static func encodeAnimatedGIFForTools(_ frames: [Bitmap], delay: Int) throws(ImageError) -> [UInt8] {
        guard let first = frames.first else { throw .invalidArgument("An animation needs at least one frame.") }
        let writer = try GIFWriter(width: first.width, height: first.height, loopCount: 0)
        for frame in frames { try writer.add(frame, delay: delay, budget: .unbounded) }
        return try writer.finish()
    }
}
