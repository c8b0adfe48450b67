/// Decoded pixels: 8-bit, interleaved, RGB (3 channels) or RGBA (4 channels), rows packed.
///
/// The sizes are fixed when the bitmap is made and always agree with `pixels.count`: the kernels
/// index pixels through unsafe pointers and rely on it.
public struct Bitmap: Sendable, Hashable {
    /// Pixels per row.
    public private(set) var width: Int
    /// Rows.
    public private(set) var height: Int
    /// 3 (RGB) or 4 (RGBA).
    public private(set) var channels: Int
    /// Rows top to bottom, `channels` bytes per pixel, no padding. Its elements may be changed in
    /// place; its count may not.
    public var pixels: [UInt8] {
        get { storage }
        // A yielding accessor, not `didSet`: a caller in another module modifies an observed
        // property through a copy, so each `bitmap.pixels[i] = v` copied the whole buffer, and a
        // loop over the pixels was quadratic. Yielding the storage keeps element writes in place.
        _modify {
            yield &storage
            precondition(storage.count == width * height * channels, "Bitmap pixels resized through pixels")
        }
        set {
            // Replacing the array by one of another size is a mistake in the calling code, never
            // something input can cause: every decoder and kernel makes its pixels at the size
            // it declares.
            precondition(newValue.count == width * height * channels, "Bitmap pixels replaced by an array of another size")
            storage = newValue
        }
    }
    private var storage: [UInt8]

    /// Wraps pixels; the count must be width × height × channels.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws(ImageError) {
        let count = try Self.byteCount(width: width, height: height, channels: channels)
        guard pixels.count == count else {
            throw .invalidArgument("A \(width)x\(height) bitmap of \(channels) channels needs \(count) bytes, not \(pixels.count).")
        }
        self.init(trustedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// A bitmap of one color; `fill` holds at least `channels` values.
    public init(width: Int, height: Int, channels: Int, fill: [UInt8]) throws(ImageError) {
        let count = try Self.byteCount(width: width, height: height, channels: channels)
        guard fill.count >= channels else { throw .invalidArgument("The fill color has \(fill.count) values for \(channels) channels.") }
        self.init(trustedWidth: width, height: height, channels: channels, fill: Array(fill.prefix(channels)), count: count)
    }

    /// For kernels whose sizes come from a bitmap that already exists, or from a plan checked
    /// against ``ImageLimits``: the count is right by construction.
    init(trustedWidth width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "kernel produced a bitmap of the wrong size")
        self.width = width
        self.height = height
        self.channels = channels
        self.storage = pixels
    }

    /// A one-color bitmap whose size is right by construction (see ``init(trustedWidth:height:channels:pixels:)``).
    init(trustedWidth width: Int, height: Int, channels: Int, fill: [UInt8], count: Int) {
        var pixels = [UInt8](repeating: 0, count: count)
        if fill.contains(where: { $0 != 0 }) {
            for index in stride(from: 0, to: pixels.count, by: channels) {
                for c in 0..<channels { pixels[index + c] = fill[c] }
            }
        }
        self.init(trustedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// width × height × channels, refused when a size is not positive, channels is not 3 or 4, or
    /// the product leaves `Int`.
    static func byteCount(width: Int, height: Int, channels: Int) throws(ImageError) -> Int {
        guard channels == 3 || channels == 4 else { throw .invalidArgument("A bitmap has 3 or 4 channels, not \(channels).") }
        guard width > 0, height > 0, let count = Checked.product(width, height, channels) else {
            throw .invalidArgument("A bitmap of \(width)x\(height) pixels cannot exist.")
        }
        return count
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
        return Bitmap(trustedWidth: width, height: height, channels: 4, pixels: out)
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
        return Bitmap(trustedWidth: width, height: height, channels: 3, pixels: out)
    }

    /// Whether any pixel is not fully opaque.
    public var hasTransparency: Bool {
        guard channels == 4 else { return false }
        for index in stride(from: 3, to: pixels.count, by: 4) where pixels[index] != 255 { return true }
        return false
    }

    /// A rectangle of this bitmap; it must lie inside it.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) throws(ImageError) -> Bitmap {
        guard x >= 0, y >= 0, w > 0, h > 0, x < width, y < height, w <= width - x, h <= height - y else {
            throw .invalidArgument("The rectangle \(w)x\(h) at (\(x), \(y)) is not inside the \(width)x\(height) image.")
        }
        return croppedInside(x: x, y: y, width: w, height: h)
    }

    /// ``cropped(x:y:width:height:)`` for a rectangle already known to be inside.
    func croppedInside(x: Int, y: Int, width w: Int, height h: Int) -> Bitmap {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height, "crop rectangle outside the image")
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
        return Bitmap(trustedWidth: w, height: h, channels: channels, pixels: out)
    }
}
