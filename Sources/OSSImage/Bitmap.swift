/// Decoded pixels: 8-bit, interleaved, RGB (3 channels) or RGBA (4 channels), rows packed.
public struct Bitmap: Sendable, Hashable {
    /// Pixels per row.
    public var width: Int
    /// Rows.
    public var height: Int
    /// 3 (RGB) or 4 (RGBA).
    public var channels: Int
    /// Rows top to bottom, `channels` bytes per pixel, no padding.
    public var pixels: [UInt8]

    /// Wraps pixels; the count must be width × height × channels.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 3 || channels == 4)
        precondition(pixels.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A bitmap of one color.
    public init(width: Int, height: Int, channels: Int, fill: [UInt8]) {
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        if fill.contains(where: { $0 != 0 }) {
            for index in stride(from: 0, to: pixels.count, by: channels) {
                for c in 0..<channels { pixels[index + c] = fill[c] }
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The same pixels with an alpha channel (opaque) added, or unchanged when there is one.
    public func withAlpha() -> Bitmap {
        guard channels == 3 else { return self }
        var out = [UInt8](repeating: 255, count: width * height * 4)
        out.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                var s = 0, d = 0
                while s < src.count {
                    dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    s += 3; d += 4
                }
            }
        }
        return Bitmap(width: width, height: height, channels: 4, pixels: out)
    }

    /// RGB over a background color: what a format without transparency shows.
    public func flattened(over background: (UInt8, UInt8, UInt8) = (255, 255, 255)) -> Bitmap {
        guard channels == 4 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        out.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                var s = 0, d = 0
                let bg = [Int(background.0), Int(background.1), Int(background.2)]
                while s < src.count {
                    let a = Int(src[s + 3])
                    if a == 255 {
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    } else {
                        for c in 0..<3 {
                            dst[d + c] = UInt8((Int(src[s + c]) * a + bg[c] * (255 - a) + 127) / 255)
                        }
                    }
                    s += 4; d += 3
                }
            }
        }
        return Bitmap(width: width, height: height, channels: 3, pixels: out)
    }

    /// Whether any pixel is not fully opaque.
    public var hasTransparency: Bool {
        guard channels == 4 else { return false }
        for index in stride(from: 3, to: pixels.count, by: 4) where pixels[index] != 255 { return true }
        return false
    }

    /// A rectangle of this bitmap.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Bitmap {
        precondition(x >= 0 && y >= 0 && x + w <= width && y + h <= height && w > 0 && h > 0)
        var out = [UInt8](repeating: 0, count: w * h * channels)
        let rowBytes = w * channels
        out.withUnsafeMutableBytes { dst in
            pixels.withUnsafeBytes { src in
                for row in 0..<h {
                    let from = ((y + row) * width + x) * channels
                    dst.baseAddress!.advanced(by: row * rowBytes).copyMemory(from: src.baseAddress!.advanced(by: from), byteCount: rowBytes)
                }
            }
        }
        return Bitmap(width: w, height: h, channels: channels, pixels: out)
    }
}
