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
        return try gaussianRows(bitmap, weights: weights, budget: budget) { _, blurred in blurred }
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
        return try gaussianRows(bitmap, weights: weights, budget: budget) { original, blurred in
            original + amount * (original - blurred)
        }
    }

    /// `exp(-k² / 2σ²)` for k in -radius...radius, normalised.
    static func gaussianWeights(radius: Int, sigma: Double) -> [Float] {
        let raw = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = raw.reduce(0, +)
        return raw.map { Float($0 / total) }
    }

    /// A separable Gaussian, run one output row at a time so that nothing beyond the source, the
    /// output and two rows of floats is held: the vertical pass sums the 2r + 1 source rows around
    /// the output row into a padded float row, the horizontal pass runs along that row, and
    /// `combine(original, blurred)` gives each colour sample (blur takes the blurred one, sharpen
    /// mixes them). Work is (2r + 1) × 2 multiply-adds a sample, as for two whole-image passes.
    static func gaussianRows(_ bitmap: Bitmap, weights: [Float], budget: ImageWorkBudget,
                             combine: (Float, Float) -> Float) throws(ImageError) -> Bitmap {
        let width = bitmap.width, height = bitmap.height, channels = bitmap.channels
        let radius = weights.count / 2
        let rowBytes = width * channels
        // The vertical sums of one row, with `radius` pixels of edge repeated on each side.
        var vertical = [Float](repeating: 0, count: (width + 2 * radius) * channels)
        var out = [UInt8](repeating: 0, count: bitmap.pixels.count)
        try budget.checkpoint()
        try out.withUnsafeMutableBufferPointer { (dst) throws(ImageError) in
            try bitmap.pixels.withUnsafeBufferPointer { (src) throws(ImageError) in
                try vertical.withUnsafeMutableBufferPointer { (sums) throws(ImageError) in
                    try weights.withUnsafeBufferPointer { (w) throws(ImageError) in
                        for y in 0..<height {
                            try budget.checkpoint()
                            // Vertical pass into the middle of the padded row.
                            let middle = radius * channels
                            for i in 0..<rowBytes { sums[middle + i] = 0 }
                            for k in 0..<w.count {
                                let sourceRow = (y + k - radius).clamped(to: 0...(height - 1))
                                let base = sourceRow * rowBytes, weight = w[k]
                                for i in 0..<rowBytes { sums[middle + i] += Float(src[base + i]) * weight }
                            }
                            // Repeat the edge pixels into the padding.
                            for p in 0..<radius {
                                for c in 0..<channels {
                                    sums[p * channels + c] = sums[middle + c]
                                    sums[(radius + width + p) * channels + c] = sums[middle + rowBytes - channels + c]
                                }
                            }
                            // Horizontal pass, combined with the original.
                            let rowStart = y * rowBytes
                            for x in 0..<width {
                                let pixel = rowStart + x * channels
                                for c in 0..<min(channels, 3) {
                                    var blurred: Float = 0
                                    var at = x * channels + c
                                    for k in 0..<w.count {
                                        blurred += sums[at] * w[k]
                                        at += channels
                                    }
                                    let value = combine(Float(src[pixel + c]), blurred)
                                    dst[pixel + c] = UInt8(value.rounded().clamped(to: 0...255))
                                }
                                if channels == 4 { dst[pixel + 3] = src[pixel + 3] }
                            }
                        }
                    }
                }
            }
        }
        return Bitmap(trustedWidth: width, height: height, channels: channels, pixels: out)
    }
}
