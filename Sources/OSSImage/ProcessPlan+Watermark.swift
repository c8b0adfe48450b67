import OSSImageProcess

extension ProcessPlan {
    /// What the watermarks of a process need before anything is read: at most three image
    /// watermarks (OSS's limit), known font names, and texts within OSS's 64 characters. Each is a
    /// 400 naming the parameter.
    static func checkWatermarks(_ actions: [ImageAction]) throws(ImageError) {
        var images = 0
        for case let .watermark(watermark) in actions {
            if watermark.image != nil { images += 1 }
            if let text = watermark.text {
                if let font = text.font, WatermarkFonts.font(named: font) == nil {
                    throw .invalidArgument("watermark parameter type: '\(font)' is not one of OSS's fonts (\(WatermarkFonts.table.keys.sorted().joined(separator: ", "))).")
                }
                let scalars = text.text.unicodeScalars.count
                guard scalars <= ShapedText.maximumScalars else {
                    throw .invalidArgument("watermark parameter text: the text has \(scalars) characters; OSS allows at most \(ShapedText.maximumScalars).")
                }
            }
        }
        guard images <= WatermarkLayout.maximumImageWatermarks else {
            throw .invalidArgument("watermark parameter image: the process has \(images) image watermarks; OSS allows at most \(WatermarkLayout.maximumImageWatermarks) on one image.")
        }
    }

    /// A watermark on an image of `input`'s size: the same size comes out. Held while it runs:
    /// the input, the copy drawn on, the text's coverage mask and the watermark image's own
    /// process at its peak (its source, its decode and its steps).
    static func planWatermark(_ watermark: Watermark, input: Shape, images: [String: [UInt8]], limits: ImageWorkLimits) throws(ImageError) -> (Shape, peak: Int, produced: Int) {
        let layout = try WatermarkLayout(watermark, base: WatermarkGeometry.Size(width: input.width, height: input.height), images: images, limits: limits)
        guard layout.isVisible else { return (input, input.bytes, 0) }
        let peak = Checked.sum(Checked.saturating(input.bytes, 2), layout.workingBytes)
        return (input, peak, Checked.sum(input.pixels, layout.producedPixels))
    }
}
