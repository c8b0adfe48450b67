import CImageCodecs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// PNG written by hand around ISA-L: the rows are cut into bands, each filtered (adaptive, libpng's
/// heuristic) and compressed by igzip on its own core, joined into one zlib stream; smaller than
/// zlib level 6 on photographs, many times faster.
enum PNGEncoder {
    static func encode(_ bitmap: Bitmap, level: Int, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        let channels = bitmap.channels
        // Bands are filtered and compressed in parallel when the image is large enough to pay.
        // How many is the machine's (so the bytes do not change with the load); whether they run
        // side by side is the job's share of it now.
        let bytes = bitmap.width * bitmap.height * channels
        let parts = bytes >= 4 << 20 ? min(8, ImageParallelism.online) : 1
        guard bitmap.width <= Int(Int32.max), bitmap.height <= Int(Int32.max) else {
            throw .invalidArgument("A \(bitmap.width)x\(bitmap.height) image is too large for PNG.")
        }
        var zlibPointer: UnsafeMutablePointer<UInt8>?
        var zlibSize = 0
        let status = bitmap.pixels.withUnsafeBufferPointer {
            oss_png_idat_parallel($0.baseAddress, Int32(bitmap.width), Int32(bitmap.height), Int32(channels), Int32(parts),
                                  Int32(ImageParallelism.cores), Int32(level),
                                  budget.stop, &zlibPointer, &zlibSize)
        }
        defer { oss_free(zlibPointer) }
        if status == OSS_PNG_NO_ISAL {
            throw ImageError(code: "InternalError", message: "ISA-L (libisal) is not installed (it is loaded when a PNG is written)", status: 500)
        }
        guard status == 0, let zlibPointer else {
            // Out of memory for the bands, or a stop: nothing in the pixels can make ISA-L fail.
            throw budget.codecFailure(status, ImageError(code: "InternalError", message: "PNG compression failed (out of memory?)", status: 500))
        }
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
        png += bigEndian(UInt32(truncatingIfNeeded: data.count))
        let typeBytes = Array(type.utf8)
        png += typeBytes
        png += data
        var crc = oss_png_crc32(0, typeBytes, typeBytes.count)
        crc = data.withContiguousStorageIfAvailable { oss_png_crc32(crc, $0.baseAddress, $0.count) }
            ?? Array(data).withUnsafeBufferPointer { oss_png_crc32(crc, $0.baseAddress, $0.count) }
        png += bigEndian(crc)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
