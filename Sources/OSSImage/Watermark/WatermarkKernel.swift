import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ImageKernels {
    /// `watermark`: text (HarfBuzz and FreeType), an image of the bucket, or both, composited with
    /// `t`'s opacity where ``WatermarkGeometry`` places them (tiled with `fill`).
    ///
    /// Compositing is Porter-Duff "over" in straight 8-bit colour: an RGB image stays RGB (a
    /// JPEG is then encoded as it is), an RGBA one keeps its alpha (PNG and WebP), and the
    /// encoder flattens RGBA onto white for JPEG afterwards, as for every action. The text and
    /// its shadow are made into one layer first, so a translucent text does not show its own
    /// shadow through it.
    static func watermark(_ bitmap: Bitmap, _ watermark: Watermark, images: [String: [UInt8]], budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let base = WatermarkGeometry.Size(width: bitmap.width, height: bitmap.height)
        let layout = try WatermarkLayout(watermark, base: base, images: images, limits: budget.limits)
        guard layout.isVisible else { return bitmap }
        let mask = try layout.text?.shaped.render(budget: budget)
        let picture = try layout.image.map { piece throws(ImageError) in try piece.render(budget: budget) }
        try budget.checkpoint()
        var out = bitmap

        let origins: (columns: [Int], rows: [Int])
        if let gap = layout.fillGap {
            origins = WatermarkGeometry.tiles(unit: layout.unit, anchor: layout.anchor, base: base, gap: gap)
        } else {
            origins = ([layout.anchor.x], [layout.anchor.y])
        }
        var canvas = WatermarkCanvas(width: out.width, height: out.height, channels: out.channels, opacity: layout.opacity)
        try out.pixels.withUnsafeMutableBufferPointer { (pixels) throws(ImageError) in
            canvas.pixels = pixels
            for top in origins.rows {
                for left in origins.columns {
                    try budget.checkpoint()
                    if let text = layout.text, let mask, let origin = layout.textOrigin {
                        try canvas.drawText(text, mask: mask, at: WatermarkGeometry.Point(x: left + origin.x, y: top + origin.y), budget: budget)
                    }
                    if let picture, let origin = layout.imageOrigin {
                        try canvas.drawImage(picture, at: WatermarkGeometry.Point(x: left + origin.x, y: top + origin.y), budget: budget)
                    }
                }
            }
        }
        return out
    }
}

/// The pixels being watermarked and the blend they all go through.
struct WatermarkCanvas {
    let width: Int
    let height: Int
    let channels: Int
    /// `t`, 0...1.
    let opacity: Double
    var pixels = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)

    init(width: Int, height: Int, channels: Int, opacity: Double) {
        self.width = width
        self.height = height
        self.channels = channels
        self.opacity = opacity
    }

    /// The part of a `size` box at `origin` that is inside the image, as row and column ranges.
    func clip(_ origin: WatermarkGeometry.Point, _ size: WatermarkGeometry.Size) -> (Range<Int>, Range<Int>)? {
        let x0 = max(0, origin.x), y0 = max(0, origin.y)
        let x1 = min(width, Checked.sum(origin.x, size.width)), y1 = min(height, Checked.sum(origin.y, size.height))
        guard x0 < x1, y0 < y1 else { return nil }
        return (y0..<y1, x0..<x1)
    }

    /// "Over" of a premultiplied colour `(r, g, b) · alpha` (each 0...255, alpha 0...1, before
    /// the opacity) onto pixel `index`.
    @inline(__always)
    func blend(_ index: Int, _ red: Double, _ green: Double, _ blue: Double, _ alpha: Double) {
        let a = alpha * opacity
        guard a > 0 else { return }
        let r = red * opacity, g = green * opacity, b = blue * opacity
        if channels == 3 {
            let keep = 1 - a
            pixels[index] = Self.byte(r + Double(pixels[index]) * keep)
            pixels[index + 1] = Self.byte(g + Double(pixels[index + 1]) * keep)
            pixels[index + 2] = Self.byte(b + Double(pixels[index + 2]) * keep)
        } else {
            let below = Double(pixels[index + 3]) / 255 * (1 - a)
            let total = a + below
            pixels[index] = Self.byte((r + Double(pixels[index]) * below) / total)
            pixels[index + 1] = Self.byte((g + Double(pixels[index + 1]) * below) / total)
            pixels[index + 2] = Self.byte((b + Double(pixels[index + 2]) * below) / total)
            pixels[index + 3] = Self.byte(total * 255)
        }
    }

    @inline(__always)
    static func byte(_ value: Double) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }

    /// The text layer (ink in its colour over its black shadow) with its box's top-left at `origin`.
    func drawText(_ text: WatermarkLayout.TextPiece, mask: [UInt8], at origin: WatermarkGeometry.Point, budget: ImageWorkBudget) throws(ImageError) {
        guard let (rows, columns) = clip(origin, text.box) else { return }
        let rotation = text.rotation
        let maskWidth = rotation.width, maskHeight = rotation.height
        // Pixel centres relative to the rotated box's centre, mapped back into the mask.
        let centreX = Double(origin.x) + Double(rotation.box.width) / 2, centreY = Double(origin.y) + Double(rotation.box.height) / 2
        let shadow = Double(text.shadowOffset)
        try mask.withUnsafeBufferPointer { (mask) throws(ImageError) in
            func coverage(_ x: Double, _ y: Double) -> Double {
                let dx = x - centreX, dy = y - centreY
                let u = dx * rotation.cosine + dy * rotation.sine + Double(maskWidth) / 2 - 0.5
                let v = -dx * rotation.sine + dy * rotation.cosine + Double(maskHeight) / 2 - 0.5
                return Self.sample(mask, maskWidth, maskHeight, u, v)
            }
            for y in rows {
                try budget.checkpoint()
                let centre = Double(y) + 0.5
                for x in columns {
                    let ink = coverage(Double(x) + 0.5, centre) / 255
                    let shade = text.shadowOffset > 0 ? coverage(Double(x) + 0.5 - shadow, centre - shadow) / 255 * text.shadowOpacity : 0
                    let alpha = ink + shade * (1 - ink)
                    guard alpha > 0 else { continue }
                    // The shadow is black: only the ink brings colour.
                    blend((y * width + x) * channels, text.color.red * ink, text.color.green * ink, text.color.blue * ink, alpha)
                }
            }
        }
    }

    /// Bilinear coverage of the mask at (x, y) in its pixel coordinates (centres at integers);
    /// 0 outside. At integer coordinates it is the pixel itself: unrotated text is not resampled.
    @inline(__always)
    static func sample(_ mask: UnsafeBufferPointer<UInt8>, _ width: Int, _ height: Int, _ x: Double, _ y: Double) -> Double {
        let fx0 = x.rounded(.down), fy0 = y.rounded(.down)
        guard fx0 >= -1, fy0 >= -1, fx0 < Double(width), fy0 < Double(height) else { return 0 }
        let x0 = Int(fx0), y0 = Int(fy0)
        let fx = x - fx0, fy = y - fy0
        @inline(__always) func at(_ i: Int, _ j: Int) -> Double {
            i >= 0 && j >= 0 && i < width && j < height ? Double(mask[j * width + i]) : 0
        }
        if fx == 0 && fy == 0 { return at(x0, y0) }
        let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
        let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
        return top * (1 - fy) + bottom * fy
    }

    /// The watermark image (RGB, or RGBA with its own alpha) with its top-left at `origin`.
    func drawImage(_ picture: Bitmap, at origin: WatermarkGeometry.Point, budget: ImageWorkBudget) throws(ImageError) {
        guard let (rows, columns) = clip(origin, WatermarkGeometry.Size(width: picture.width, height: picture.height)) else { return }
        let source = picture.channels
        try picture.pixels.withUnsafeBufferPointer { (image) throws(ImageError) in
            for y in rows {
                try budget.checkpoint()
                var from = ((y - origin.y) * picture.width + (columns.lowerBound - origin.x)) * source
                for x in columns {
                    let alpha = source == 4 ? Double(image[from + 3]) / 255 : 1
                    blend((y * width + x) * channels, Double(image[from]) * alpha, Double(image[from + 1]) * alpha, Double(image[from + 2]) * alpha, alpha)
                    from += source
                }
            }
        }
    }
}
