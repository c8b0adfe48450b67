import CImageCodecs
import OSSImageProcess

/// The quality a JPEG was written at, estimated from its quantisation tables.
///
/// `quality,q_N` is relative: OSS documents that a JPEG source of quality 80 with `q_90` gives
/// quality 72, so the source's own quality must be known. A JPEG does not store it; what it stores
/// is the tables, and nearly every encoder (libjpeg, libjpeg-turbo, mozjpeg's defaults, most
/// cameras' firmware in spirit) makes them by scaling the two example tables of the JPEG standard
/// (ITU T.81 Annex K) with libjpeg's formula: `scale = q < 50 ? 5000 / q : 200 - 2q`, each entry
/// `(base × scale + 50) / 100` clamped to 1...255. We take the quality 1...100 whose scaled tables
/// are closest to the file's (sum of absolute differences over both tables; ties go to the higher
/// quality). For a file written by libjpeg that is exactly the quality it was given; for other
/// tables it is the nearest libjpeg quality, which is what a relative quality can mean for them.
enum JPEGQuality {
    /// The standard's luminance table, natural order.
    static let luminanceBase: [Int] = [
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    ]

    /// The standard's chrominance table, natural order.
    static let chrominanceBase: [Int] = [
        17, 18, 24, 47, 99, 99, 99, 99,
        18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
    ]

    /// A standard table scaled to `quality` as libjpeg's `jpeg_set_quality` does (baseline: ≤ 255).
    static func scaled(_ base: [Int], quality: Int) -> [Int] {
        let q = quality.clamped(to: 1...100)
        let scale = q < 50 ? 5000 / q : 200 - 2 * q
        return base.map { (($0 * scale + 50) / 100).clamped(to: 1...255) }
    }

    /// The estimated quality of a JPEG, 1...100; nil when the bytes are not a JPEG whose header
    /// libjpeg reads, or hold no table.
    static func estimate(_ jpeg: [UInt8]) -> Int? {
        var luminance = [UInt16](repeating: 0, count: 64)
        var chrominance = [UInt16](repeating: 0, count: 64)
        var found: Int32 = 0
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        guard oss_jpeg_quant_tables(jpeg, jpeg.count, &luminance, &chrominance, &found, &error) == 0, found & 1 != 0 else { return nil }
        return estimate(luminance: luminance.map(Int.init), chrominance: found & 2 != 0 ? chrominance.map(Int.init) : nil)
    }

    /// The quality whose scaled standard tables are nearest to these (see the type's comment).
    static func estimate(luminance: [Int], chrominance: [Int]?) -> Int {
        var best = 100, bestDistance = Int.max
        for quality in stride(from: 100, through: 1, by: -1) {
            var distance = zip(scaled(luminanceBase, quality: quality), luminance).reduce(0) { $0 + abs($1.0 - $1.1) }
            if let chrominance {
                distance += zip(scaled(chrominanceBase, quality: quality), chrominance).reduce(0) { $0 + abs($1.0 - $1.1) }
            }
            if distance < bestDistance { best = quality; bestDistance = distance }
        }
        return best
    }

    /// The quality to encode at, from the process's `quality` actions and the source, as OSS
    /// documents them:
    /// - `q_N` (relative) on a JPEG source: N% of the source's quality (80 with q_90 is 72),
    ///   rounded to the nearest integer, at least 1;
    /// - `q_N` on any other source: OSS says a WebP source takes it as absolute; PNG, BMP, GIF and
    ///   the rest have no quality to be relative to either, so they do the same (our choice);
    /// - `Q_N` (absolute): N, but never above a JPEG source's own quality (OSS: a source of 80
    ///   with Q_90 stays at 80). Other sources count as quality 100.
    /// - none: ``ImageProcessor/defaultQuality``.
    /// The last `quality` action counts (the parser already lets `Q` win over `q` in one action).
    /// Quality only changes JPEG and WebP output; the encoders of the other formats ignore it.
    static func resolve(_ actions: [ImageAction], source: [UInt8], sourceFormat: ImageFormat) -> Int {
        var last: (value: Int, absolute: Bool)?
        for case let .quality(value, absolute) in actions { last = (value, absolute) }
        guard let last else { return ImageProcessor.defaultQuality }
        let sourceQuality = sourceFormat == .jpg ? estimate(source) : nil
        if last.absolute { return min(last.value, sourceQuality ?? 100).clamped(to: 1...100) }
        guard let sourceQuality else { return last.value.clamped(to: 1...100) }
        return ((sourceQuality * last.value + 50) / 100).clamped(to: 1...100)
    }
}

extension ImageCodecs {
    /// The quality (1...100) a JPEG was most likely written at, from its quantisation tables (see
    /// `quality,q_`): exact for files libjpeg wrote, the nearest libjpeg quality for others; nil
    /// when the bytes are not a readable JPEG.
    public static func estimatedJPEGQuality(_ jpeg: [UInt8]) -> Int? {
        guard detectFormat(jpeg) == .jpg else { return nil }
        return JPEGQuality.estimate(jpeg)
    }
}
