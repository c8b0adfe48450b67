/// How close a server's output must be to the local kernel's.
///
/// The real service has its own encoder, resampler and filters, so nothing here asks for equal
/// bytes: sizes may differ where OSS's documents leave rounding open, content may sit a pixel
/// away, and pixel agreement is asked per class of work (copies agree closely, resampled and
/// filtered images less, lossy encodings less again). Each bar was set from outputs that other
/// libraries (Pillow's encoder, resamplers and filters) made with OSS's semantics, which must
/// pass, and from deliberate mistakes, which must not (see `PillowVariantTests`,
/// `VerifierActionTests` and `VerifierWatermarkFormatTests`).
public struct VerificationThresholds: Sendable, Hashable {
    // MARK: Shapes (circle, rounded corners, rotated corners)

    /// Minimum intersection-over-union of the opaque areas (alpha formats), edge band excluded.
    public var minimumMaskIoU: Double = 0.98
    /// Minimum share of the expected background (outside the shape) that is background in the
    /// output: transparent for alpha formats, white for JPEG.
    public var minimumBackgroundMatch: Double = 0.98
    /// Pixels this close to a shape's edge, or to the image's border, are left out of the shape,
    /// background and pixel checks (OSS does not document its anti-aliasing). One more pixel is
    /// left out when the output was resampled to the expected size or rotated by a free angle.
    public var edgeBand: Int = 1

    // MARK: Pixel agreement (PSNR over the meaningful area, in dB)

    /// Copies (crop, circle, quarter turns...) in a lossy format (JPEG, WebP): the output's own
    /// encoder loss is all that separates it from ours.
    public var minimumLossyPSNR: Double = 28
    /// Copies in a lossless format (PNG, BMP): our pixels, moved.
    public var minimumLosslessPSNR: Double = 35
    /// Resampled or filtered output (resize, free-angle rotation, blur, sharpen) in a lossless
    /// format: another resampler (Lanczos, bicubic) differs from ours in the finest detail.
    public var minimumResampledPSNR: Double = 28
    /// Resampled or filtered output in a lossy format.
    public var minimumResampledLossyPSNR: Double = 25
    /// Output whose tone was changed (bright, contrast), any format: OSS does not document the
    /// curves, so the bar only asks for the same picture; the tone check asks for the same change.
    public var minimumTonedPSNR: Double = 22

    // MARK: Geometry

    /// How many pixels each side may differ from ours where OSS leaves rounding open (resize
    /// ratios and percentages, the canvas of a free-angle rotation).
    public var sizeAllowance: Int = 1
    /// How far the content may sit from where our kernel put it (the rounding of a centred crop,
    /// a gravity or a pad's origin).
    public var placementAllowance: Int = 1
    /// How far the placement search looks, so that a displacement just past the allowance is
    /// reported as found, not as a mismatch of pixels. Kept small: the search runs on a few tiles.
    public var placementSearch: Int = 3

    // MARK: Fill (resize m_pad's colour)

    /// Minimum share of the pad area whose colour is the expected one.
    public var minimumFillMatch: Double = 0.98
    /// Largest difference of any channel for a pad pixel to count as the expected colour (JPEG's
    /// chroma subsampling moves a saturated colour by up to about 20 levels).
    public var fillTolerance: Int = 32

    // MARK: Tone (bright, contrast) and sharpness (blur, sharpen)

    /// The output's change of mean luminance and of its spread, each measured from the same
    /// process without the action, may differ from the kernel's change by this share of it.
    public var toneTolerance: Double = 0.25
    /// ... or by this many levels of mean luminance, whichever is larger.
    public var toneMeanFloor: Double = 4
    /// ... or by this much in the logarithm of the spread ratio, whichever is larger.
    public var toneSpreadFloor: Double = 0.06
    /// The output's change of sharpness (log of the mean luma difference of pixels 1 and 4 px
    /// apart and of neighbouring 8 × 8 blocks' means, from the process without the action) as a multiple of the kernel's, at each scale:
    /// another Gaussian (Pillow's has no window) or unsharp mask blurs or sharpens somewhat more
    /// or less; a missing or far stronger one is outside.
    public var sharpnessRatio: ClosedRange<Double> = 0.5...2.0
    /// ... or within this much of it in the logarithm, whichever is looser (JPEG noise alone moves it).
    public var sharpnessFloor: Double = 0.15

    // MARK: Watermark

    /// The server's ink inside our mark's box (grown by the slack), as a share of our ink:
    /// another font inks more or less, a missing mark none, a mark of twice the size four times.
    public var markInk: ClosedRange<Double> = 0.5...2.5
    /// The server's ink outside our mark's box, as a share of our ink: a mark placed elsewhere
    /// puts all of it there.
    public var maximumStrayInk: Double = 0.25
    /// Largest RGB distance (Euclidean, levels) between the mean colours where both marks are strong.
    public var maximumMarkColourDistance: Double = 60

    // MARK: Encoding and answers

    /// How far the JPEG's estimated quality may be from the quality the process asks for.
    public var qualityTolerance: Int = 5
    /// Largest RGB distance (Euclidean, levels) between the average hue answered and ours.
    public var maximumHueDistance: Double = 10

    /// The thresholds used by `oss verify`.
    public init() {}
}
