import CImageCodecs
import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ImageKernels {
    // MARK: Bright, contrast

    /// `bright,N`, N in -100...100: every colour sample moves by N% of the full range, clamped:
    /// `out = in + 255 × N / 100`.
    ///
    /// OSS documents the range and the direction (below 0 darker, above 0 brighter, 0 unchanged),
    /// not the formula. We read the range as a percentage of full scale (the reading its Japanese
    /// page gives, "brightness raised by 50%"), the convention of ImageMagick's
    /// `-brightness-contrast`, whose range and sign are the same: -100 makes any image black, +100
    /// white. Alpha is kept unchanged: brightness is a property of the colour, not of coverage.
    public static func bright(_ bitmap: Bitmap, _ value: Int) throws(ImageError) -> Bitmap {
        try bright(bitmap, value, budget: .unbounded)
    }

    static func bright(_ bitmap: Bitmap, _ value: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        try applyTable(bitmap, toneTable(for: .bright(value))!, budget: budget)
    }

    /// `contrast,N`, N in -100...100: samples move away from (N > 0) or towards (N < 0) mid-grey,
    /// `out = (in - 127.5) × tan((N / 100 + 1) × 45°) + 127.5`, clamped.
    ///
    /// OSS documents only the range and the direction. The slope runs from 0 at -100 (a flat mid
    /// grey) through 1 at 0 (unchanged) to a hard threshold at +100, the curve ImageMagick's
    /// `-brightness-contrast` uses for the same range; it keeps mid-grey fixed, so contrast never
    /// changes the average brightness of a balanced image. Alpha is kept unchanged.
    public static func contrast(_ bitmap: Bitmap, _ value: Int) throws(ImageError) -> Bitmap {
        try contrast(bitmap, value, budget: .unbounded)
    }

    static func contrast(_ bitmap: Bitmap, _ value: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        try applyTable(bitmap, toneTable(for: .contrast(value))!, budget: budget)
    }

    /// The 256-entry table of a tone curve, rounded and clamped to 0...255.
    static func toneTable(_ curve: (Int) -> Double) -> [UInt8] {
        (0..<256).map { sample in
            let value = curve(sample)
            return value.isNaN ? 0 : UInt8(value.rounded().clamped(to: 0...255))
        }
    }

    /// The table of a tone action (`bright`, `contrast`), nil for any other action.
    static func toneTable(for action: ImageAction) -> [UInt8]? {
        switch action {
        case let .bright(value):
            let shift = 255 * Double(value.clamped(to: -100...100)) / 100
            return toneTable { Double($0) + shift }
        case let .contrast(value):
            let slope = max(0, tan((Double(value.clamped(to: -100...100)) / 100 + 1) * Double.pi / 4))
            return toneTable { (Double($0) - 127.5) * slope + 127.5 }
        default:
            return nil
        }
    }

    /// `first`, then `second`: one table that maps each sample as the two in turn would (exactly:
    /// both are lookups of 8-bit samples).
    static func composed(_ first: [UInt8], then second: [UInt8]) -> [UInt8] {
        precondition(first.count == 256 && second.count == 256, "a tone table has 256 entries")
        return first.map { second[Int($0)] }
    }

    /// Maps every colour sample (not alpha) through `table` into a new image, in C, banded across
    /// the cores.
    static func applyTable(_ bitmap: Bitmap, _ table: [UInt8], budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        precondition(table.count == 256, "a tone table has 256 entries")
        let channels = bitmap.channels, width = bitmap.width
        try budget.checkpoint()
        var out = [UInt8](unsafeUninitializedCapacity: bitmap.pixels.count) { _, initialized in initialized = bitmap.pixels.count }
        try out.withUnsafeMutableBufferPointer { (dst) throws(ImageError) in
            try bitmap.pixels.withUnsafeBufferPointer { (src) throws(ImageError) in
                try table.withUnsafeBufferPointer { (lookup) throws(ImageError) in
                    nonisolated(unsafe) let (d, s, t) = (dst.baseAddress!, src.baseAddress!, lookup.baseAddress!)
                    try banded(bitmap.height, minimumPerBand: 64, budget: budget) { band in
                        let offset = band.lowerBound * width * channels
                        oss_apply_table(s + offset, d + offset, band.count * width, Int32(channels), t)
                    }
                }
            }
        }
        return Bitmap(trustedWidth: width, height: bitmap.height, channels: channels, pixels: out)
    }

    // MARK: Average hue

    /// `average-hue`: the mean colour of the image as OSS's JSON, `{"RGB": "0x5c783b"}`.
    ///
    /// OSS's current pages show the answer as the bare text `0xbbcd7f`; its earlier page, and
    /// apps deployed against the real service, read the JSON object `{"RGB": "0x…"}` (with that
    /// spacing), which is what the service returns. We follow the service and the apps: the body
    /// is that object, lower-case hex, content type `application/json`.
    ///
    /// Each channel is the rounded mean over all pixels. With alpha, pixels weigh by their alpha
    /// (OSS does not say; a transparent pixel shows no colour, so it should not pull the average
    /// towards whatever RGB it happens to store); a wholly transparent image falls back to the
    /// plain mean.
    public static func averageHue(_ bitmap: Bitmap) throws(ImageError) -> (red: UInt8, green: UInt8, blue: UInt8) {
        try averageHue(bitmap, budget: .unbounded)
    }

    static func averageHue(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) -> (red: UInt8, green: UInt8, blue: UInt8) {
        // 250 MP × 255 × 255 < 2^44: UInt64 sums cannot overflow.
        var weighted: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var plain: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let channels = bitmap.channels, rowBytes = bitmap.width * channels
        try bitmap.pixels.withUnsafeBufferPointer { (pixels) throws(ImageError) in
            for row in 0..<bitmap.height {
                try budget.checkpoint()
                var i = row * rowBytes
                let end = i + rowBytes
                while i < end {
                    let r = UInt64(pixels[i]), g = UInt64(pixels[i + 1]), b = UInt64(pixels[i + 2])
                    let a: UInt64 = channels == 4 ? UInt64(pixels[i + 3]) : 255
                    plain.0 += r; plain.1 += g; plain.2 += b
                    weighted.0 += r * a; weighted.1 += g * a; weighted.2 += b * a; weighted.3 += a
                    i += channels
                }
            }
        }
        func mean(_ sum: UInt64, _ count: UInt64) -> UInt8 { UInt8((sum + count / 2) / count) }
        if weighted.3 > 0 { return (mean(weighted.0, weighted.3), mean(weighted.1, weighted.3), mean(weighted.2, weighted.3)) }
        let count = UInt64(bitmap.width * bitmap.height)
        return (mean(plain.0, count), mean(plain.1, count), mean(plain.2, count))
    }

    /// The body OSS answers `average-hue` with.
    static func averageHueJSON(_ color: (red: UInt8, green: UInt8, blue: UInt8)) -> String {
        func hex(_ value: UInt8) -> String { (value < 16 ? "0" : "") + String(value, radix: 16) }
        return "{\"RGB\": \"0x\(hex(color.red))\(hex(color.green))\(hex(color.blue))\"}"
    }
}
