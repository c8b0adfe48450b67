import OSSImageProcess

/// Planning of the pixel filters and of rotation: the image each makes, the bytes held while it
/// runs (its input included) and the pixels it produces, from sizes alone.
extension ProcessPlan {
    /// `rotate`: OSS's 4096 × 4096 limit on the image rotated, then either quarter turns (each a
    /// new image while the previous one is alive) or one resampling onto the enlarged canvas.
    static func planRotate(_ degrees: Int, input: Shape, transparent: Bool) throws(ImageError) -> (Shape, peak: Int, produced: Int) {
        guard input.width <= ImageLimits.maximumRotateSide, input.height <= ImageLimits.maximumRotateSide else {
            throw .invalidArgument("rotate: the image to rotate is \(input.width)x\(input.height); OSS rotates images of at most \(ImageLimits.maximumRotateSide)x\(ImageLimits.maximumRotateSide) px.", ec: "0040-00000006")
        }
        if let turns = ImageKernels.quarterTurns(degrees) {
            let out = turns % 2 == 1 ? Shape(width: input.height, height: input.width, channels: input.channels) : input
            return (out, Checked.saturating(input.bytes, 1 + min(turns, 2)), Checked.saturating(input.pixels, turns))
        }
        let geometry = ImageKernels.RotationGeometry(width: input.width, height: input.height, degrees: degrees)
        let out = Shape(width: geometry.width, height: geometry.height, channels: transparent ? 4 : 3)
        return (out, Checked.sum(input.bytes, out.bytes), out.pixels)
    }

    /// `blur` and `sharpen`: one output image, a padded row of floats for the vertical sums and a
    /// row of floats for the horizontal ones.
    static func planGaussian(radius: Int, input: Shape) -> (Shape, peak: Int, produced: Int) {
        // The two float rows for each core's band.
        let samples = Checked.sum(Checked.sum(input.width, 2 * radius), input.width)
        let row = Checked.saturating(samples, Checked.saturating(input.channels, 4 * ImageParallelism.online))
        return (input, Checked.sum(Checked.saturating(input.bytes, 2), row), input.pixels)
    }

    /// `bright` and `contrast`: a copy of the image mapped through a 256-entry table.
    static func planTone(input: Shape) -> (Shape, peak: Int, produced: Int) {
        (input, Checked.sum(Checked.saturating(input.bytes, 2), 256), input.pixels)
    }

    /// Whether the source's EXIF orientation is applied: only for `auto-orient,1`, and, as OSS
    /// documents, only when both sides of the source are below 4096 px; a larger source is left
    /// as stored (no error).
    ///
    /// Where it is written does not matter: the orientation is applied to the decoded source,
    /// before every other action. OSS's own example writes `resize,w_100/auto-orient,1` and means
    /// the upright image 100 px wide (OSS's older `@` syntax offered resize-then-rotate as a
    /// separate option, which `x-oss-process` does not have). Without `auto-orient,1` the stored pixels are used as they
    /// are (OSS documents no default rotation for `x-oss-process`).
    static func appliesOrientation(_ actions: [ImageAction], header: SourceHeader) -> Bool {
        actions.contains(.autoOrient(true)) && header.width < ImageLimits.maximumRotateSide && header.height < ImageLimits.maximumRotateSide
    }
}

extension ImageProcessor {
    /// `average-hue` on the image the earlier actions made: OSS's JSON (see
    /// ``ImageKernels/averageHue(_:)``).
    static func averageHueResult(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) -> ProcessedImage {
        let json = ImageKernels.averageHueJSON(try ImageKernels.averageHue(bitmap, budget: budget))
        return ProcessedImage(bytes: Array(json.utf8), contentType: "application/json", format: nil, width: bitmap.width, height: bitmap.height)
    }
}
