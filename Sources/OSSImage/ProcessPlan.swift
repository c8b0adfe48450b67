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
        /// A JPEG whose first action shrinks it: decoded at `eighths`/8 of its size by libjpeg-turbo's
        /// scaled inverse DCT (shrink-on-load), then the EXIF orientation; the full-size image is
        /// never made.
        case jpegScaled(eighths: Int, orientation: Int, bands: Int?)
        /// An animated GIF kept animated: each frame decoded, processed and written in turn.
        case gifFrames(loopCount: Int?)
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
        /// A resize planned on the source's size, run on a shrunk decode: the sizes OSS's
        /// semantics give for the real source, resampled from the smaller bitmap.
        var resizeGeometry: ImageKernels.ResizeGeometry? = nil
    }

    let header: SourceHeader
    private(set) var start: Start = .info
    private(set) var output: ImageFormat?
    private(set) var options = ImageCodecs.EncodeOptions(quality: ImageProcessor.defaultQuality)
    private(set) var transparent = false
    /// `average-hue`: the steps run, then the image's mean colour is the answer (no encode).
    private(set) var answersAverageHue = false
    private(set) var steps: [Step] = []
    /// The image the encoder gets.
    private(set) var result: Shape
    /// Pixels the actions make, intermediate images included.
    private(set) var producedPixels = 0
    /// The most bytes held at once: the source, and the largest of the decode, each action and
    /// the encode.
    private(set) var peakBytes: Int
    /// Frames processed: a kept animation's, else 1.
    private(set) var frames = 1
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
        if actions.contains(.averageHue) {
            guard actions.last == .averageHue else { throw .invalidArgument("average-hue must be the last action.") }
            answersAverageHue = true
            actions.removeLast()
        }
        let output = Self.outputFormat(process, source: header.format)
        self.output = output
        for action in actions {
            switch action {
            case let .interlace(on): options.interlace = on
            default: break
            }
        }
        options.quality = JPEGQuality.resolve(actions, source: source, sourceFormat: header.format)
        transparent = output.supportsAlpha
        let profile = try DecodeProfile(source, header: header)
        let orientation = Self.appliesOrientation(actions, header: header) && header.format == .jpg ? EXIF.orientation(source) : 1
        var phases = PeakTracker()

        if let gif = profile.gif, gif.firstFramePixels > limits.maximumDecodedPixels {
            // Its rows are decoded even where they fall off the screen.
            throw .invalidArgument("The GIF's first frame claims \(gif.firstFramePixels) pixels; this server's limit is \(limits.maximumDecodedPixels) decoded pixels per request.")
        }
        if header.format == .gif, output == .gif, profile.frames > 1, GIFAnimation.keepsAnimation(actions) {
            let animation = try Self.planAnimation(actions, header: header, profile: profile, limits: limits, transparent: transparent)
            start = .gifFrames(loopCount: profile.gif?.loopCount)
            steps = animation.steps
            result = animation.result
            producedPixels = animation.producedPixels
            frames = animation.frames
            peakBytes = Checked.sum(source.count, animation.peakBytes)
            return
        }

        // The start: what is decoded, at what size.
        let decoded: Shape
        var shrunkResize: (index: Int, geometry: ImageKernels.ResizeGeometry)?
        let decodeBands = profile.multiScanJPEG ? 1 : 4
        if !answersAverageHue, header.format == .jpg, output == .jpg, orientation == 1, case let .circle(radius)? = actions.first,
           actions.dropFirst().allSatisfy({ if case .format = $0 { true } else if case .quality = $0 { true } else if case .interlace = $0 { true } else { false } }) {
            let geometry = ImageKernels.CircleGeometry(width: header.width, height: header.height, requestedRadius: radius)
            start = .transcodeCircle(geometry)
            decoded = Shape(width: geometry.side, height: geometry.side, channels: 3)
            result = decoded
            // A ring of 32 rows, one decoded row, the decoder's own buffers, and the encoder's.
            phases.phase(Checked.saturating(geometry.side, 3 * 32), Checked.saturating(header.width, 3), profile.decoderBytes,
                         Self.encodeBytes(decoded, format: .jpg, interlace: options.interlace),
                         Self.splitDecodeBytes(start, source: source, header: header, profile: profile))
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
            if header.format == .jpg, let (index, resize) = Self.leadingResize(actions),
               case let geometry = ImageKernels.ResizeGeometry(resize, width: size.width, height: size.height),
               case let eighths = Self.shrinkOnLoadEighths(width: size.width, height: size.height, geometry: geometry), eighths < 8 {
                try ImageKernels.checkResizeLimits(geometry, resize)
                decoded = Shape(width: ImageCodecs.jpegScaledSide(size.width, eighths: eighths), height: ImageCodecs.jpegScaledSide(size.height, eighths: eighths),
                                channels: profile.defaultChannels)
                // At a quarter or less, entropy decoding is most of the work, and a band decoder
                // entropy-decodes every row above its band: one band.
                start = .jpegScaled(eighths: eighths, orientation: orientation, bands: profile.multiScanJPEG || eighths <= 2 ? 1 : nil)
                shrunkResize = (index, geometry)
            } else {
                decoded = Shape(width: size.width, height: size.height, channels: profile.defaultChannels)
                start = .full(orientation: orientation)
            }
        }
        try Self.admitDecode(decoded, limits: limits)
        let bands = header.format == .jpg && decoded.height >= 512 ? decodeBands : 1
        phases.phase(decoded.bytes, Checked.saturating(profile.decoderBytes, bands), Self.splitDecodeBytes(start, source: source, header: header, profile: profile))
        if case let .full(orientation) = start, orientation != 1 {
            // The decoded image, the turned one and (for mirrored orientations) its flipped copy.
            phases.phase(decoded.bytes, decoded.bytes, decoded.bytes)
        } else if case let .jpegScaled(_, orientation, _) = start, orientation != 1 {
            // The decoded image, the turned one and (for mirrored orientations) its flipped copy.
            phases.phase(decoded.bytes, decoded.bytes, decoded.bytes)
        }

        // The actions, in order, each from the image the previous one made.
        var current = decoded
        for (index, action) in actions.enumerated() {
            if let (shrunk, geometry) = shrunkResize, shrunk == index, case let .resize(resize) = action {
                let (next, peak, produced) = Self.planResize(resize, geometry: geometry.resampling(from: current.width, current.height), input: current)
                phases.phase(peak)
                producedPixels = Checked.sum(producedPixels, produced)
                steps.append(Step(action: action, output: next, resizeGeometry: geometry))
                current = next
                continue
            }
            let (next, peak, produced) = try Self.plan(action, input: current, transparent: transparent, watermarkImages: watermarkImages, limits: limits)
            phases.phase(peak)
            producedPixels = Checked.sum(producedPixels, produced)
            steps.append(Step(action: action, output: next))
            current = next
        }
        result = current
        if !answersAverageHue {
            try Self.checkOutputSize(current, format: output)
            phases.phase(current.bytes, Self.encodeBytes(current, format: output, interlace: options.interlace))
        }
        peakBytes = Checked.sum(source.count, phases.peak)
    }

    /// What the split Huffman decoder (JPEGSplitDecode.c) holds, 0 where it does not run.
    ///
    /// Its decodes of the whole image, at full size for band decoders or scaled to 1, 2 or 4
    /// eighths: a record an MCU (32 bytes, and a few spare for each part), a count and a DC a
    /// block (4 bytes), and the ACs the inverse DCTs read, 3 bytes each. Those come to about 5
    /// bytes a byte of data for photos at full size and 4 eighths (it stops at 8 and lets libjpeg
    /// decode alone), 3 at 2 eighths (2 measured), and at 1/8 1 where the chroma is 4:2:0
    /// (libjpeg-turbo scales it less than the luma, and it is a small part of the data: under
    /// 0.1 measured), else 0. `JPEGSplitDecodeTests` compares them with what the decoder holds.
    ///
    /// The one decoder of a circle or crop (when the job has cores to spare): a DC and a record a
    /// block down to the region, at most 40 bytes a block (grey, one block an MCU), and the
    /// region's rows whole, 5 bytes a byte of their data.
    static func splitDecodeBytes(_ start: Start, source: [UInt8], header: SourceHeader, profile: DecodeProfile) -> Int {
        guard header.format == .jpg, !profile.multiScanJPEG, header.height > 0 else { return 0 }
        let rows: Range<Int>
        switch start {
        case .full: return wholeImageSplitBytes(source: source, profile: profile, acBytesPerDataByte: 5)
        case let .jpegScaled(eighths, _, _):
            guard [1, 2, 4].contains(eighths) else { return 0 }
            let acBytes = eighths == 4 ? 5 : eighths == 2 ? 3 : profile.jpegReadsACsAtOneEighth ? 1 : 0
            return wholeImageSplitBytes(source: source, profile: profile, acBytesPerDataByte: acBytes)
        case let .transcodeCircle(geometry), let .jpegCircle(geometry, _): rows = geometry.originY..<Checked.sum(geometry.originY, geometry.side)
        case let .jpegCrop(_, y, _, height): rows = y..<Checked.sum(y, height)
        default: return 0
        }
        // With the MCU rows around the region it decodes whole (at most 48 pixel rows above, 32 below).
        let end = min(header.height, Checked.sum(rows.upperBound, 32)), whole = min(end, Checked.sum(rows.count, 80))
        let blocks = Checked.saturating((header.width + 7) / 8, (end + 7) / 8)
        let regionData = Int(Double(source.count) * Double(whole) / Double(header.height))
        return Checked.sum(Checked.saturating(blocks, 40), Checked.saturating(regionData, 5))
    }

    private static func wholeImageSplitBytes(source: [UInt8], profile: DecodeProfile, acBytesPerDataByte: Int) -> Int {
        // (A part's spare: 16 records past its share, and one for its start; parts: at most 8.)
        let records = Checked.saturating(Checked.sum(profile.jpegMCUs, 8 * 17), 32)
        let coefficients = Checked.sum(Checked.saturating(profile.jpegBlocks, 4), Checked.saturating(source.count, acBytesPerDataByte))
        return Checked.sum(records, coefficients)
    }

    /// The format written: the last `format`, else the source's. OSS: "gif" takes effect only
    /// when the source is a GIF; any other source keeps its own format.
    static func outputFormat(_ process: ImageProcess, source: ImageFormat) -> ImageFormat {
        let asked = process.outputFormat(source: source)
        return asked == .gif && source != .gif ? source : asked
    }

    /// The sizes each format can hold, checked before any pixel is decoded.
    static func checkOutputSize(_ image: Shape, format: ImageFormat) throws(ImageError) {
        let side: Int
        switch format {
        case .webp: side = ImageLimits.maximumWebPSide
        case .jpg: side = 65_500
        case .gif: side = 65_535
        default: return
        }
        if image.width > side || image.height > side {
            throw .invalidArgument("\(format.rawValue) is at most \(side) pixels a side; the image to write is \(image.width)x\(image.height).")
        }
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
            return planResize(resize, geometry: geometry, input: input)
        case .roundedCorners:
            let out = Shape(width: input.width, height: input.height, channels: transparent ? 4 : 3)
            return (out, Checked.sum(input.bytes, out.bytes), out.pixels)
        case let .indexCrop(axis, length, index):
            guard let rect = try ImageKernels.indexCropRect(axis: axis, length: length, index: index, width: input.width, height: input.height) else { return unchanged }
            let out = Shape(width: rect.width, height: rect.height, channels: input.channels)
            return (out, Checked.sum(input.bytes, out.bytes), out.pixels)
        case let .rotate(degrees):
            return try planRotate(degrees, input: input, transparent: transparent)
        case let .blur(radius, _):
            return planGaussian(radius: radius.clamped(to: 1...50), input: input)
        case .sharpen:
            return planGaussian(radius: ImageKernels.sharpenRadius, input: input)
        case .bright, .contrast:
            return planTone(input: input)
        case .format, .quality, .interlace, .autoOrient, .info:
            return unchanged
        case let .watermark(watermark):
            return try planWatermark(watermark, input: input, images: watermarkImages, limits: limits)
        case .averageHue, .opaque:
            // Refused in init before any action is planned (average-hue is taken off the end).
            return unchanged
        }
    }

    /// The first action that changes pixels, when it is a resize, with its index: what a JPEG can
    /// be shrunk on load for (format, quality, interlace and auto-orient change no pixel first).
    static func leadingResize(_ actions: [ImageAction]) -> (Int, Resize)? {
        for (index, action) in actions.enumerated() {
            switch action {
            case .format, .quality, .interlace, .autoOrient: continue
            case let .resize(resize): return (index, resize)
            default: return nil
            }
        }
        return nil
    }

    /// The eighths (1...8) a width × height JPEG is decoded at before `geometry`'s resampling: the
    /// smallest scale that still leaves at least twice the scaled size on each side, so the
    /// triangle filter, not the DCT's block average, makes the last factor of two (a DCT shrink
    /// straight to the target aliases and over-sharpens, as libvips also notes). 8: no shrink.
    static func shrinkOnLoadEighths(width: Int, height: Int, geometry: ImageKernels.ResizeGeometry) -> Int {
        guard !geometry.unscaled else { return 8 }
        for eighths in 1..<8 {
            let w = ImageCodecs.jpegScaledSide(width, eighths: eighths), h = ImageCodecs.jpegScaledSide(height, eighths: eighths)
            if w >= 2 * geometry.scaledWidth && h >= 2 * geometry.scaledHeight { return eighths }
        }
        return 8
    }

    /// A resampling's weight table for `outputs` samples of a source → target pass: each output's
    /// start and count, and its taps (at most 2 × source/target + 2, floats) in a flat table built
    /// from per-output lists of the same size.
    static func weightTableBytes(outputs: Int, source: Int, target: Int) -> Int {
        let taps = Checked.sum(Checked.saturating(2, (source + max(1, target) - 1) / max(1, target)), 2)
        return Checked.saturating(outputs, Checked.sum(Checked.saturating(taps, 8), 64))
    }

    /// A resize of `input` whose sizes `geometry` holds.
    static func planResize(_ resize: Resize, geometry: ImageKernels.ResizeGeometry, input: Shape) -> (Shape, peak: Int, produced: Int) {
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
        // Weight tables and the vertical pass's accumulator row, one for each core's band.
        let tables = Checked.sum(weightTableBytes(outputs: window.width, source: input.width, target: geometry.scaledWidth),
                                 weightTableBytes(outputs: window.height, source: input.height, target: geometry.scaledHeight))
            + Checked.saturating(window.width, 4 * input.channels * ImageParallelism.online)
        let resampling = Checked.sum(horizontalBytes, Checked.sum(window.bytes, tables))
        let padding = Checked.sum(window.bytes, canvas)
        return (final, Checked.sum(input.bytes, max(resampling, padding)),
                Checked.sum(horizontal, Checked.sum(window.pixels, geometry.canvas == nil ? 0 : final.pixels)))
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
        case .bmp: // one output array
            return Checked.sum(image.bytes, image.height * 3 + 122)
        case .gif:
            return gifFrameBytes(image)
        case .tiff:
            // LZW with differencing keeps a photograph within its raw size (10% slack), in a buffer
            // that doubles as it grows, then copied out; a row copy for the predictor.
            let encoded = Checked.saturating(image.bytes, 11) / 10
            return Checked.sum(Checked.saturating(encoded, 3), Checked.saturating(image.width, image.channels))
        case .heic:
            return heifEncodeBytes(image)
        case .avif:
            return avifEncodeBytes(image)
        }
    }
}

extension ProcessPlan {
    /// What writing one GIF frame holds beside it: the index plane, the quantizer's histogram
    /// and tables (about 1.3 MB), and the frame's LZW codes at their worst (12 bits a pixel) in
    /// a buffer that doubles as it grows, then copied out.
    static func gifFrameBytes(_ image: Shape) -> Int {
        let codes = Checked.saturating(image.pixels, 3) / 2
        return Checked.sum(Checked.sum(image.pixels, Checked.saturating(codes, 3)), 2 << 20)
    }

    /// libheif's RGB copy of the image, its YCbCr 4:2:0 conversion, x265's working set for one
    /// intra picture (lookahead, reconstruction and analysis buffers: about 12 bytes a pixel at
    /// the "fast" preset), and the bitstream. Measured by `OSSBenchmarks formats`.
    static func heifEncodeBytes(_ image: Shape) -> Int {
        let perPixel = image.channels + 2 + 12
        return Checked.sum(Checked.saturating(image.pixels, perPixel), 32 << 20)
    }

    /// libavif's YCbCr 4:2:0 image (and alpha plane), aom's working set for one key frame at
    /// speed 8 (about 14 bytes a pixel), and the bitstream. Measured by `OSSBenchmarks formats`.
    static func avifEncodeBytes(_ image: Shape) -> Int {
        let perPixel = (image.channels == 4 ? 3 : 2) + 14
        return Checked.sum(Checked.saturating(image.pixels, perPixel), 48 << 20)
    }
}

/// The largest of several phases' byte counts, each a saturating sum.
struct PeakTracker {
    private(set) var peak = 0

    mutating func phase(_ parts: Int...) {
        peak = max(peak, parts.reduce(0, Checked.sum))
    }
}
