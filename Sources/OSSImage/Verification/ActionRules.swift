import OSSImageProcess

/// The class of work an action does to pixels, which sets how closely the server's pixels must
/// agree with ours (``VerificationThresholds``). A pipeline is in the loosest class of its actions.
enum PixelClass: Int, Comparable {
    /// Pixels moved or masked, not changed: crop, circle, quarter turns...
    case copy
    /// Pixels made by a resampler or a neighbourhood filter another implementation does differently.
    case resampled
    /// Tone curves OSS does not document.
    case toned

    static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    var name: String {
        switch self {
        case .copy: "copied pixels"
        case .resampled: "resampled or filtered pixels"
        case .toned: "tone-changed pixels"
        }
    }
}

/// What each action contributes to a verdict. Every image answer gets the checks of the whole
/// output (format, size, placement, shape and background, pad fill, pixels); these switches say
/// how each action bears on them, and which checks of its own it adds. A new action gets one case
/// in each switch; the compiler lists the switches that miss it.
enum ActionRules {
    /// How closely pixels must agree after `action`.
    static func pixelClass(_ action: ImageAction) -> PixelClass {
        switch action {
        case .crop, .circle, .roundedCorners, .indexCrop, .autoOrient, .format, .quality, .interlace, .info, .averageHue, .opaque:
            .copy
        case let .rotate(degrees):
            ImageKernels.quarterTurns(degrees) == nil ? .resampled : .copy
        case .resize, .blur, .sharpen:
            .resampled
        case .bright, .contrast:
            .toned
        case let .watermark(watermark):
            // A text mark's box is left out of the pixel check (OSS's fonts are not Debian's);
            // outside it the pixels are a copy. An image mark is the watermark object through
            // its own process, resampled by OSS's resampler.
            watermark.image == nil ? .copy : .resampled
        }
    }

    /// How many pixels each side may differ from ours after `action`, where OSS's documents leave
    /// the rounding open: a resize's kept ratio or percentage (not a fixed, fill or pad box,
    /// whose sides are the box's), a free-angle rotation's canvas.
    static func sizeRounding(_ action: ImageAction, allowance: Int) -> Int {
        switch action {
        case let .resize(resize):
            let boxed = resize.mode == .fixed || resize.mode == .fill || resize.mode == .pad
            return boxed && resize.percent == nil && resize.width != nil && resize.height != nil ? 0 : allowance
        case let .rotate(degrees):
            return ImageKernels.quarterTurns(degrees) == nil ? allowance : 0
        case .crop, .circle, .roundedCorners, .indexCrop, .autoOrient, .blur, .bright, .contrast, .sharpen,
             .averageHue, .info, .format, .quality, .interlace, .opaque:
            return 0
        case .watermark:
            // A watermark keeps the image's size.
            return 0
        }
    }

    /// Whether `action` paints a background (transparent, or white for JPEG) around a shape.
    static func makesShape(_ action: ImageAction) -> Bool {
        switch action {
        case .circle, .roundedCorners: true
        case let .rotate(degrees): ImageKernels.quarterTurns(degrees) == nil
        default: false
        }
    }

    /// Whether `action` moves pixels by a free angle (its edges are anti-aliased over a pixel more).
    static func resamplesEdges(_ action: ImageAction) -> Bool {
        if case let .rotate(degrees) = action { return ImageKernels.quarterTurns(degrees) == nil }
        return false
    }

    /// Whether `action` fills part of the canvas with a colour of the process's choosing.
    static func fillsWithColour(_ action: ImageAction) -> Bool {
        if case let .resize(resize) = action { return resize.mode == .pad }
        return false
    }

    /// The checks `action` (at `index` in the process's actions) adds of its own.
    static func checks(for action: ImageAction, at index: Int, context: VerificationContext) throws(ImageError) -> [VerificationCheck] {
        switch action {
        case .bright, .contrast:
            return [try ToneCheck.check(action, at: index, context: context)]
        case .blur, .sharpen:
            return [try SharpnessCheck.check(action, at: index, context: context)]
        case .quality:
            // The last quality action is the one that counts (JPEGQuality.resolve).
            guard context.isLast(index, where: { if case .quality = $0 { true } else { false } }) else { return [] }
            return [EncodingChecks.quality(action, at: index, context: context)]
        case .interlace:
            guard context.isLast(index, where: { if case .interlace = $0 { true } else { false } }) else { return [] }
            return [EncodingChecks.interlace(action, at: index, context: context)]
        case .resize, .crop, .circle, .roundedCorners, .indexCrop, .rotate, .autoOrient, .format:
            // Size, placement, shape, background, fill and pixels: the checks of the whole output.
            return []
        case let .watermark(watermark):
            return try WatermarkCheck.checks(watermark, at: index, context: context)
        case .averageHue, .info, .opaque:
            // Answered as JSON (AnswerChecks) or empty segments.
            return []
        }
    }
}

/// What each output format means for the checks. New formats get a case here.
enum FormatRules {
    /// Whether the encoding loses detail (pixel bars are the lossy ones).
    static func isLossy(_ format: ImageFormat?) -> Bool {
        switch format {
        case .jpg?, .webp?: true
        case .png?, .bmp?, .tiff?: false
        // HEIC and AVIF are lossy. GIF is lossless but quantised to 256 colours, which costs a
        // photograph about as much as a lossy encoding, so it takes the lossy bars too.
        case .gif?, .heic?, .avif?: true
        case nil: true
        }
    }

    /// Whether `quality` can be measured in the encoded bytes.
    static func measuresQuality(_ format: ImageFormat?) -> Bool {
        // WebP, HEIC and AVIF keep their quantiser in the bitstream, not in a table libjpeg's
        // scaling explains; their quality is not measured (the check says so).
        format == .jpg
    }
}
