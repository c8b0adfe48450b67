import OSSImageProcess

/// The image operations, with the semantics OSS documents.
public enum ImageKernels {
    // MARK: Circle

    /// OSS's circle geometry for a W×H image and a requested radius.
    public struct CircleGeometry: Sendable, Hashable {
        /// `min(r, (min(W,H) - 1) / 2)`, floored.
        public var radius: Int
        /// `2·radius + 1`: the output is side×side.
        public var side: Int
        /// Where the square is cut from: `((W - side) / 2, (H - side) / 2)`, floored.
        public var originX: Int
        /// Top edge of the square in the source.
        public var originY: Int

        /// The geometry OSS uses for `circle,r_<requestedRadius>` on a width × height image.
        public init(width: Int, height: Int, requestedRadius: Int) {
            radius = max(0, min(requestedRadius, (min(width, height) - 1) / 2))
            side = 2 * radius + 1
            originX = (width - side) / 2
            originY = (height - side) / 2
        }
    }

    /// The inside span `[r - half, r + half]` of row `y` of a circle of radius r: the pixels whose
    /// centre satisfies `(x - r)² + (y - r)² <= r²`. One integer square root per row, none per pixel.
    @inline(__always)
    public static func circleHalfWidth(row y: Int, radius r: Int) -> Int {
        let dy = y - r
        let remaining = r * r - dy * dy
        guard remaining >= 0 else { return -1 }
        var half = Int(Double(remaining).squareRoot())
        while half * half > remaining { half -= 1 }
        while (half + 1) * (half + 1) <= remaining { half += 1 }
        return half
    }

    /// Masks a side×side bitmap (side = 2r+1) to its inscribed circle, in place: outside pixels
    /// become `outside` (white RGB for JPEG, transparent RGBA otherwise).
    public static func maskCircle(_ bitmap: inout Bitmap, radius r: Int) {
        let channels = bitmap.channels
        let side = bitmap.width
        let outside: [UInt8] = channels == 4 ? [0, 0, 0, 0] : [255, 255, 255]
        bitmap.pixels.withUnsafeMutableBufferPointer { pixels in
            for y in 0..<bitmap.height {
                let half = circleHalfWidth(row: y, radius: r)
                let rowStart = y * side * channels
                let left = half < 0 ? side : r - half
                let right = half < 0 ? side : r + half + 1
                fill(pixels, from: rowStart, count: left, value: outside, channels: channels)
                if right < side { fill(pixels, from: rowStart + right * channels, count: side - right, value: outside, channels: channels) }
            }
        }
    }

    @inline(__always)
    static func fill(_ pixels: UnsafeMutableBufferPointer<UInt8>, from start: Int, count: Int, value: [UInt8], channels: Int) {
        guard count > 0 else { return }
        if value.allSatisfy({ $0 == value[0] }) {
            (pixels.baseAddress! + start).update(repeating: value[0], count: count * channels)
        } else {
            for i in 0..<count { for c in 0..<channels { pixels[start + i * channels + c] = value[c] } }
        }
    }

    /// `circle,r_N` on a decoded bitmap: cut the centred square, mask outside the circle.
    public static func circle(_ bitmap: Bitmap, radius: Int, transparent: Bool) -> Bitmap {
        let geometry = CircleGeometry(width: bitmap.width, height: bitmap.height, requestedRadius: radius)
        var square = bitmap.cropped(x: geometry.originX, y: geometry.originY, width: geometry.side, height: geometry.side)
        if transparent { square = square.withAlpha() } else if square.channels == 4 { square = square.flattened() }
        maskCircle(&square, radius: geometry.radius)
        return square
    }

    // MARK: Rounded corners

    /// `rounded-corners,r_N`: corners outside quarter circles become transparent (or white).
    public static func roundedCorners(_ bitmap: Bitmap, radius requested: Int, transparent: Bool) -> Bitmap {
        var out = transparent ? bitmap.withAlpha() : (bitmap.channels == 4 ? bitmap.flattened() : bitmap)
        let r = min(requested, min(bitmap.width, bitmap.height) / 2)
        guard r > 0 else { return out }
        let channels = out.channels
        let outside: [UInt8] = channels == 4 ? [0, 0, 0, 0] : [255, 255, 255]
        let width = out.width, height = out.height
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            for y in 0..<r {
                // Distance to the corner circle centres at (r, r) in each corner frame.
                let half = circleHalfWidth(row: y, radius: r)
                let cut = half < 0 ? r : r - half
                for row in [y, height - 1 - y] {
                    let start = row * width * channels
                    fill(pixels, from: start, count: cut, value: outside, channels: channels)
                    fill(pixels, from: start + (width - cut) * channels, count: cut, value: outside, channels: channels)
                }
            }
        }
        return out
    }

    // MARK: Crop

    /// `crop`: the rectangle placed from its gravity, shifted by x/y into the image, clamped to the
    /// edges. A start outside the image is an error, as in OSS.
    public static func cropRect(_ crop: Crop, width W: Int, height H: Int) throws(ImageError) -> (x: Int, y: Int, width: Int, height: Int) {
        let w = min(crop.width ?? W, W), h = min(crop.height ?? H, H)
        var x: Int, y: Int
        switch crop.gravity {
        case .northWest, .west, .southWest: x = crop.x
        case .north, .center, .south: x = (W - w) / 2 + crop.x
        case .northEast, .east, .southEast: x = W - w - crop.x
        }
        switch crop.gravity {
        case .northWest, .north, .northEast: y = crop.y
        case .west, .center, .east: y = (H - h) / 2 + crop.y
        case .southWest, .south, .southEast: y = H - h - crop.y
        }
        x = max(0, x)
        y = max(0, y)
        guard x < W, y < H else {
            throw ImageError(code: "InvalidArgument", message: "The crop's start (\(x), \(y)) is outside the \(W)x\(H) image.")
        }
        return (x, y, min(w, W - x), min(h, H - y))
    }

    // MARK: Resize

    /// The output size of `resize` for a W×H source, and (for fill/pad) the intermediate size.
    public static func resizePlan(_ resize: Resize, width W: Int, height H: Int) -> (scaledWidth: Int, scaledHeight: Int, finalWidth: Int, finalHeight: Int) {
        func rounded(_ value: Double) -> Int { max(1, Int(value.rounded())) }
        if let percent = resize.percent {
            let scale = Double(percent) / 100
            return (rounded(Double(W) * scale), rounded(Double(H) * scale), rounded(Double(W) * scale), rounded(Double(H) * scale))
        }
        // Target box from w/h, or from long/short sides.
        var targetW = resize.width.map(Double.init)
        var targetH = resize.height.map(Double.init)
        if targetW == nil && targetH == nil {
            let landscape = W >= H
            if let long = resize.long { if landscape { targetW = Double(long) } else { targetH = Double(long) } }
            if let short = resize.short { if landscape { targetH = Double(short) } else { targetW = Double(short) } }
        }
        let scaleW = targetW.map { $0 / Double(W) }, scaleH = targetH.map { $0 / Double(H) }
        var scale: Double
        switch resize.mode {
        case .lfit, .pad:
            scale = [scaleW, scaleH].compactMap { $0 }.min()!
        case .mfit, .fill:
            scale = [scaleW, scaleH].compactMap { $0 }.max()!
        case .fixed:
            let fw = targetW.map { Int($0) } ?? rounded(Double(W) * scaleH!)
            let fh = targetH.map { Int($0) } ?? rounded(Double(H) * scaleW!)
            if resize.limit && (fw > W || fh > H) { return (W, H, W, H) }
            return (fw, fh, fw, fh)
        }
        if resize.limit && scale > 1 {
            return (W, H, W, H)
        }
        let sw = rounded(Double(W) * scale), sh = rounded(Double(H) * scale)
        switch resize.mode {
        case .fill, .pad:
            let fw = targetW.map { Int($0) } ?? sw, fh = targetH.map { Int($0) } ?? sh
            return (sw, sh, fw, fh)
        default:
            return (sw, sh, sw, sh)
        }
    }

    /// `resize` in all five modes: a separable triangle filter (area-weighted when shrinking).
    public static func resize(_ bitmap: Bitmap, _ resize: Resize) -> Bitmap {
        let plan = resizePlan(resize, width: bitmap.width, height: bitmap.height)
        var scaled = (plan.scaledWidth == bitmap.width && plan.scaledHeight == bitmap.height)
            ? bitmap : resample(bitmap, width: plan.scaledWidth, height: plan.scaledHeight)
        switch resize.mode {
        case .fill where plan.finalWidth != scaled.width || plan.finalHeight != scaled.height:
            let w = min(plan.finalWidth, scaled.width), h = min(plan.finalHeight, scaled.height)
            scaled = scaled.cropped(x: (scaled.width - w) / 2, y: (scaled.height - h) / 2, width: w, height: h)
        case .pad where plan.finalWidth != scaled.width || plan.finalHeight != scaled.height:
            let color = hexColor(resize.color)
            var canvas = Bitmap(width: plan.finalWidth, height: plan.finalHeight, channels: scaled.channels,
                                fill: scaled.channels == 4 ? [color.0, color.1, color.2, 255] : [color.0, color.1, color.2])
            paste(scaled, into: &canvas, x: (plan.finalWidth - scaled.width) / 2, y: (plan.finalHeight - scaled.height) / 2)
            scaled = canvas
        default:
            break
        }
        return scaled
    }

    static func hexColor(_ hex: String) -> (UInt8, UInt8, UInt8) {
        let value = UInt32(hex, radix: 16) ?? 0xFFFFFF
        return (UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
    }

    static func paste(_ source: Bitmap, into canvas: inout Bitmap, x: Int, y: Int) {
        let channels = canvas.channels
        for row in 0..<source.height {
            let s = row * source.width * channels, d = ((y + row) * canvas.width + x) * channels
            canvas.pixels.replaceSubrange(d..<(d + source.width * channels), with: source.pixels[s..<(s + source.width * channels)])
        }
    }

    /// Separable resampling with a triangle kernel whose support widens with the shrink factor.
    public static func resample(_ bitmap: Bitmap, width: Int, height: Int) -> Bitmap {
        let horizontal = resampleAxis(bitmap.pixels, count: bitmap.height, from: bitmap.width, to: width, channels: bitmap.channels, stride: 1)
        let intermediate = Bitmap(width: width, height: bitmap.height, channels: bitmap.channels, pixels: horizontal)
        let vertical = resampleColumns(intermediate, to: height)
        return Bitmap(width: width, height: height, channels: bitmap.channels, pixels: vertical)
    }

    struct Weights {
        var start: [Int]
        var weights: [[Float]]
    }

    static func weights(from source: Int, to target: Int) -> Weights {
        let scale = Double(target) / Double(source)
        let support = scale < 1 ? 1 / scale : 1
        var starts: [Int] = []
        var all: [[Float]] = []
        for i in 0..<target {
            let center = (Double(i) + 0.5) / scale - 0.5
            let lo = max(0, Int((center - support).rounded(.up)))
            let hi = min(source - 1, Int((center + support).rounded(.down)))
            var w: [Float] = []
            var total: Double = 0
            for j in lo...max(lo, hi) {
                let value = max(0, 1 - abs(Double(j) - center) / support)
                w.append(Float(value))
                total += value
            }
            if total <= 0 { w = [1]; total = 1 }
            starts.append(lo)
            all.append(w.map { $0 / Float(total) })
        }
        return Weights(start: starts, weights: all)
    }

    static func resampleAxis(_ pixels: [UInt8], count rows: Int, from source: Int, to target: Int, channels: Int, stride: Int) -> [UInt8] {
        let table = weights(from: source, to: target)
        var out = [UInt8](repeating: 0, count: rows * target * channels)
        out.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for row in 0..<rows {
                    let srcRow = row * source * channels, dstRow = row * target * channels
                    for x in 0..<target {
                        let start = table.start[x], w = table.weights[x]
                        for c in 0..<channels {
                            var sum: Float = 0
                            for k in 0..<w.count { sum += Float(src[srcRow + (start + k) * channels + c]) * w[k] }
                            dst[dstRow + x * channels + c] = UInt8(max(0, min(255, sum.rounded())))
                        }
                    }
                }
            }
        }
        return out
    }

    static func resampleColumns(_ bitmap: Bitmap, to target: Int) -> [UInt8] {
        let table = weights(from: bitmap.height, to: target)
        let rowBytes = bitmap.width * bitmap.channels
        var out = [UInt8](repeating: 0, count: target * rowBytes)
        var accumulator = [Float](repeating: 0, count: rowBytes)
        out.withUnsafeMutableBufferPointer { dst in
            bitmap.pixels.withUnsafeBufferPointer { src in
                for y in 0..<target {
                    for i in 0..<rowBytes { accumulator[i] = 0 }
                    let start = table.start[y], w = table.weights[y]
                    for k in 0..<w.count {
                        let base = (start + k) * rowBytes, weight = w[k]
                        for i in 0..<rowBytes { accumulator[i] += Float(src[base + i]) * weight }
                    }
                    for i in 0..<rowBytes { dst[y * rowBytes + i] = UInt8(max(0, min(255, accumulator[i].rounded()))) }
                }
            }
        }
        return out
    }

    // MARK: Rotate, index crop

    /// `rotate`: clockwise, by multiples of 90 degrees.
    public static func rotate(_ bitmap: Bitmap, degrees: Int) throws(ImageError) -> Bitmap {
        let turns = ((degrees % 360) + 360) % 360
        guard turns % 90 == 0 else {
            throw ImageError.notImplemented("The local kernels rotate by multiples of 90 degrees; \(degrees) was asked for.")
        }
        var out = bitmap
        for _ in 0..<(turns / 90) { out = rotate90(out) }
        return out
    }

    static func rotate90(_ bitmap: Bitmap) -> Bitmap {
        let w = bitmap.width, h = bitmap.height, c = bitmap.channels
        var out = [UInt8](repeating: 0, count: bitmap.pixels.count)
        for y in 0..<h {
            for x in 0..<w {
                let s = (y * w + x) * c
                let d = (x * h + (h - 1 - y)) * c
                for k in 0..<c { out[d + k] = bitmap.pixels[s + k] }
            }
        }
        return Bitmap(width: h, height: w, channels: c, pixels: out)
    }

    static func flipHorizontal(_ bitmap: Bitmap) -> Bitmap {
        var out = bitmap
        let c = bitmap.channels
        for y in 0..<bitmap.height {
            for x in 0..<bitmap.width {
                let s = (y * bitmap.width + x) * c, d = (y * bitmap.width + bitmap.width - 1 - x) * c
                for k in 0..<c { out.pixels[d + k] = bitmap.pixels[s + k] }
            }
        }
        return out
    }

    /// `indexcrop`: cut the image into slices of `length` along an axis and keep slice `index`
    /// (the original when the index is past the end, as OSS does).
    public static func indexCrop(_ bitmap: Bitmap, axis: IndexCropAxis, length: Int, index: Int) -> Bitmap {
        switch axis {
        case .x:
            let start = index * length
            guard start < bitmap.width else { return bitmap }
            return bitmap.cropped(x: start, y: 0, width: min(length, bitmap.width - start), height: bitmap.height)
        case .y:
            let start = index * length
            guard start < bitmap.height else { return bitmap }
            return bitmap.cropped(x: 0, y: start, width: bitmap.width, height: min(length, bitmap.height - start))
        }
    }

    /// Applies an EXIF orientation (1...8) so the image shows upright.
    public static func orient(_ bitmap: Bitmap, exifOrientation: Int) -> Bitmap {
        switch exifOrientation {
        case 2: return flipHorizontal(bitmap)
        case 3: return rotate90(rotate90(bitmap))
        case 4: return flipHorizontal(rotate90(rotate90(bitmap)))
        case 5: return flipHorizontal(rotate90(bitmap))
        case 6: return rotate90(bitmap)
        case 7: return flipHorizontal(rotate90(rotate90(rotate90(bitmap))))
        case 8: return rotate90(rotate90(rotate90(bitmap)))
        default: return bitmap
        }
    }
}
