import OSSImageProcess

/// One `watermark` action worked out on an image of a known size, before any pixel exists: the
/// text shaped (its ink size known), the watermark image's own process planned from its header,
/// and where the unit of both (and, with `fill`, its tiles) goes. Planning and the kernel build
/// the same layout, so the sizes planned are the sizes drawn.
struct WatermarkLayout {
    typealias Size = WatermarkGeometry.Size
    typealias Point = WatermarkGeometry.Point

    /// OSS's defaults (each documented on ``Watermark`` and ``TextWatermark``).
    static let defaultSize = 40
    static let defaultMargin = 10

    /// The text, rotated, with its shadow.
    struct TextPiece {
        let shaped: ShapedText
        let rotation: WatermarkRotation
        let color: (red: Double, green: Double, blue: Double)
        /// 0 without a shadow.
        let shadowOffset: Int
        /// 0...1.
        let shadowOpacity: Double

        /// The rotated ink and its shadow.
        var box: Size { Size(width: rotation.box.width + shadowOffset, height: rotation.box.height + shadowOffset) }
        var maskBytes: Int { Checked.saturating(shaped.inkWidth, shaped.inkHeight) }
    }

    /// The watermark image: an object of the bucket and its own process, planned.
    struct ImagePiece {
        let key: String
        let source: [UInt8]
        let plan: ProcessPlan

        var size: Size { Size(width: plan.result.width, height: plan.result.height) }
    }

    let text: TextPiece?
    let image: ImagePiece?
    let unit: Size
    let textOrigin: Point?
    let imageOrigin: Point?
    /// The placed unit's top-left corner (one tile of the grid, with `fill`).
    let anchor: Point
    /// With `fill`: the space between tiles.
    let fillGap: Int?
    /// `t`, 0...1.
    let opacity: Double

    init(_ watermark: Watermark, base: Size, images: [String: [UInt8]], limits: ImageWorkLimits) throws(ImageError) {
        var text: TextPiece?
        if let part = watermark.text {
            let size = part.size ?? Self.defaultSize
            let shaped = try ShapedText(part.text, font: part.font ?? WatermarkFonts.defaultName, size: size)
            let rgb = ImageKernels.hexColor(part.color ?? "000000")
            let shadow = part.shadow ?? 0
            text = TextPiece(shaped: shaped, rotation: WatermarkRotation(width: shaped.inkWidth, height: shaped.inkHeight, degrees: part.rotate ?? 0),
                             color: (Double(rgb.0), Double(rgb.1), Double(rgb.2)),
                             shadowOffset: shadow > 0 ? WatermarkGeometry.shadowOffset(size: size) : 0, shadowOpacity: Double(shadow) / 100)
        }
        var image: ImagePiece?
        if let part = watermark.image {
            image = try Self.planImage(part, base: base, images: images, limits: limits)
        }
        // Text without ink (only spaces) takes no room beside an image.
        let textBox = text.flatMap { $0.shaped.inkWidth > 0 && $0.shaped.inkHeight > 0 ? $0.box : nil }
        let arranged = WatermarkGeometry.arrange(text: textBox, image: image?.size, order: watermark.order ?? .imageFirst,
                                                 align: watermark.align ?? .bottom, interval: watermark.interval ?? 0)
        self.text = textBox == nil ? nil : text
        self.image = image
        unit = arranged.unit
        textOrigin = arranged.text
        imageOrigin = arranged.image
        anchor = WatermarkGeometry.place(unit, on: base, gravity: watermark.gravity ?? .southEast, x: watermark.x ?? Self.defaultMargin,
                                         y: watermark.y ?? Self.defaultMargin, voffset: watermark.verticalOffset ?? 0)
        fillGap = watermark.text?.fill == true ? (watermark.text?.size ?? Self.defaultSize) : nil
        opacity = Double(watermark.transparency ?? 100) / 100
    }

    /// Whether anything is drawn.
    var isVisible: Bool { opacity > 0 && unit.width > 0 && unit.height > 0 }

    /// The bytes the action holds beside its input and output: the text's mask and the
    /// watermark image's own process at its peak (its source included).
    var workingBytes: Int { Checked.sum(text?.maskBytes ?? 0, image?.plan.peakBytes ?? 0) }

    /// Pixels made besides the output: the mask and the watermark image's own images.
    var producedPixels: Int { Checked.sum(text?.maskBytes ?? 0, image?.plan.producedPixels ?? 0) }

    // MARK: The watermark image

    /// What OSS takes as watermark images.
    static let imageFormats: [ImageFormat] = [.jpg, .png, .bmp, .webp, .tiff]

    static let maximumImageWatermarks = ImageProcessor.maximumImageWatermarks

    static func planImage(_ part: ImageWatermark, base: Size, images: [String: [UInt8]], limits: ImageWorkLimits) throws(ImageError) -> ImagePiece {
        guard let source = images[part.key] else {
            throw ImageError(code: "NoSuchKey", message: "watermark parameter image: the watermark image '\(part.key)' does not exist in this bucket.", status: 404)
        }
        let format = ImageCodecs.detectFormat(source)
        guard let format, imageFormats.contains(format) else {
            throw .invalidArgument("watermark parameter image: '\(part.key)' is \(format.map { "a \($0.rawValue) image" } ?? "not an image"); OSS takes JPG, PNG, BMP, WebP and TIFF watermark images.")
        }
        let process = try ownProcess(part, base: base)
        do {
            return ImagePiece(key: part.key, source: source, plan: try ProcessPlan(process, source: source, limits: limits))
        } catch {
            throw ImageError(code: error.code, message: "watermark image '\(part.key)': \(error.message)", status: error.status, ec: error.ec)
        }
    }

    /// The watermark image's own process as the local engine runs it: `resize,P_n` becomes a fit
    /// into n% of the base image's width and height (enlarging if need be: P sizes the watermark
    /// relative to the image below it, whatever its own size), and the result stays a bitmap with
    /// alpha (`format,png`: it is composited, never encoded). OSS refuses circle crops and
    /// pipelines there; `info` and `average-hue` make no image.
    static func ownProcess(_ part: ImageWatermark, base: Size) throws(ImageError) -> ImageProcess {
        guard let nested = part.process else { return ImageProcess(actions: [.format(.png)]) }
        if nested.stages.count > 1 {
            throw .invalidArgument("watermark parameter image: the watermark image's process may not hold '|' pipelines.")
        }
        var actions: [ImageAction] = []
        for action in nested.actions where !action.isEmptySegment {
            switch action {
            case .circle, .info, .averageHue, .watermark:
                throw .invalidArgument("watermark parameter image: the watermark image's process may not hold \(action.name).")
            case var .resize(resize) where resize.percentOfBase != nil:
                let percent = Double(resize.percentOfBase ?? 100) / 100
                resize = Resize(mode: .lfit, width: max(1, Int((Double(base.width) * percent).rounded())),
                                height: max(1, Int((Double(base.height) * percent).rounded())), limit: false)
                actions.append(.resize(resize))
            case .format, .quality, .interlace:
                continue // the watermark is composited, not encoded
            default:
                actions.append(action)
            }
        }
        return ImageProcess(actions: actions + [.format(.png)])
    }
}

extension WatermarkLayout.ImagePiece {
    /// Decodes the watermark image and runs its own process. Mirrors the start of
    /// ``ImageProcessor/run(_:source:budget:watermarkImages:)`` for the starts a watermark image's
    /// plan can have (it never has info or a JPEG-to-JPEG transcode: its output is PNG).
    func render(budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        do throws(ImageError) {
            var bitmap: Bitmap
            switch plan.start {
            case let .jpegCrop(x, y, width, height):
                bitmap = try ImageCodecs.decodeJPEGRegion(source, x: x, y: y, width: width, height: height, channels: 3, bands: nil, budget: budget)
            case let .full(orientation):
                bitmap = try ImageCodecs.decode(source, channels: nil, budget: budget).0
                if orientation != 1 { bitmap = try ImageKernels.orient(bitmap, exifOrientation: orientation, budget: budget) }
            case .info, .transcodeCircle, .jpegCircle, .gifFrames:
            // A watermark image's plan writes PNG, so an animated GIF is never kept frame by frame.
                throw ImageError(code: "InternalError", message: "a watermark image's plan starts with \(plan.start)", status: 500)
            }
            for step in plan.steps {
                try budget.checkpoint()
                bitmap = try ImageProcessor.apply(step.action, to: bitmap, transparent: plan.transparent, budget: budget)
            }
            return bitmap
        } catch {
            if error.code == ImageError.processingTimeoutCode || error.code == ImageError.processingCancelledCode { throw error }
            throw ImageError(code: error.code, message: "watermark image '\(key)': \(error.message)", status: error.status, ec: error.ec)
        }
    }
}
