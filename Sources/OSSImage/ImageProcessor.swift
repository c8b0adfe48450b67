import OSSImageProcess

/// The result of running an image process locally.
public struct ProcessedImage: Sendable, Hashable {
    /// The encoded result.
    public var bytes: [UInt8]
    /// Its MIME type.
    public var contentType: String
    /// The output format; nil for `info` (JSON).
    public var format: ImageFormat?
    /// Result width in pixels.
    public var width: Int
    /// Result height in pixels.
    public var height: Int
}

/// Runs `x-oss-process` image actions locally, with OSS's semantics: the offline mode, the local
/// OSS's GetObject and ProcessObject, and the reference that server output is verified against.
///
/// Any source bytes and any process may be passed: whatever they hold, the answer is a result or
/// a typed ``ImageError``. The process is planned from the source's header first, so every size
/// limit (OSS's ``ImageLimits`` and the caller's ``ImageWorkLimits``) is checked before a pixel
/// buffer exists; the time limit and the cancellation flag are looked at between actions and rows
/// (and scanlines, in the codecs).
public enum ImageProcessor {
    /// Default JPEG/WebP quality when the process does not set one.
    public static let defaultQuality = 85

    /// Parses and runs a process string.
    public static func process(_ text: String, source: [UInt8], limits: ImageWorkLimits = .oss,
                               cancellation: ImageCancellation? = nil) throws(ImageError) -> ProcessedImage {
        try process(try parse(text), source: source, limits: limits, cancellation: cancellation)
    }

    /// Runs a process on encoded source bytes, within `limits` (their clock starts now), stopping
    /// early when `cancellation` is set.
    ///
    /// Past a size or count limit: 400 `InvalidArgument` naming it, before decoding. Past the time
    /// limit: 503 `ProcessingTimeout`; cancelled: 503 `ProcessingCancelled` (see ``ImageError``).
    public static func process(_ process: ImageProcess, source: [UInt8], limits: ImageWorkLimits = .oss,
                               cancellation: ImageCancellation? = nil) throws(ImageError) -> ProcessedImage {
        _ = PixelMemory.kept
        return try run(process, source: source, budget: ImageWorkBudget(limits: limits, cancellation: cancellation))
    }

    /// The most bytes `process` will hold at once on `source`, from the headers alone: the
    /// source, the decoded bitmap at the size actually decoded (a JPEG region decode counts the
    /// region) with the decoder's own buffers, each intermediate image beside the one it is made
    /// from, and the encoder's buffers and output. It is an estimate made to be admitted against
    /// (the encoded size is bounded, not known), not a measurement.
    ///
    /// Throws what ``process(_:source:limits:cancellation:)-(ImageProcess,_,_,_)`` would throw for
    /// the sizes alone (a bad process, a source or an output over a limit), so a server can answer
    /// those without running anything.
    public static func estimatedWorkingBytes(_ process: ImageProcess, source: [UInt8], limits: ImageWorkLimits = .oss) throws(ImageError) -> Int {
        try ProcessPlan(process, source: source, limits: limits).peakBytes
    }

    /// ``estimatedWorkingBytes(_:source:limits:)-(ImageProcess,_,_)`` for a process string.
    public static func estimatedWorkingBytes(_ text: String, source: [UInt8], limits: ImageWorkLimits = .oss) throws(ImageError) -> Int {
        try estimatedWorkingBytes(try parse(text), source: source, limits: limits)
    }

    static func parse(_ text: String) throws(ImageError) -> ImageProcess {
        do { return try ImageProcess(parsing: text) } catch { throw ImageError(error) }
    }

    /// Runs a process under a budget shared with the caller (the verifier runs two).
    static func run(_ process: ImageProcess, source: [UInt8], budget: ImageWorkBudget,
                    watermarkImages: [String: [UInt8]] = [:]) throws(ImageError) -> ProcessedImage {
        try ImageParallelism.held(to: budget.limits.coresPerJob) { () throws(ImageError) in
            try ImageParallelism.job { () throws(ImageError) in try runJob(process, source: source, budget: budget, watermarkImages: watermarkImages) }
        }
    }

    private static func runJob(_ process: ImageProcess, source: [UInt8], budget: ImageWorkBudget,
                               watermarkImages: [String: [UInt8]]) throws(ImageError) -> ProcessedImage {
        try budget.checkpoint()
        let plan = try ProcessPlan(process, source: source, limits: budget.limits, watermarkImages: watermarkImages)
        guard let output = plan.output else {
            return info(source: source, header: plan.header)
        }
        try budget.chargeProduced(plan.producedPixels)
        try budget.checkpoint()

        var bitmap: Bitmap
        var index = plan.steps.startIndex
        switch plan.start {
        case .info:
            return info(source: source, header: plan.header)
        case .gifFrames(let loopCount):
            let bytes = try animate(plan, source: source, loopCount: loopCount, budget: budget)
            return ProcessedImage(bytes: bytes, contentType: output.contentType, format: .gif, width: plan.result.width, height: plan.result.height)
        case let .transcodeCircle(geometry):
            // JPEG to JPEG circle with nothing else to do: stream rows from decoder to encoder.
            let bytes = try ImageCodecs.transcodeJPEGCircle(source, geometry: geometry, options: plan.options, budget: budget)
            return ProcessedImage(bytes: bytes, contentType: output.contentType, format: .jpg, width: geometry.side, height: geometry.side)
        case let .jpegCircle(geometry, channels):
            // Decode only what the first geometric action keeps.
            bitmap = try ImageCodecs.decodeJPEGRegion(source, x: geometry.originX, y: geometry.originY, width: geometry.side, height: geometry.side,
                                                      channels: channels, bands: nil, budget: budget)
            ImageKernels.maskCircle(&bitmap, radius: geometry.radius)
        case let .jpegCrop(x, y, width, height):
            bitmap = try ImageCodecs.decodeJPEGRegion(source, x: x, y: y, width: width, height: height, channels: 3, bands: nil, budget: budget)
        case let .full(orientation):
            // Leading bright/contrast actions go into the decode: a JPEG maps its rows as they
            // are decoded. (A sample's tone does not depend on where orientation puts it.)
            let (tone, afterTone) = leadingToneTable(plan.steps)
            bitmap = try ImageCodecs.decode(source, channels: nil, tone: tone, budget: budget).0
            index = afterTone
            if orientation != 1 { bitmap = try ImageKernels.orient(bitmap, exifOrientation: orientation, budget: budget) }
        case let .jpegScaled(eighths, orientation, bands):
            // Shrink-on-load: the first resize starts from the scaled DCT's image.
            bitmap = try decodeScaled(source, header: plan.header, eighths: eighths, orientation: orientation, bands: bands, budget: budget)
        }

        while index < plan.steps.endIndex {
            let step = plan.steps[index]
            try budget.checkpoint()
            // A run of bright/contrast actions is one pass through their composed table.
            let (tone, afterTone) = leadingToneTable(plan.steps[index...])
            if let tone {
                bitmap = try ImageKernels.applyTable(bitmap, tone, budget: budget)
                index = afterTone
                continue
            }
            bitmap = try apply(step, to: bitmap, transparent: plan.transparent, budget: budget, watermarkImages: plan.watermarkImages)
            assert(bitmap.width == step.output.width && bitmap.height == step.output.height, "plan and kernel disagree on \(step.action)")
            index += 1
        }
        if plan.answersAverageHue { return try averageHueResult(bitmap, budget: budget) }
        let bytes = try ImageCodecs.encode(bitmap, as: output, options: plan.options, budget: budget)
        return ProcessedImage(bytes: bytes, contentType: output.contentType, format: output, width: bitmap.width, height: bitmap.height)
    }

    /// The composed table of the bright/contrast actions `steps` starts with (nil when it starts
    /// with another action), and the index of the first step after them.
    static func leadingToneTable(_ steps: ArraySlice<ProcessPlan.Step>) -> (table: [UInt8]?, next: Int) {
        var index = steps.startIndex, table: [UInt8]?
        while index < steps.endIndex, let next = ImageKernels.toneTable(for: steps[index].action) {
            table = table.map { ImageKernels.composed($0, then: next) } ?? next
            index += 1
        }
        return (table, index)
    }

    static func leadingToneTable(_ steps: [ProcessPlan.Step]) -> (table: [UInt8]?, next: Int) {
        leadingToneTable(steps[...])
    }

    /// One planned step: its action, or the resize a shrunk decode was planned with.
    static func apply(_ step: ProcessPlan.Step, to bitmap: Bitmap, transparent: Bool, budget: ImageWorkBudget,
                      watermarkImages: [String: [UInt8]] = [:]) throws(ImageError) -> Bitmap {
        if let geometry = step.resizeGeometry, case let .resize(resize) = step.action {
            return try ImageKernels.resize(bitmap, resize, geometry: geometry.resampling(from: bitmap.width, bitmap.height), budget: budget)
        }
        return try apply(step.action, to: bitmap, transparent: transparent, budget: budget, watermarkImages: watermarkImages)
    }

    /// A JPEG shrunk on load (``ProcessPlan/Start/jpegScaled(eighths:orientation:bands:)``), oriented.
    static func decodeScaled(_ source: [UInt8], header: SourceHeader, eighths: Int, orientation: Int, bands: Int?,
                             budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let bitmap = try ImageCodecs.decodeJPEGRegion(source, x: 0, y: 0, width: ImageCodecs.jpegScaledSide(header.width, eighths: eighths),
                                                      height: ImageCodecs.jpegScaledSide(header.height, eighths: eighths), channels: 3,
                                                      bands: bands, scaleEighths: eighths, budget: budget)
        return orientation == 1 ? bitmap : try ImageKernels.orient(bitmap, exifOrientation: orientation, budget: budget)
    }

    static func apply(_ action: ImageAction, to bitmap: Bitmap, transparent: Bool, budget: ImageWorkBudget,
                      watermarkImages: [String: [UInt8]] = [:]) throws(ImageError) -> Bitmap {
        switch action {
        case let .circle(radius):
            return try ImageKernels.circle(bitmap, radius: radius, transparent: transparent, budget: budget)
        case let .crop(crop):
            let rect = try ImageKernels.cropRect(crop, width: bitmap.width, height: bitmap.height)
            try budget.checkpoint()
            return bitmap.croppedInside(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
        case let .resize(resize):
            let geometry = ImageKernels.ResizeGeometry(resize, width: bitmap.width, height: bitmap.height)
            try ImageKernels.checkResizeLimits(geometry, resize)
            return try ImageKernels.resize(bitmap, resize, geometry: geometry, budget: budget)
        case let .roundedCorners(radius):
            return try ImageKernels.roundedCorners(bitmap, radius: radius, transparent: transparent, budget: budget)
        case let .indexCrop(axis, length, index):
            try budget.checkpoint()
            return try ImageKernels.indexCrop(bitmap, axis: axis, length: length, index: index)
        case let .rotate(degrees):
            return try ImageKernels.rotate(bitmap, degrees: degrees, transparent: transparent, budget: budget)
        case let .blur(radius, sigma):
            return try ImageKernels.blur(bitmap, radius: radius, sigma: sigma, budget: budget)
        case let .sharpen(value):
            return try ImageKernels.sharpen(bitmap, value, budget: budget)
        case let .bright(value):
            return try ImageKernels.bright(bitmap, value, budget: budget)
        case let .contrast(value):
            return try ImageKernels.contrast(bitmap, value, budget: budget)
        case .format, .quality, .interlace, .autoOrient, .info:
            return bitmap
        case let .watermark(watermark):
            return try ImageKernels.watermark(bitmap, watermark, images: watermarkImages, budget: budget)
        case .averageHue, .opaque:
            // Refused while planning (ProcessPlan; average-hue is answered after the steps), so never reached.
            return bitmap
        }
    }

    /// `info`: OSS's JSON description of the source (``ImageInfo``).
    static func info(source: [UInt8], header: SourceHeader) -> ProcessedImage {
        ProcessedImage(bytes: ImageInfo.json(source: source, header: header), contentType: "application/json", format: nil,
                       width: header.width, height: header.height)
    }

    /// A kept animation: each frame decoded onto the canvas, run through the plan's steps and
    /// written, one at a time (see ``GIFAnimation``).
    static func animate(_ plan: ProcessPlan, source: [UInt8], loopCount: Int?, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        let writer = try GIFWriter(width: plan.result.width, height: plan.result.height, loopCount: loopCount)
        try GIFCodec.forEachFrame(source, channels: 4, firstOnly: false, budget: budget) { frame throws(ImageError) in
            var bitmap = frame.bitmap
            for step in plan.steps {
                try budget.checkpoint()
                bitmap = try apply(step, to: bitmap, transparent: plan.transparent, budget: budget)
            }
            try writer.add(bitmap, delay: frame.delay, budget: budget)
        }
        return try writer.finish()
    }
}
