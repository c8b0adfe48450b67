import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process worked out from the source's header before any pixel exists: how the source is
/// decoded, the size of every image each action makes, the limits each one meets, and the bytes
/// held at the peak. ``ImageProcessor`` runs it; ``ImageProcessor/estimatedWorkingBytes(_:source:limits:)-(ImageProcess,_,_)``
/// reports its peak. One plan for both keeps the estimate and the work from drifting apart.
struct ProcessPlan {
    /// How the source becomes the first bitmap.
    enum Start {
        /// `info`: nothing is decoded.
        case info
        /// JPEG in and out, a circle and nothing else: streamed, never held whole.
        case transcodeCircle(ImageKernels.CircleGeometry)
        /// A JPEG whose first action is a circle: only its square is decoded, then masked.
        case jpegCircle(ImageKernels.CircleGeometry, channels: Int)
        /// A JPEG whose first action is a crop: only the rectangle is decoded.
        case jpegCrop(x: Int, y: Int, width: Int, height: Int)
        /// Everything else: a full decode, then the EXIF orientation.
        case full(orientation: Int)
    }

    /// The size of an image between two actions.
    struct Shape {
        var width: Int
        var height: Int
        var channels: Int
        var pixels: Int { Checked.saturating(width, height) }
        var bytes: Int { Checked.saturating(pixels, channels) }
    }

    /// An action still to run after the start, with the image it makes.
    struct Step {
        var action: ImageAction
        var output: Shape
    }

    let header: SourceHeader
    private(set) var start: Start = .info
    private(set) var output: ImageFormat?
    private(set) var options = ImageCodecs.EncodeOptions(quality: ImageProcessor.defaultQuality)
    private(set) var transparent = false
    private(set) var steps: [Step] = []
    /// The image the encoder gets.
    private(set) var result: Shape
    /// Pixels the actions make, intermediate images included.
    private(set) var producedPixels = 0
    /// The most bytes held at once: the source, and the largest of the decode, each action and
    /// the encode.
    private(set) var peakBytes: Int
    /// The objects of the bucket that image watermarks name, by key.
    private(set) var watermarkImages: [String: [UInt8]] = [:]

    /// Plans `process` on `source`; throws every error that the sizes alone can tell, naming the
    /// parameter or limit, before anything is allocated.
    init(_ process: ImageProcess, source: [UInt8], limits: ImageWorkLimits, watermarkImages: [String: [UInt8]] = [:]) throws(ImageError) {
        self.watermarkImages = watermarkImages
        do { try process.validate() } catch { throw ImageError(error) }
        if let style = process.style {
            throw ImageError(code: "NoSuchStyle", message: "The style '\(style)' does not exist here: styles belong to a bucket on OSS.", status: 404)
        }
        // Only one image pipeline (or a style) runs here; save-as is the service's business.
        let pipelines = process.stages.filter { if case .saveAs = $0 { false } else { true } }
        if pipelines.count > 1 { throw ImageError.notImplemented("The local kernels run one image pipeline, not '|'-joined stages.") }
        if case .other? = pipelines.first { throw ImageError.notImplemented("Only image/... and style/... processes run locally.") }
        // Empty segments (image//a, a trailing '/') carry no action.
        var actions = process.actions.filter { !$0.isEmptySegment }
        guard actions.count <= limits.maximumActions else {
            throw .invalidArgument("The process has \(actions.count) actions; this server runs at most \(limits.maximumActions) actions per process.")
        }
        try Self.checkWatermarks(actions)
        for action in actions {
            switch action {
            case .blur, .bright, .contrast, .sharpen, .averageHue:
                throw ImageError.notImplemented("The local kernels do not run \(action.name) yet.")
            case let .opaque(opaque):
                if let problem = opaque.problem { throw ImageError(problem) }
                throw ImageError.notImplemented("'\(opaque.name)' is not an image action the local kernels run.")
            case let .resize(resize) where resize.width == nil && resize.height == nil && resize.long == nil && resize.short == nil && resize.percent == nil:
                throw ImageError(code: "InvalidArgument", message: "resize: P_ sizes a watermark image relative to the image below it; give w, h, l, s or p here.")
            default:
                break
            }
        }
        guard source.count <= ImageLimits.maximumSourceBytes else {
            throw ImageError.tooLarge("The source is \(source.count) bytes; image processing reads at most 20 MB.")
        }
        header = try SourceHeader(source)
        try ImageLimits.check(width: header.width, height: header.height)
        result = Shape(width: header.width, height: header.height, channels: 3)
        peakBytes = source.count

        if actions.contains(.info) {
            guard actions.last == .info else {
                throw .invalidArgument("info must be the last action.")
            }
            return
        }
        let output = process.outputFormat(source: header.format)
        guard [.jpg, .png, .webp, .bmp].contains(output) else {
            throw ImageError.notImplemented("The local kernels write jpg, png, webp and bmp, not \(output.rawValue).")
        }
        self.output = output
        for action in actions {
            switch action {
            case let .quality(value, _): options.quality = value
            case let .interlace(on): options.interlace = on
            default: break
            }
        }
        transparent = output.supportsAlpha
        let profile = try DecodeProfile(source, header: header)
        let orientation = actions.contains(.autoOrient(true)) && header.format == .jpg ? EXIF.orientation(source) : 1
        var phases = PeakTracker()

        // The start: what is decoded, at what size.
        let decoded: Shape
        let decodeBands = profile.multiScanJPEG ? 1 : 4
        if header.format == .jpg, output == .jpg, orientation == 1, case let .circle(radius)? = actions.first,
           actions.dropFirst().allSatisfy({ if case .format = $0 { true } else if case .quality = $0 { true } else if case .interlace = $0 { true } else { false } }) {
            let geometry = ImageKernels.CircleGeometry(width: header.width, height: header.height, requestedRadius: radius)
            start = .transcodeCircle(geometry)
            decoded = Shape(width: geometry.side, height: geometry.side, channels: 3)
            result = decoded
            // A ring of 32 rows, one decoded row, the decoder's own buffers, and the encoder's.
            phases.phase(Checked.saturating(geometry.side, 3 * 32), Checked.saturating(header.width, 3), profile.decoderBytes,
                         Self.encodeBytes(decoded, format: .jpg, interlace: options.interlace))
            try Self.admitDecode(decoded, limits: limits)
            peakBytes = Checked.sum(source.count, phases.peak)
            return
        }
        if header.format == .jpg, orientation == 1, let first = actions.first, case let .circle(radius) = first {
            let geometry = ImageKernels.CircleGeometry(width: header.width, height: header.height, requestedRadius: radius)
            decoded = Shape(width: geometry.side, height: geometry.side, channels: transparent ? 4 : 3)
            start = .jpegCircle(geometry, channels: decoded.channels)
            actions.removeFirst()
        } else if header.format == .jpg, orientation == 1, let first = actions.first, case let .crop(crop) = first {
            let rect = try ImageKernels.cropRect(crop, width: header.width, height: header.height)
            decoded = Shape(width: rect.width, height: rect.height, channels: 3)
            start = .jpegCrop(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
            actions.removeFirst()
        } else {
            let size = ImageKernels.orientedSize(width: header.width, height: header.height, exifOrientation: orientation)
            decoded = Shape(width: size.width, height: size.height, channels: profile.defaultChannels)
            start = .full(orientation: orientation)
        }
        try Self.admitDecode(decoded, limits: limits)
        let bands = header.format == .jpg && decoded.height >= 512 ? decodeBands : 1
        phases.phase(decoded.bytes, Checked.saturating(profile.decoderBytes, bands))
        if case let .full(orientation) = start, orientation != 1 {
            // The decoded image, the turned one and (for mirrored orientations) its flipped copy.
            phases.phase(decoded.bytes, decoded.bytes, decoded.bytes)
        }

        // The actions, in order, each from the image the previous one made.
        var current = decoded
        for action in actions {
            let (next, peak, produced) = try Self.plan(action, input: current, transparent: transparent, watermarkImages: watermarkImages, limits: limits)
            phases.phase(peak)
            producedPixels = Checked.sum(producedPixels, produced)
            steps.append(Step(action: action, output: next))
            current = next
        }
        result = current
        if output == .webp, current.width > ImageLimits.maximumWebPSide || current.height > ImageLimits.maximumWebPSide {
            throw .invalidArgument("WebP is at most \(ImageLimits.maximumWebPSide) pixels a side; the image to convert is \(current.width)x\(current.height).")
        }
        phases.phase(current.bytes, Self.encodeBytes(current, format: output, interlace: options.interlace))
        peakBytes = Checked.sum(source.count, phases.peak)
    }

    static func admitDecode(_ shape: Shape, limits: ImageWorkLimits) throws(ImageError) {
        guard shape.pixels <= limits.maximumDecodedPixels else {
            throw .invalidArgument("Decoding \(shape.width)x\(shape.height) (\(shape.pixels) pixels) exceeds this server's limit of \(limits.maximumDecodedPixels) decoded pixels per request.")
        }
    }

    /// One action on an image of `input`'s size: the image it makes, the bytes held while it runs
    /// (its input included) and the pixels it produces.
    static func plan(_ action: ImageAction, input: Shape, transparent: Bool, watermarkImages: [String: [UInt8]] = [:],
                     limits: ImageWorkLimits = .oss) throws(ImageError) -> (Shape, peak: Int, produced: Int) {
        let unchanged = (input, input.bytes, 0)
        switch action {
        case let .circle(radius):
            let geometry = ImageKernels.CircleGeometry(width: input.width, height: input.height, requestedRadius: radius)
            let square = Shape(width: geometry.side, height: geometry.side, channels: input.channels)
            let out = Shape(width: geometry.side, height: geometry.side, channels: transparent ? 4 : 3)
            let converted = out.channels != input.channels
            return (out, Checked.sum(input.bytes, Checked.sum(square.bytes, converted ? out.bytes : 0)), Checked.sum(square.pixels, converted ? out.pixels : 0))
        case let .crop(crop):
            let rect = try ImageKernels.cropRect(crop, width: input.width, height: input.height)
            let out = Shape(width: rect.width, height: rect.height, channels: input.channels)
            return (out, Checked.sum(input.bytes, out.bytes), out.pixels)
        case let .resize(resize):
            let geometry = ImageKernels.ResizeGeometry(resize, width: input.width, height: input.height)
            try ImageKernels.checkResizeLimits(geometry, resize)
            let window = Shape(width: geometry.window.width, height: geometry.window.height, channels: input.channels)
            let final = Shape(width: geometry.finalSize.width, height: geometry.finalSize.height, channels: input.channels)
            let canvas = geometry.canvas == nil ? 0 : final.bytes
            if geometry.unscaled {
                let whole = window.width == input.width && window.height == input.height
                let made = whole ? 0 : window.bytes
                return (final, Checked.sum(input.bytes, Checked.sum(made, canvas)),
                        Checked.sum(whole ? 0 : window.pixels, geometry.canvas == nil ? 0 : final.pixels))
            }
            let horizontal = ImageKernels.horizontalPassPixels(sourceHeight: input.height, scaledHeight: geometry.scaledHeight, window: geometry.window)
            let horizontalBytes = Checked.saturating(horizontal, input.channels)
            // Weight tables and the vertical pass's accumulator row.
            let tables = Checked.saturating(Checked.sum(window.width, window.height), 64) + Checked.saturating(window.width, 4 * input.channels)
            let resampling = Checked.sum(horizontalBytes, Checked.sum(window.bytes, tables))
            let padding = Checked.sum(window.bytes, canvas)
            return (final, Checked.sum(input.bytes, max(resampling, padding)),
                    Checked.sum(horizontal, Checked.sum(window.pixels, geometry.canvas == nil ? 0 : final.pixels)))
        case .roundedCorners:
            let out = Shape(width: input.width, height: input.height, channels: transparent ? 4 : 3)
            return (out, Checked.sum(input.bytes, out.bytes), out.pixels)
        case let .indexCrop(axis, length, index):
            guard let rect = try ImageKernels.indexCropRect(axis: axis, length: length, index: index, width: input.width, height: input.height) else { return unchanged }
            let out = Shape(width: rect.width, height: rect.height, channels: input.channels)
            return (out, Checked.sum(input.bytes, out.bytes), out.pixels)
        case let .rotate(degrees):
            guard input.width <= ImageLimits.maximumRotateSide, input.height <= ImageLimits.maximumRotateSide else {
                throw .invalidArgument("rotate: the image to rotate is \(input.width)x\(input.height); OSS rotates images of at most \(ImageLimits.maximumRotateSide)x\(ImageLimits.maximumRotateSide) px.", ec: "0040-00000006")
            }
            let turns = try ImageKernels.quarterTurns(degrees)
            let out = turns % 2 == 1 ? Shape(width: input.height, height: input.width, channels: input.channels) : input
            // Each turn makes a new image while the previous one is alive.
            return (out, Checked.saturating(input.bytes, 1 + min(turns, 2)), Checked.saturating(input.pixels, turns))
        case .format, .quality, .interlace, .autoOrient, .info:
            return unchanged
        case let .watermark(watermark):
            return try planWatermark(watermark, input: input, images: watermarkImages, limits: limits)
        case .blur, .bright, .contrast, .sharpen, .averageHue, .opaque:
            // Refused in init before any action is planned.
            return unchanged
        }
    }

    /// What encoding `image` as `format` holds beside the image: a flattened copy for JPEG, the
    /// codec's working buffers, and the encoded bytes twice (the codec's buffer and the array they
    /// are copied into). Encoded sizes are taken at their bounds for photographs: half the RGB
    /// size for the lossy formats (4:2:0 halves the samples, and entropy coding keeps fewer than
    /// 8 bits of each), the filtered size for PNG (deflate does not grow it by more than 0.1%).
    static func encodeBytes(_ image: Shape, format: ImageFormat, interlace: Bool) -> Int {
        let rgb = Checked.saturating(image.pixels, 3)
        switch format {
        case .jpg:
            let flattened = image.channels == 4 ? rgb : 0
            let coefficients = interlace ? rgb : 0 // progressive: 2 bytes for each of 1.5 samples a pixel
            return Checked.sum(Checked.sum(flattened, coefficients), rgb) // 2 × rgb / 2
        case .webp:
            let picture = Checked.saturating(image.pixels, image.channels == 4 ? 3 : 2) // YUV 4:2:0 (+ alpha), rounded up
            return Checked.sum(picture, rgb)
        case .png:
            let filtered = Checked.sum(image.bytes, image.height)
            return Checked.saturating(filtered, 3)
        default: // BMP: one output array
            return Checked.sum(image.bytes, image.height * 3 + 122)
        }
    }
}

/// The largest of several phases' byte counts, each a saturating sum.
struct PeakTracker {
    private(set) var peak = 0

    mutating func phase(_ parts: Int...) {
        peak = max(peak, parts.reduce(0, Checked.sum))
    }
}
