import CImageCodecs
import Dispatch

/// A baseline JPEG encoded on all cores: the image cut into one horizontal band a core, each band
/// encoded by libjpeg-turbo as a JPEG of its own, the bands joined into one JPEG with a restart
/// marker between them (CImageCodecs' JPEGBands.c says why that decodes to the pixels of a
/// one-pass encode). JPEG encoding is a serial pass per image (colour conversion, DCT,
/// quantisation and Huffman coding), most of the time of a job that decodes, filters and encodes;
/// restart markers are the format's own way to cut the entropy-coded data into independent parts.
/// The held bytes are the one-pass encode's: the bands' growing buffers, then the joined copy.
enum JPEGBandEncoder {
    /// Rows a band is a multiple of: the MCU height of libjpeg's default 4:2:0 (a multiple of
    /// 4:4:4's 8 too).
    static let bandMultiple = 16

    /// Below this many rows, one pass (a band's thread and the join cost more than they save).
    static let minimumRows = 256

    /// The rows of a band of a width × height image: nil when it is encoded in one pass. A restart
    /// interval counts MCUs in 16 bits, so a wide image gets more, shorter bands than cores.
    static func bandRows(width: Int, height: Int, cores: Int) -> Int? {
        guard cores > 1, height >= minimumRows, width >= 1, width <= 65_500, height <= 65_500 else { return nil }
        let bands = min(cores, 4)
        let rows = ((height + bands - 1) / bands + bandMultiple - 1) / bandMultiple * bandMultiple
        let mcusPerRow = (width + bandMultiple - 1) / bandMultiple
        return min(rows, 65_535 / mcusPerRow * bandMultiple)
    }

    /// The JPEG of an RGB bitmap in bands, or nil when it is better made in one pass (small, one
    /// core, or no restart interval fits its width).
    static func encode(_ rgb: Bitmap, quality: Int32, budget: ImageWorkBudget) throws(ImageError) -> [UInt8]? {
        guard rgb.channels == 3, let bandRows = bandRows(width: rgb.width, height: rgb.height, cores: ImageParallelism.online) else { return nil }
        let width = rgb.width, height = rgb.height, count = (height + bandRows - 1) / bandRows
        guard count > 1 else { return nil }
        let rowBytes = width * 3
        let parts = UnsafeMutableBufferPointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: count)
        parts.initialize(repeating: nil)
        let sizes = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        sizes.initialize(repeating: 0)
        let failures = UnsafeMutableBufferPointer<(Int32, String)?>.allocate(capacity: count)
        failures.initialize(repeating: nil)
        defer {
            for part in parts { oss_free(part) }
            parts.deallocate()
            sizes.deallocate()
            _ = failures.deinitialize()
            failures.deallocate()
        }
        try budget.checkpoint()
        rgb.pixels.withUnsafeBufferPointer { pixels in
            nonisolated(unsafe) let (base, p, s, f) = (pixels.baseAddress!, parts, sizes, failures)
            // The bands are the machine's (so the bytes do not change with the load); they run side by
            // side only when this job has more than one core to itself now.
            ImageParallelism.forEach(count) { band in
                let first = band * bandRows, rows = min(bandRows, height - first)
                var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
                var out: UnsafeMutablePointer<UInt8>?
                var size = 0
                let status = oss_jpeg_encode(base + first * rowBytes, Int32(width), Int32(rows), 3, quality, 0, budget.stop, &out, &size, &error)
                p[band] = out
                s[band] = size
                if status != 0 || out == nil { f[band] = (status, ImageCodecs.text(error)) }
            }
        }
        if let (status, message) = failures.compactMap({ $0 }).first {
            throw budget.codecFailure(status, ImageError(code: "InternalError", message: "JPEG encoding failed: \(message)", status: 500))
        }
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var joined: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = parts.withMemoryRebound(to: UnsafePointer<UInt8>?.self) { bands in
            oss_jpeg_join_bands(bands.baseAddress, sizes.baseAddress, Int32(count), Int32(bandRows), Int32(width), Int32(height), &joined, &size, &error)
        }
        // The bands are not needed past the join: free them before the copy out.
        for index in parts.indices { oss_free(parts[index]); parts[index] = nil }
        defer { oss_free(joined) }
        if status == 1 { return nil }
        guard status == 0, let joined else {
            throw ImageError(code: "InternalError", message: "JPEG encoding failed: \(ImageCodecs.text(error))", status: 500)
        }
        return Array(UnsafeBufferPointer(start: joined, count: size))
    }
}
