/// Uncompressed BMP: 1, 4 and 8-bit paletted, 16-bit (5-5-5, or any bit fields), 24-bit BGR, and
/// 32-bit BGR(A) (bit fields; an alpha mask in a BITMAPV4HEADER or later makes it RGBA).
///
/// Every field is read from the file and checked before use: the header fits in the file, the
/// pixel data starts after it, and offset + row stride × height (computed without overflow) lies
/// inside the file before anything is allocated. A BMP is uncompressed, so a file that holds its
/// rows is no larger a decode than the 20 MB source limit allows. Run-length encoded BMPs (RLE4,
/// RLE8) are refused with a typed error.
enum BMPCodec {
    struct Header {
        var width: Int
        var height: Int
        var bitsPerPixel: Int
        var topDown: Bool
        var dataOffset: Int
        /// Red, green, blue and alpha masks for 16 and 32 bits (alpha 0: none).
        var masks: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        /// BGRA quads of a paletted file (at most 256 of them).
        var palette: [UInt8] = []
        /// Pixels per metre, horizontally and vertically, as stored (0: not given).
        var density: (Int, Int) = (0, 0)

        var hasAlpha: Bool { bitsPerPixel == 32 && masks.3 != 0 }
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
        guard [1, 4, 8, 16, 24, 32].contains(bits) else { throw ImageError.decode("BMP of \(bits) bits a pixel") }
        guard compression == 0 || (compression == 3 && (bits == 16 || bits == 32)) else {
            throw ImageError.decode("BMP compression \(compression) (run-length or embedded JPEG/PNG) is not read here; uncompressed BMP is")
        }
        guard width > 0, rawHeight != 0 else { throw ImageError.decode("BMP of \(width)x\(rawHeight) pixels") }
        var header = Header(width: width, height: abs(rawHeight), bitsPerPixel: bits, topDown: rawHeight < 0, dataOffset: dataOffset)
        header.density = (Int(Int32(truncatingIfNeeded: u32(38))), Int(Int32(truncatingIfNeeded: u32(42))))
        var headerEnd = 14 + infoSize
        switch (bits, compression) {
        case (16, 0):
            header.masks = (0x7C00, 0x03E0, 0x001F, 0)
        case (32, 0):
            // BI_RGB: the fourth byte is reserved (often 0), not alpha.
            header.masks = (0x00FF_0000, 0x0000_FF00, 0x0000_00FF, 0)
        case (_, 3):
            // Bit fields follow a 40-byte header, or sit inside a longer one, at the same offset.
            if infoSize == 40 { headerEnd += 12 }
            guard bytes.count >= 70 || infoSize == 40, bytes.count >= 66 else { throw ImageError.decode("BMP bit fields outside the file") }
            let alpha = infoSize >= 56 && bytes.count >= 70 ? UInt32(truncatingIfNeeded: u32(66)) : 0
            header.masks = (UInt32(truncatingIfNeeded: u32(54)), UInt32(truncatingIfNeeded: u32(58)), UInt32(truncatingIfNeeded: u32(62)), alpha)
            guard header.masks.0 != 0 || header.masks.1 != 0 || header.masks.2 != 0 else { throw ImageError.decode("BMP bit fields without colour") }
        default:
            let used = u32(46)
            let entries = used == 0 || used > 1 << bits ? 1 << bits : used
            let paletteStart = 14 + infoSize
            // A palette cut short by the pixel data keeps the entries that are there.
            let available = max(0, (min(dataOffset, bytes.count) - paletteStart) / 4)
            let kept = min(entries, available)
            header.palette = Array(bytes[paletteStart..<(paletteStart + kept * 4)])
            headerEnd = paletteStart + kept * 4
        }
        guard dataOffset >= headerEnd, dataOffset <= bytes.count else {
            throw ImageError.decode("BMP pixel data offset \(dataOffset) is outside the file")
        }
        return header
    }

    /// A bit field's value scaled to 8 bits.
    private static func field(_ value: UInt32, _ mask: UInt32) -> UInt8 {
        guard mask != 0 else { return 0 }
        let shift = mask.trailingZeroBitCount
        let width = (~(mask >> shift)).trailingZeroBitCount
        // The field's lowest run of ones: a mask with gaps (which no writer makes) keeps its first run.
        let maximum = width >= 32 ? UInt32.max : (UInt32(1) << width) - 1
        let raw = ((value & mask) >> shift) & maximum
        if width >= 8 { return UInt8(truncatingIfNeeded: raw >> (width - 8)) }
        return UInt8((raw * 255 + maximum / 2) / maximum)
    }

    static func decode(_ bytes: [UInt8], budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let header = try header(bytes)
        try ImageLimits.check(width: header.width, height: header.height)
        try budget.admitDecode(width: header.width, height: header.height)
        let bits = header.bitsPerPixel
        // Sides are at most 30,000 here, so none of these products can overflow; checked anyway,
        // because the bound above is the only thing that makes them safe.
        guard let rowBits = Checked.product(header.width, bits),
              let dataBytes = Checked.product(((rowBits + 31) / 32) * 4, header.height),
              dataBytes <= bytes.count - header.dataOffset else {
            throw ImageError.decode("truncated BMP data")
        }
        let rowStride = ((rowBits + 31) / 32) * 4
        let channels = header.hasAlpha ? 4 : 3
        let entries = header.palette.count / 4
        try budget.checkpoint()
        var pixels = [UInt8](repeating: 0, count: header.width * header.height * channels)
        for row in 0..<header.height {
            try budget.checkpoint()
            let sourceRow = header.topDown ? row : header.height - 1 - row
            let base = header.dataOffset + sourceRow * rowStride
            for x in 0..<header.width {
                let d = (row * header.width + x) * channels
                switch bits {
                case 24:
                    let s = base + x * 3
                    pixels[d] = bytes[s + 2]; pixels[d + 1] = bytes[s + 1]; pixels[d + 2] = bytes[s]
                case 16, 32:
                    let s = base + x * (bits / 8)
                    var value = UInt32(bytes[s]) | UInt32(bytes[s + 1]) << 8
                    if bits == 32 { value |= UInt32(bytes[s + 2]) << 16 | UInt32(bytes[s + 3]) << 24 }
                    pixels[d] = field(value, header.masks.0); pixels[d + 1] = field(value, header.masks.1); pixels[d + 2] = field(value, header.masks.2)
                    if channels == 4 { pixels[d + 3] = field(value, header.masks.3) }
                default:
                    // 1, 4 or 8 bits: the index's bits, most significant first.
                    let bit = x * bits
                    let index = Int(bytes[base + bit / 8] >> (8 - bits - bit % 8)) & ((1 << bits) - 1)
                    if index < entries {
                        pixels[d] = header.palette[index * 4 + 2]; pixels[d + 1] = header.palette[index * 4 + 1]; pixels[d + 2] = header.palette[index * 4]
                    }
                }
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
