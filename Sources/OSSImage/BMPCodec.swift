/// Uncompressed BMP: 24-bit BGR, or 32-bit BGRA (BITMAPV4HEADER with an alpha mask).
///
/// Every field is read from the file and checked before use: the header fits in the file, the
/// pixel data starts after it, and offset + row stride × height (computed without overflow) lies
/// inside the file before anything is allocated. A BMP is uncompressed, so a file that holds its
/// rows is no larger a decode than the 20 MB source limit allows.
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
        let infoSize = u32(14)
        let width = Int(Int32(truncatingIfNeeded: u32(18)))
        // Negative heights mean top-down rows; Int32.min has no positive twin in 32 bits, but
        // its magnitude fits an Int and the size limits refuse it.
        let rawHeight = Int(Int32(truncatingIfNeeded: u32(22)))
        let bits = u16(28)
        let compression = u32(30)
        let dataOffset = u32(10)
        guard infoSize >= 40, infoSize <= bytes.count - 14 else { throw ImageError.decode("BMP header of \(infoSize) bytes") }
        guard bits == 24 || bits == 32, compression == 0 || (compression == 3 && bits == 32) else {
            throw ImageError.notImplemented("Only uncompressed 24-bit and 32-bit BMP files are supported.")
        }
        if compression == 3 {
            // Bit fields follow a 40-byte header, or sit inside a longer one, at the same offset.
            guard bytes.count >= 66, u32(54) == 0x00FF_0000, u32(58) == 0x0000_FF00, u32(62) == 0x0000_00FF else {
                throw ImageError.notImplemented("Only BGR(A) bit fields are supported in 32-bit BMP files.")
            }
        }
        guard width > 0, rawHeight != 0 else { throw ImageError.decode("BMP of \(width)x\(rawHeight) pixels") }
        let headerEnd = 14 + infoSize + (compression == 3 && infoSize == 40 ? 12 : 0)
        guard dataOffset >= headerEnd, dataOffset <= bytes.count else {
            throw ImageError.decode("BMP pixel data offset \(dataOffset) is outside the file")
        }
        return Header(width: width, height: abs(rawHeight), bitsPerPixel: bits, topDown: rawHeight < 0, dataOffset: dataOffset)
    }

    static func decode(_ bytes: [UInt8], budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let header = try header(bytes)
        try ImageLimits.check(width: header.width, height: header.height)
        try budget.admitDecode(width: header.width, height: header.height)
        let bytesPerPixel = header.bitsPerPixel / 8
        // Sides are at most 30,000 here, so none of these products can overflow; checked anyway,
        // because the bound above is the only thing that makes them safe.
        guard let rowBytes = Checked.product(header.width, bytesPerPixel),
              let dataBytes = Checked.product((rowBytes + 3) & ~3, header.height),
              dataBytes <= bytes.count - header.dataOffset else {
            throw ImageError.decode("truncated BMP data")
        }
        let rowStride = (rowBytes + 3) & ~3
        let channels = bytesPerPixel == 4 ? 4 : 3
        try budget.checkpoint()
        var pixels = [UInt8](repeating: 0, count: header.width * header.height * channels)
        for row in 0..<header.height {
            try budget.checkpoint()
            let sourceRow = header.topDown ? row : header.height - 1 - row
            let base = header.dataOffset + sourceRow * rowStride
            for x in 0..<header.width {
                let s = base + x * bytesPerPixel, d = (row * header.width + x) * channels
                pixels[d] = bytes[s + 2]; pixels[d + 1] = bytes[s + 1]; pixels[d + 2] = bytes[s]
                if channels == 4 { pixels[d + 3] = bytes[s + 3] }
            }
        }
        return Bitmap(trustedWidth: header.width, height: header.height, channels: channels, pixels: pixels)
    }

    static func encode(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        let alpha = bitmap.channels == 4
        let bytesPerPixel = alpha ? 4 : 3
        let rowStride = (bitmap.width * bytesPerPixel + 3) & ~3
        let headerSize = alpha ? 108 : 40
        let offset = 14 + headerSize
        // The format stores sizes in 32 bits.
        guard let dataBytes = Checked.product(rowStride, bitmap.height), dataBytes <= Int(UInt32.max) - offset, bitmap.width <= Int(Int32.max), bitmap.height <= Int(Int32.max) else {
            throw .invalidArgument("A \(bitmap.width)x\(bitmap.height) image is too large for BMP.")
        }
        try budget.checkpoint()
        var out = [UInt8](repeating: 0, count: offset + dataBytes)
        func put32(_ value: Int, _ at: Int) { for i in 0..<4 { out[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) } }
        func put16(_ value: Int, _ at: Int) { out[at] = UInt8(value & 0xFF); out[at + 1] = UInt8(value >> 8) }
        out[0] = 0x42; out[1] = 0x4D
        put32(out.count, 2); put32(offset, 10); put32(headerSize, 14)
        put32(bitmap.width, 18); put32(-bitmap.height, 22) // top-down rows
        put16(1, 26); put16(bytesPerPixel * 8, 28)
        put32(alpha ? 3 : 0, 30) // BI_BITFIELDS with masks for 32-bit
        put32(dataBytes, 34)
        put32(2835, 38); put32(2835, 42)
        if alpha {
            put32(0x00FF_0000, 54); put32(0x0000_FF00, 58); put32(0x0000_00FF, 62); put32(Int(bitPattern: 0xFF00_0000), 66)
            out[70] = 0x20; out[71] = 0x6E; out[72] = 0x69; out[73] = 0x57 // LCS_WINDOWS_COLOR_SPACE 'Win '
        }
        for row in 0..<bitmap.height {
            try budget.checkpoint()
            for x in 0..<bitmap.width {
                let s = (row * bitmap.width + x) * bitmap.channels, d = offset + row * rowStride + x * bytesPerPixel
                out[d] = bitmap.pixels[s + 2]; out[d + 1] = bitmap.pixels[s + 1]; out[d + 2] = bitmap.pixels[s]
                if alpha { out[d + 3] = bitmap.pixels[s + 3] }
            }
        }
        return out
    }
}
