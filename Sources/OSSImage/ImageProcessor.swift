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
public enum ImageProcessor {
    /// Default JPEG/WebP quality when the process does not set one.
    public static let defaultQuality = 85

    /// Parses and runs a process string.
    public static func process(_ text: String, source: [UInt8]) throws(ImageError) -> ProcessedImage {
        let process: ImageProcess
        do { process = try ImageProcess(parsing: text) } catch { throw ImageError(error) }
        return try self.process(process, source: source)
    }

    /// Runs a process on encoded source bytes.
    public static func process(_ process: ImageProcess, source: [UInt8]) throws(ImageError) -> ProcessedImage {
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
        for action in actions {
            switch action {
            case .blur, .bright, .contrast, .sharpen, .watermark, .averageHue:
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
        let (sourceWidth, sourceHeight, sourceFormat) = try ImageCodecs.dimensions(source)
        try ImageLimits.check(width: sourceWidth, height: sourceHeight)

        if actions.contains(.info) {
            guard actions.last == .info else {
                throw ImageError(code: "InvalidArgument", message: "info must be the last action.")
            }
            return info(source: source, width: sourceWidth, height: sourceHeight, format: sourceFormat)
        }
        let output = process.outputFormat(source: sourceFormat)
        guard [.jpg, .png, .webp, .bmp].contains(output) else {
            throw ImageError.notImplemented("The local kernels write jpg, png, webp and bmp, not \(output.rawValue).")
        }
        var options = ImageCodecs.EncodeOptions(quality: defaultQuality)
        for action in actions {
            switch action {
            case let .quality(value, _): options.quality = value
            case let .interlace(on): options.interlace = on
            default: break
            }
        }
        let transparent = output.supportsAlpha
        let orientation = actions.contains(.autoOrient(true)) && sourceFormat == .jpg ? EXIF.orientation(source) : 1

        // JPEG to JPEG circle with nothing else to do: stream rows from decoder to encoder.
        if sourceFormat == .jpg, output == .jpg, orientation == 1, case let .circle(radius)? = actions.first,
           actions.dropFirst().allSatisfy({ if case .format = $0 { true } else if case .quality = $0 { true } else if case .interlace = $0 { true } else { false } }) {
            let geometry = ImageKernels.CircleGeometry(width: sourceWidth, height: sourceHeight, requestedRadius: radius)
            let bytes = try ImageCodecs.transcodeJPEGCircle(source, geometry: geometry, options: options)
            return ProcessedImage(bytes: bytes, contentType: output.contentType, format: .jpg, width: geometry.side, height: geometry.side)
        }

        var bitmap: Bitmap
        if sourceFormat == .jpg, orientation == 1, let first = actions.first {
            // Decode only what the first geometric action keeps.
            switch first {
            case let .circle(radius):
                let geometry = ImageKernels.CircleGeometry(width: sourceWidth, height: sourceHeight, requestedRadius: radius)
                bitmap = try ImageCodecs.decodeJPEGRegion(source, x: geometry.originX, y: geometry.originY,
                                                          width: geometry.side, height: geometry.side, channels: transparent ? 4 : 3)
                ImageKernels.maskCircle(&bitmap, radius: geometry.radius)
                actions.removeFirst()
            case let .crop(crop):
                let rect = try ImageKernels.cropRect(crop, width: sourceWidth, height: sourceHeight)
                bitmap = try ImageCodecs.decodeJPEGRegion(source, x: rect.x, y: rect.y, width: rect.width, height: rect.height, channels: 3)
                actions.removeFirst()
            default:
                bitmap = try ImageCodecs.decode(source).0
            }
        } else {
            bitmap = try ImageCodecs.decode(source).0
            if orientation != 1 { bitmap = ImageKernels.orient(bitmap, exifOrientation: orientation) }
        }

        for action in actions {
            switch action {
            case let .circle(radius):
                bitmap = ImageKernels.circle(bitmap, radius: radius, transparent: transparent)
            case let .crop(crop):
                let rect = try ImageKernels.cropRect(crop, width: bitmap.width, height: bitmap.height)
                bitmap = bitmap.cropped(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
            case let .resize(resize):
                let plan = ImageKernels.resizePlan(resize, width: bitmap.width, height: bitmap.height)
                guard plan.finalWidth <= 16384, plan.finalHeight <= 16384, plan.finalWidth * plan.finalHeight <= 16384 * 16384 else {
                    throw ImageError(code: "InvalidArgument", message: "The resized image would be \(plan.finalWidth)x\(plan.finalHeight), over OSS's limits.")
                }
                bitmap = ImageKernels.resize(bitmap, resize)
            case let .roundedCorners(radius):
                bitmap = ImageKernels.roundedCorners(bitmap, radius: radius, transparent: transparent)
            case let .indexCrop(axis, length, index):
                // No side exceeds 30,000 px, so clamping there changes no result and keeps
                // index * length far from overflow.
                bitmap = ImageKernels.indexCrop(bitmap, axis: axis, length: min(length, ImageLimits.maximumSide), index: min(index, ImageLimits.maximumSide))
            case let .rotate(degrees):
                bitmap = try ImageKernels.rotate(bitmap, degrees: degrees)
            case .format, .quality, .interlace, .autoOrient, .info:
                break
            case .blur, .bright, .contrast, .sharpen, .watermark, .averageHue, .opaque:
                break // refused above
            }
        }
        let bytes = try ImageCodecs.encode(bitmap, as: output, options: options)
        return ProcessedImage(bytes: bytes, contentType: output.contentType, format: output, width: bitmap.width, height: bitmap.height)
    }

    /// `info`: OSS's JSON description of the source.
    static func info(source: [UInt8], width: Int, height: Int, format: ImageFormat) -> ProcessedImage {
        var fields = [("FileSize", String(source.count)), ("Format", format.rawValue),
                      ("ImageHeight", String(height)), ("ImageWidth", String(width))]
        if format == .jpg { fields.append(("Orientation", String(EXIF.orientation(source)))) }
        let json = "{" + fields.map { "\"\($0.0)\": {\"value\": \"\($0.1)\"}" }.joined(separator: ", ") + "}"
        return ProcessedImage(bytes: Array(json.utf8), contentType: "application/json", format: nil, width: width, height: height)
    }
}

/// Just enough EXIF to find the orientation tag of a JPEG.
enum EXIF {
    /// The orientation (1...8), 1 when absent or unreadable.
    static func orientation(_ jpeg: [UInt8]) -> Int {
        var index = 2
        while index + 4 <= jpeg.count, jpeg[index] == 0xFF {
            let marker = jpeg[index + 1]
            let length = Int(jpeg[index + 2]) << 8 | Int(jpeg[index + 3])
            if marker == 0xDA || length < 2 { break }
            if marker == 0xE1, index + 4 + length - 2 <= jpeg.count,
               Array(jpeg[(index + 4)..<min(jpeg.count, index + 10)]) == Array("Exif\0\0".utf8) {
                return parseTIFF(Array(jpeg[(index + 10)..<(index + 2 + length)]))
            }
            index += 2 + length
        }
        return 1
    }

    static func parseTIFF(_ tiff: [UInt8]) -> Int {
        guard tiff.count >= 8 else { return 1 }
        let little = tiff[0] == 0x49
        func u16(_ at: Int) -> Int {
            guard at + 2 <= tiff.count else { return 0 }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int {
            guard at + 4 <= tiff.count else { return 0 }
            return little ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2)
        }
        let ifd = u32(4)
        let entries = u16(ifd)
        for entry in 0..<entries {
            let at = ifd + 2 + entry * 12
            if u16(at) == 0x0112 {
                let value = u16(at + 8)
                return (1...8).contains(value) ? value : 1
            }
        }
        return 1
    }
}
