import CImageCodecs
import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ImageKernels {
    // MARK: Blur, sharpen

    /// `blur,r_R,s_S`: a Gaussian of standard deviation S pixels, cut at R pixels each side of the
    /// centre (2R + 1 taps), weights normalised to sum to 1. OSS documents r as the radius and s as
    /// the normal distribution's standard deviation, each 1...50; a short radius with a large
    /// sigma is close to a box filter, as it is on OSS.
    ///
    /// Edges repeat their outermost pixel (OSS does not say; it keeps a flat image flat and the
    /// borders from darkening). Alpha is kept unchanged and colour is filtered as stored: OSS
    /// does not document what blur does to alpha, and keeping coverage keeps every shape (a
    /// circle, rounded corners) exactly where an earlier action cut it.
    public static func blur(_ bitmap: Bitmap, radius: Int, sigma: Int) throws(ImageError) -> Bitmap {
        try blur(bitmap, radius: radius, sigma: sigma, budget: .unbounded)
    }

    static func blur(_ bitmap: Bitmap, radius: Int, sigma: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let weights = gaussianWeights(radius: radius.clamped(to: 1...50), sigma: Double(sigma.clamped(to: 1...50)))
        return try gaussianRows(bitmap, weights: weights, amount: nil, budget: budget)
    }

    /// The Gaussian behind `sharpen`: sigma 1 px over a radius of 2 px (a 5-tap kernel).
    static let sharpenRadius = 2
    static let sharpenSigma = 1.0

    /// `sharpen,N`, N in 50...399: an unsharp mask, `out = in + (N / 100) × (in − gaussian(in))`,
    /// the Gaussian of sigma 1 px over 5 taps, clamped.
    ///
    /// OSS documents only the range, that larger values sharpen more, that 100 is the recommended
    /// value and that large ones give artefacts. We infer an unsharp mask whose amount is N/100:
    /// 100 adds the full high-pass once (the textbook unsharp mask), 50 half of it, 399 almost
    /// four times (haloes and grain, the artefacts OSS warns of). A flat area has no high-pass and
    /// is left exactly as it was. Alpha is kept unchanged.
    public static func sharpen(_ bitmap: Bitmap, _ value: Int) throws(ImageError) -> Bitmap {
        try sharpen(bitmap, value, budget: .unbounded)
    }

    static func sharpen(_ bitmap: Bitmap, _ value: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let amount = Float(value.clamped(to: 50...399)) / 100
        let weights = gaussianWeights(radius: sharpenRadius, sigma: sharpenSigma)
        return try gaussianRows(bitmap, weights: weights, amount: amount, budget: budget)
    }

    /// `exp(-k² / 2σ²)` for k in -radius...radius, normalised.
    static func gaussianWeights(radius: Int, sigma: Double) -> [Float] {
        let raw = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = raw.reduce(0, +)
        return raw.map { Float($0 / total) }
    }

    /// A separable Gaussian, run one output row at a time so that nothing beyond the source, the
    /// output and two rows of floats per core is held: the vertical pass sums the 2r + 1 source
    /// rows around the output row into a padded float row, the horizontal pass runs along that row,
    /// and each colour sample is the blurred one (`amount` nil: blur) or the unsharp mask
    /// `original + amount × (original − blurred)` (sharpen). Work is (2r + 1) × 2 multiply-adds a
    /// sample, as for two whole-image passes. In C (Gaussian.c), banded across the cores.
    static func gaussianRows(_ bitmap: Bitmap, weights: [Float], amount: Float?, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let width = bitmap.width, height = bitmap.height, channels = bitmap.channels
        // The padded row of the vertical pass, then the horizontal pass's row.
        let padded = (width + weights.count - 1) * channels + width * channels
        try budget.checkpoint()
        var out = [UInt8](unsafeUninitializedCapacity: bitmap.pixels.count) { _, initialized in initialized = bitmap.pixels.count }
        try out.withUnsafeMutableBufferPointer { (dst) throws(ImageError) in
            try bitmap.pixels.withUnsafeBufferPointer { (src) throws(ImageError) in
                try weights.withUnsafeBufferPointer { (w) throws(ImageError) in
                    nonisolated(unsafe) let (d, s, k) = (dst.baseAddress!, src.baseAddress!, w.baseAddress!)
                    let taps = Int32(w.count), mix = amount ?? -1
                    try banded(height, minimumPerBand: 8, budget: budget) { band in
                        let sums = UnsafeMutablePointer<Float>.allocate(capacity: padded)
                        defer { sums.deallocate() }
                        oss_gaussian_rows(s, Int32(width), Int32(height), Int32(channels), k, taps, mix, Int32(band.lowerBound), Int32(band.count), sums, d)
                    }
                }
            }
        }
        return Bitmap(trustedWidth: width, height: height, channels: channels, pixels: out)
    }
}
