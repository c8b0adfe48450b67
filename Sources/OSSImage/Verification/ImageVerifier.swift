import OSSImageProcess

/// Checks a server's processed image against the local kernel, offline.
///
/// The kernel runs the same process on the same source; the server's answer is then compared
/// with what it made, check by check (``VerificationCheck``): the format by its signature, the
/// size (within a pixel where OSS leaves rounding open), where the content sits (searched within
/// a few pixels), the shape and its background, a pad's colour, pixel agreement over the
/// meaningful area at a bar for the class of work, and the checks each action adds of its own
/// (tone, sharpness, quality, interlace; see `ActionRules.swift`). `info` and `average-hue` answers
/// are compared as OSS's JSON. The real service has its own encoder and resampler, so no check
/// asks for our bytes.
public enum ImageVerifier {
    /// Decodes `output`, runs the local kernel on `source`, and gives a verdict per check.
    ///
    /// `limits` and `cancellation` bound the whole verification (every kernel run, the decodes and
    /// the comparisons) as they bound ``ImageProcessor/process(_:source:limits:cancellation:)-(ImageProcess,_,_,_)``.
    /// A process the kernels refuse, or an output that is not an image (for an image answer),
    /// throws; a mismatch is a report whose ``VerificationReport/matches`` is false.
    ///
    /// `watermarkImages` are the objects the process's image watermarks name (`image_`), by key,
    /// as ``ImageProcessor/process(_:source:watermarkImages:limits:cancellation:)-(ImageProcess,_,_,_,_)``
    /// takes them.
    public static func verify(source: [UInt8], process: ImageProcess, output: [UInt8],
                              watermarkImages: [String: [UInt8]] = [:],
                              thresholds: VerificationThresholds = VerificationThresholds(),
                              limits: ImageWorkLimits = .oss, cancellation: ImageCancellation? = nil) throws(ImageError) -> VerificationReport {
        let budget = ImageWorkBudget(limits: limits, cancellation: cancellation)
        let kernel = KernelRunner(process: process, source: source, watermarkImages: watermarkImages, budget: budget)
        let expected = try ImageProcessor.run(process, source: source, budget: budget, watermarkImages: watermarkImages)
        guard let expectedFormat = expected.format else {
            return try AnswerChecks.verify(source: source, process: process, expected: expected, output: output, thresholds: thresholds)
        }
        let actions = process.actions
        let actualFormat = ImageCodecs.detectFormat(output)
        var report = VerificationReport(process: process.description, expectedFormat: expectedFormat, actualFormat: actualFormat,
                                        expectedSize: (expected.width, expected.height), actualSize: (0, 0))
        report.checks.append(formatCheck(expected: expectedFormat, actual: actualFormat, process: process))

        let transparent = expectedFormat.supportsAlpha
        let (referenceBitmap, _) = try ImageCodecs.decode(expected.bytes, channels: transparent ? 4 : 3, budget: budget)
        let (actualBitmap, _) = try ImageCodecs.decode(output, channels: actualFormat?.supportsAlpha == false ? 3 : 4, budget: budget)
        report.expectedSize = (referenceBitmap.width, referenceBitmap.height)
        report.actualSize = (actualBitmap.width, actualBitmap.height)

        // Size: exact, or within the rounding OSS leaves open.
        let allowance = actions.map { ActionRules.sizeRounding($0, allowance: thresholds.sizeAllowance) }.max() ?? 0
        let size = sizeCheck(expected: report.expectedSize, actual: report.actualSize, allowance: allowance)
        report.checks.append(size)
        guard size.passed else { return report }
        let resized = actualBitmap.width != referenceBitmap.width || actualBitmap.height != referenceBitmap.height
        let comparable = resized
            ? try ImageKernels.resample(actualBitmap, width: referenceBitmap.width, height: referenceBitmap.height,
                                        window: (0, 0, referenceBitmap.width, referenceBitmap.height), budget: budget)
            : actualBitmap
        let reference = try Picture(referenceBitmap, budget: budget)
        let actual = try Picture(comparable, budget: budget)

        // The shape: our alpha, or (for a format without alpha) the alpha of the same process
        // written as PNG, whose background is transparent where the JPEG's is white.
        let makesShape = actions.contains(where: ActionRules.makesShape)
        let shape: Picture? = transparent ? reference
            : makesShape ? try kernel.picture(actions + [.format(.png)], channels: 4) : nil
        let width = reference.width, height = reference.height
        var inside = Mask(width: width, height: height, value: true)
        if let shape, shape.width == width, shape.height == height {
            for i in 0..<inside.bits.count { inside.bits[i] = shape.opaque(i) }
        }
        let band = thresholds.edgeBand + (resized || actions.contains(where: ActionRules.resamplesEdges) ? 1 : 0)
        let edge = try inside.edge(band: band, budget: budget)
        var meaningful = inside
        for i in 0..<meaningful.bits.count where edge.bits[i] { meaningful.bits[i] = false }
        // A text mark is drawn by OSS's fonts, not Debian's: its box is the watermark check's
        // (WatermarkCheck), not the pixel check's.
        let marks = try MarkInk.find(actions: actions, reference: reference, kernel: kernel, transparent: transparent, thresholds: thresholds)
        for (index, mark) in marks {
            guard case let .watermark(watermark) = actions[index], watermark.text != nil, let box = mark.box else { continue }
            let grown = box.expanded(by: mark.slack + band, width: width, height: height)
            for y in grown.minY...grown.maxY { for x in grown.minX...grown.maxX { meaningful.bits[y * width + x] = false } }
        }

        if !inside.inverted.isEmpty {
            let (shapeCheck, backgroundCheck, iou, background) = try shapeChecks(reference: reference, actual: actual, inside: inside, edge: edge,
                                                                                 transparent: transparent, thresholds: thresholds, budget: budget)
            report.maskIoU = iou
            report.backgroundMatch = background
            report.checks += [shapeCheck, backgroundCheck]
        }

        // Placement, then pixel agreement where the content was found.
        let (offset, tiles) = try Measures.bestOffset(reference, actual, mask: meaningful, radius: thresholds.placementSearch, budget: budget)
        report.placement = (offset.dx, offset.dy)
        report.checks.append(placementCheck(offset, tiles: tiles, thresholds: thresholds))
        let lossy = FormatRules.isLossy(expectedFormat) || FormatRules.isLossy(actualFormat)
        let pixelClass = actions.map(ActionRules.pixelClass).max() ?? .copy
        let (psnr, pixels) = try Measures.psnr(reference, actual, offset: offset, mask: meaningful, budget: budget)
        report.psnr = psnr
        report.checks.append(pixelCheck(psnr: psnr, pixels: pixels, class: pixelClass, lossy: lossy, shaped: !inside.inverted.isEmpty,
                                        band: band, thresholds: thresholds))

        let context = VerificationContext(kernel: kernel, actions: actions, output: output, expected: expected,
                                          thresholds: thresholds, budget: budget, reference: reference, actual: actual,
                                          meaningful: meaningful, offset: offset, transparent: transparent, band: band, marks: marks)
        if actions.contains(where: ActionRules.fillsWithColour) {
            report.checks.append(try FillCheck.check(context: context))
        }
        for (index, action) in actions.enumerated() {
            try budget.checkpoint()
            report.checks += try ActionRules.checks(for: action, at: index, context: context)
        }
        return report
    }

    // MARK: The checks of every image answer

    static func formatCheck(expected: ImageFormat, actual: ImageFormat?, process: ImageProcess) -> VerificationCheck {
        let asked = process.actions.contains { if case .format = $0 { true } else { false } }
        let reason = asked ? "the process asks for \(expected.rawValue)" : "the process keeps the source's format, \(expected.rawValue)"
        let found = actual?.rawValue ?? "unknown"
        return VerificationCheck(name: "format", measured: found, threshold: expected.rawValue, passed: actual == expected,
                                 explanation: actual == expected ? "\(found) by its signature; \(reason)" : "the bytes are \(found) by their signature; \(reason)")
    }

    static func sizeCheck(expected: (width: Int, height: Int), actual: (width: Int, height: Int), allowance: Int) -> VerificationCheck {
        let dw = actual.width - expected.width, dh = actual.height - expected.height
        let within = abs(dw) <= allowance && abs(dh) <= allowance
        let threshold = "\(expected.width)x\(expected.height)" + (allowance > 0 ? " ±\(allowance) px" : " exactly")
        let explanation: String
        if dw == 0 && dh == 0 {
            explanation = "the size our kernel made"
        } else if within {
            explanation = "within the ±\(allowance) px rounding allowance (OSS does not document how it rounds this size); compared after scaling to \(expected.width)x\(expected.height)"
        } else if allowance > 0 {
            explanation = "\(Self.signedPixels(dw)) wide, \(Self.signedPixels(dh)) high: beyond the ±\(allowance) px rounding allowance; pixels not compared"
        } else {
            explanation = "\(Self.signedPixels(dw)) wide, \(Self.signedPixels(dh)) high: OSS documents this size exactly; pixels not compared"
        }
        return VerificationCheck(name: "size", measured: "\(actual.width)x\(actual.height)", threshold: threshold, passed: within, explanation: explanation)
    }

    static func signedPixels(_ value: Int) -> String { (value >= 0 ? "+" : "") + "\(value) px" }

    static func placementCheck(_ offset: Offset, tiles: Int, thresholds: VerificationThresholds) -> VerificationCheck {
        let allowance = thresholds.placementAllowance, search = thresholds.placementSearch
        let within = abs(offset.dx) <= allowance && abs(offset.dy) <= allowance
        let explanation: String
        if tiles == 0 {
            explanation = "the image is too small to search; compared where our kernel put it"
        } else if offset == .zero {
            explanation = "best alignment within ±\(search) px, on \(tiles) detailed tiles: where our kernel put it"
        } else if within {
            explanation = "best alignment within ±\(search) px, on \(tiles) detailed tiles: within the ±\(allowance) px rounding allowance of an origin OSS does not round as documented"
        } else {
            let edge = abs(offset.dx) == search || abs(offset.dy) == search ? " (at the edge of the search: maybe further)" : ""
            let across = offset.dx < 0 ? "\(-offset.dx) px left" : "\(offset.dx) px right"
            let down = offset.dy < 0 ? "\(-offset.dy) px up" : "\(offset.dy) px down"
            explanation = "the content is \(across) and \(down) of ours\(edge); rounding explains at most ±\(allowance) px: wrong gravity or offset"
        }
        return VerificationCheck(name: "placement", measured: offset.description, value: Double(max(abs(offset.dx), abs(offset.dy))),
                                 threshold: "±\(allowance) px", passed: within, explanation: explanation)
    }

    static func pixelCheck(psnr: Double, pixels: Int, class pixelClass: PixelClass, lossy: Bool, shaped: Bool, band: Int,
                           thresholds: VerificationThresholds) -> VerificationCheck {
        let minimum: Double = switch (pixelClass, lossy) {
        case (.copy, false): thresholds.minimumLosslessPSNR
        case (.copy, true): thresholds.minimumLossyPSNR
        case (.resampled, false): thresholds.minimumResampledPSNR
        case (.resampled, true): thresholds.minimumResampledLossyPSNR
        case (.toned, _): thresholds.minimumTonedPSNR
        }
        let area = shaped ? "inside the shape, off its \(band) px edge" : "off the \(band) px border"
        let passed = pixels > 0 && psnr >= minimum
        return VerificationCheck(name: "pixels", measured: "PSNR " + VerificationReport.decibels(psnr), value: psnr,
                                 threshold: ">= \(VerificationReport.fixed(minimum, decimals: 0)) dB",
                                 passed: passed,
                                 explanation: pixels == 0 ? "no pixel to compare" : "over \(pixels) pixels \(area), at the placement found; bar for \(pixelClass.name) in a \(lossy ? "lossy" : "lossless") format")
    }

    /// Shape coverage (IoU of the opaque areas) and the background outside it, both where our
    /// kernel put them (a shape is cut from the canvas, so its place does not move with the
    /// content), off the edge band.
    static func shapeChecks(reference: Picture, actual: Picture, inside: Mask, edge: Mask, transparent: Bool,
                            thresholds: VerificationThresholds, budget: ImageWorkBudget) throws(ImageError) -> (VerificationCheck, VerificationCheck, Double, Double) {
        var intersection = 0, union = 0, backgroundTotal = 0, backgroundMatched = 0
        for y in 0..<reference.height {
            try budget.checkpoint()
            for x in 0..<reference.width {
                let index = y * reference.width + x
                guard !edge.bits[index] else { continue }
                let expectedInside = inside.bits[index]
                // For JPEG the background is white: a white pixel counts as inside only where
                // ours is white inside the shape too.
                let actualInside = transparent ? actual.opaque(index)
                    : !actual.isBackground(index, transparent: false) || (expectedInside && reference.isBackground(index, transparent: false))
                if expectedInside || actualInside { union += 1 }
                if expectedInside && actualInside { intersection += 1 }
                if !expectedInside {
                    backgroundTotal += 1
                    if actual.isBackground(index, transparent: transparent) { backgroundMatched += 1 }
                }
            }
        }
        let iou = union == 0 ? 1 : Double(intersection) / Double(union)
        let background = backgroundTotal == 0 ? 1 : Double(backgroundMatched) / Double(backgroundTotal)
        let kind = transparent ? "transparent" : "white"
        let shape = VerificationCheck(name: "shape", measured: "IoU " + VerificationReport.fixed(iou), value: iou,
                                      threshold: ">= \(thresholds.minimumMaskIoU)", passed: iou >= thresholds.minimumMaskIoU,
                                      explanation: "the opaque area against ours, off the edge band")
        let backgroundCheck = VerificationCheck(name: "background", measured: VerificationReport.fixed(background * 100, decimals: 1) + "% \(kind)",
                                                value: background, threshold: ">= \(VerificationReport.fixed(thresholds.minimumBackgroundMatch * 100, decimals: 0))%",
                                                passed: background >= thresholds.minimumBackgroundMatch,
                                                explanation: "outside the shape OSS paints the background \(kind) for this format; \(backgroundTotal) pixels looked at")
        return (shape, backgroundCheck, iou, background)
    }
}

/// Everything the checks of one verification share.
struct VerificationContext {
    let kernel: KernelRunner
    var source: [UInt8] { kernel.source }
    var process: ImageProcess { kernel.process }
    /// The process's actions, empty segments included (indices as in `process.steps`).
    let actions: [ImageAction]
    let output: [UInt8]
    let expected: ProcessedImage
    let thresholds: VerificationThresholds
    let budget: ImageWorkBudget
    let reference: Picture
    /// The server's picture, at our size.
    let actual: Picture
    /// The pixels compared: inside any shape, off its edge and the border.
    let meaningful: Mask
    /// Where the server's content was found.
    let offset: Offset
    /// Whether the output format has alpha (backgrounds transparent, else white).
    let transparent: Bool
    /// The edge band used.
    let band: Int
    /// Each watermark's ink in our output, by action index.
    let marks: [Int: MarkInk]

    /// The action at `index` as written.
    func spelling(_ index: Int) -> String {
        let steps = process.steps
        return index < steps.count ? steps[index].description : actions[index].description
    }

    /// Whether no action after `index` matches `predicate`.
    func isLast(_ index: Int, where predicate: (ImageAction) -> Bool) -> Bool {
        !actions[(index + 1)...].contains(where: predicate)
    }

    /// Our kernel's picture for the process without the action at `index`, at our size, or nil
    /// when that process makes another size (then the action's effect cannot be isolated).
    func pictureWithout(_ index: Int) throws(ImageError) -> Picture? {
        var others = actions
        others.remove(at: index)
        let picture = try kernel.picture(others, channels: transparent ? 4 : 3)
        return picture.width == reference.width && picture.height == reference.height ? picture : nil
    }
}

/// Runs our kernel on the verified source with other actions: the same process without one
/// action, or written as PNG (to see a shape's alpha), under the verification's budget.
struct KernelRunner {
    let process: ImageProcess
    let source: [UInt8]
    let watermarkImages: [String: [UInt8]]
    let budget: ImageWorkBudget

    /// Our kernel's result for the process with `actions` in place of its own, decoded.
    func picture(_ actions: [ImageAction], channels: Int) throws(ImageError) -> Picture {
        var variant = process
        variant.actions = actions
        let result = try ImageProcessor.run(variant, source: source, budget: budget, watermarkImages: watermarkImages)
        let (bitmap, _) = try ImageCodecs.decode(result.bytes, channels: channels, budget: budget)
        return try Picture(bitmap, budget: budget)
    }
}
