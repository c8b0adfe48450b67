import CImageCodecs
import Dispatch
import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ImageKernels {
    // MARK: Resize

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // W and H are the source's sides, boxW and boxH the box's.
    /// The output size of `resize` for a W×H source, and (for fill/pad) the intermediate size,
    /// as OSS documents them:
    ///
    /// - The box: `w`/`h` when either is given (then `l`/`s` do not count); else `l` on the
    ///   image's longer side and `s` on its shorter one.
    /// - `p` alone scales both sides by p% (its documented example doubles an image, so `limit`
    ///   does not hold it back). With sizes, `p` multiplies them: OSS documents
    ///   `100w_100h_200p` as `200w_200h`.
    /// - One side only: `lfit` and `mfit` scale by it; `fill`, `pad` and `fixed` make a square
    ///   box of it (OSS: "in the fixed width-and-height modes, width and height are taken equal").
    /// - `lfit`/`pad` scale by the smaller ratio, `mfit`/`fill` by the larger, sides rounded to
    ///   the nearest integer (OSS: "四舍五入"); `fill` then cuts the box from the centre, `pad`
    ///   centres the image on the box filled with `color`; `fixed` is the box.
    /// - `limit_1` (the default): a resize that would enlarge (scale above 1; for `fixed`, either
    ///   side above the source's) returns the source's size, uncropped and unpadded, as OSS
    ///   "returns the image at the source's resolution".
    ///
    /// Sizes too large for any image (a percentage or a side far beyond the limits) come back as
    /// 2^50 rather than trapping; ``ImageProcessor`` refuses them against ``ImageLimits``.
    public static func resizePlan(_ resize: Resize, width W: Int, height H: Int) -> (scaledWidth: Int, scaledHeight: Int, finalWidth: Int, finalHeight: Int) {
        func rounded(_ value: Double) -> Int { Checked.clampedSide(value.rounded()) }
        let W = max(1, W), H = max(1, H)
        var boxW = resize.width.map(Double.init), boxH = resize.height.map(Double.init)
        if boxW == nil && boxH == nil {
            let landscape = W >= H
            if let long = resize.long { if landscape { boxW = Double(long) } else { boxH = Double(long) } }
            if let short = resize.short { if landscape { boxH = Double(short) } else { boxW = Double(short) } }
        }
        if let percent = resize.percent {
            let factor = Double(percent) / 100
            guard boxW != nil || boxH != nil else {
                return (rounded(Double(W) * factor), rounded(Double(H) * factor), rounded(Double(W) * factor), rounded(Double(H) * factor))
            }
            boxW = boxW.map { ($0 * factor).rounded() }
            boxH = boxH.map { ($0 * factor).rounded() }
        }
        // A size below 1 (a public Resize may hold one) is a size of 1.
        boxW = boxW.map { max(1, $0) }
        boxH = boxH.map { max(1, $0) }
        guard boxW != nil || boxH != nil else { return (W, H, W, H) } // nothing asked: keep the size
        if resize.mode == .fill || resize.mode == .pad || resize.mode == .fixed {
            boxW = boxW ?? boxH
            boxH = boxH ?? boxW
        }
        if resize.mode == .fixed, let boxW, let boxH {
            let fw = rounded(boxW), fh = rounded(boxH)
            if resize.limit && (fw > W || fh > H) { return (W, H, W, H) }
            return (fw, fh, fw, fh)
        }
        let ratios = [boxW.map { $0 / Double(W) }, boxH.map { $0 / Double(H) }].compactMap { $0 }
        let scale = resize.mode == .lfit || resize.mode == .pad ? ratios.min()! : ratios.max()!
        if resize.limit && scale > 1 { return (W, H, W, H) }
        let sw = rounded(Double(W) * scale), sh = rounded(Double(H) * scale)
        if resize.mode == .fill || resize.mode == .pad, let boxW, let boxH {
            return (sw, sh, rounded(boxW), rounded(boxH))
        }
        return (sw, sh, sw, sh)
    }

    /// What `resize` computes for a W×H source: the scaled size, the window of it that is kept
    /// (fill keeps the centre), and the canvas it lands on (pad), all from ``resizePlan(_:width:height:)``.
    struct ResizeGeometry {
        var scaledWidth: Int, scaledHeight: Int
        /// The part of the scaled image that is computed: all of it, or fill's centre.
        var window: (x: Int, y: Int, width: Int, height: Int)
        /// Pad's canvas; nil when the window is the result.
        var canvas: (width: Int, height: Int)?
        /// Whether the source already has the scaled size (no resampling).
        var unscaled: Bool

        /// The result's size.
        var finalSize: (width: Int, height: Int) { canvas ?? (window.width, window.height) }

        /// The same sizes, resampled from a width × height bitmap (a JPEG shrunk on load) rather
        /// than from the source they were worked out for.
        func resampling(from width: Int, _ height: Int) -> ResizeGeometry {
            var copy = self
            copy.unscaled = scaledWidth == width && scaledHeight == height
            return copy
        }

        init(_ resize: Resize, width: Int, height: Int) {
            let plan = ImageKernels.resizePlan(resize, width: width, height: height)
            scaledWidth = plan.scaledWidth
            scaledHeight = plan.scaledHeight
            unscaled = plan.scaledWidth == width && plan.scaledHeight == height
            window = (0, 0, plan.scaledWidth, plan.scaledHeight)
            canvas = nil
            let differs = plan.finalWidth != plan.scaledWidth || plan.finalHeight != plan.scaledHeight
            switch resize.mode {
            case .fill where differs:
                let w = min(plan.finalWidth, plan.scaledWidth), h = min(plan.finalHeight, plan.scaledHeight)
                window = ((plan.scaledWidth - w) / 2, (plan.scaledHeight - h) / 2, w, h)
            case .pad where differs:
                canvas = (plan.finalWidth, plan.finalHeight)
            default:
                break
            }
        }
    }

    /// `resize` in all five modes: a separable triangle filter (area-weighted when shrinking).
    /// Only the kept part of the scaled image is computed, so fill's cost follows its result, not
    /// the cover size (a 16384×1 fill of a tall image never builds the 16384-wide cover).
    public static func resize(_ bitmap: Bitmap, _ resize: Resize) throws(ImageError) -> Bitmap {
        let geometry = ResizeGeometry(resize, width: bitmap.width, height: bitmap.height)
        try checkResizeLimits(geometry, resize)
        return try self.resize(bitmap, resize, geometry: geometry, budget: .unbounded)
    }

    /// OSS's limits on a resized image: 16,384 px a side, 250 MP.
    static func checkResizeLimits(_ geometry: ResizeGeometry, _ resize: Resize) throws(ImageError) {
        let (width, height) = geometry.finalSize
        guard width <= ImageLimits.maximumResizedSide, height <= ImageLimits.maximumResizedSide,
              Checked.saturating(width, height) <= ImageLimits.maximumResizedPixels else {
            throw .invalidArgument("\(resize) would make a \(width)x\(height) image; a resized image is at most \(ImageLimits.maximumResizedSide) px a side and \(ImageLimits.maximumResizedPixels) pixels.", ec: "0040-00000007")
        }
    }

    static func resize(_ bitmap: Bitmap, _ resize: Resize, geometry: ResizeGeometry, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let window = geometry.window
        var scaled: Bitmap
        if geometry.unscaled {
            let whole = window.x == 0 && window.y == 0 && window.width == bitmap.width && window.height == bitmap.height
            try budget.checkpoint()
            scaled = whole ? bitmap : bitmap.croppedInside(x: window.x, y: window.y, width: window.width, height: window.height)
        } else {
            scaled = try resample(bitmap, width: geometry.scaledWidth, height: geometry.scaledHeight, window: window, budget: budget)
        }
        if let canvasSize = geometry.canvas {
            let color = hexColor(resize.color)
            try budget.checkpoint()
            var canvas = Bitmap(trustedWidth: canvasSize.width, height: canvasSize.height, channels: scaled.channels,
                                fill: scaled.channels == 4 ? [color.0, color.1, color.2, 255] : [color.0, color.1, color.2],
                                count: canvasSize.width * canvasSize.height * scaled.channels)
            paste(scaled, into: &canvas, x: (canvasSize.width - scaled.width) / 2, y: (canvasSize.height - scaled.height) / 2)
            scaled = canvas
        }
        return scaled
    }

    static func hexColor(_ hex: String) -> (UInt8, UInt8, UInt8) {
        let value = UInt32(hex, radix: 16) ?? 0xFFFFFF
        return (UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
    }

    static func paste(_ source: Bitmap, into canvas: inout Bitmap, x: Int, y: Int) {
        // Pad centres an image that fits: a paste outside the canvas is a bug here.
        precondition(x >= 0 && y >= 0 && x + source.width <= canvas.width && y + source.height <= canvas.height, "paste outside the canvas")
        let channels = canvas.channels
        for row in 0..<source.height {
            let s = row * source.width * channels, d = ((y + row) * canvas.width + x) * channels
            canvas.pixels.replaceSubrange(d..<(d + source.width * channels), with: source.pixels[s..<(s + source.width * channels)])
        }
    }

    /// Separable resampling with a triangle kernel whose support widens with the shrink factor.
    public static func resample(_ bitmap: Bitmap, width: Int, height: Int) throws(ImageError) -> Bitmap {
        _ = try Bitmap.byteCount(width: width, height: height, channels: bitmap.channels)
        guard Checked.saturating(width, height) <= ImageLimits.maximumPixels else {
            throw .invalidArgument("A \(width)x\(height) image is over the \(ImageLimits.maximumPixels)-pixel limit.")
        }
        return try resample(bitmap, width: width, height: height, window: (0, 0, width, height), budget: .unbounded)
    }

    /// The window `[x, x + w) × [y, y + h)` of `bitmap` resampled to width × height. Each output
    /// pixel is computed exactly as in the whole image; only the source rows the window's output
    /// rows weigh go through the horizontal pass.
    static func resample(_ bitmap: Bitmap, width: Int, height: Int, window: (x: Int, y: Int, width: Int, height: Int),
                         budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        precondition(window.x >= 0 && window.y >= 0 && window.width > 0 && window.height > 0
                     && window.x + window.width <= width && window.y + window.height <= height, "resample window outside the image")
        let columns = weights(from: bitmap.width, to: width, range: window.x..<(window.x + window.width))
        let rows = weights(from: bitmap.height, to: height, range: window.y..<(window.y + window.height))
        let sourceRows = rows.sourceRange
        try budget.checkpoint()
        let horizontal = try resampleRows(bitmap, rows: sourceRows, table: columns, budget: budget)
        try budget.checkpoint()
        let vertical = try resampleColumns(horizontal, rowBytes: window.width * bitmap.channels, firstRow: sourceRows.lowerBound, table: rows, budget: budget)
        return Bitmap(trustedWidth: window.width, height: window.height, channels: bitmap.channels, pixels: vertical)
    }

    /// Pixels of the horizontal pass's output (the vertical pass's input) for a window.
    static func horizontalPassPixels(sourceHeight: Int, scaledHeight: Int, window: (x: Int, y: Int, width: Int, height: Int)) -> Int {
        window.width * sourceRange(from: sourceHeight, to: scaledHeight, range: window.y..<(window.y + window.height)).count
    }

    /// A resampling's weights, flat for the C passes: output i weighs `counts[i]` source samples
    /// from `start[i]`, with weights `weights[i * taps ..< i * taps + counts[i]]`.
    struct Weights {
        var start: [Int32]
        var counts: [Int32]
        var weights: [Float]
        /// The widest support: the stride of `weights`.
        var taps: Int
        /// The source samples any of these outputs weighs.
        var sourceRange: Range<Int>
    }

    /// The source samples `lo...hi` that output `i` of a source → target resampling weighs.
    @inline(__always)
    static func support(of i: Int, from source: Int, to target: Int) -> (lo: Int, hi: Int, center: Double, support: Double) {
        let scale = Double(target) / Double(source)
        let support = scale < 1 ? 1 / scale : 1
        let center = (Double(i) + 0.5) / scale - 0.5
        let lo = max(0, Int((center - support).rounded(.up)))
        let hi = min(source - 1, Int((center + support).rounded(.down)))
        return (lo, max(lo, hi), center, support)
    }

    /// The source samples the outputs in `range` weigh (the supports grow with the output index).
    static func sourceRange(from source: Int, to target: Int, range: Range<Int>) -> Range<Int> {
        let first = support(of: range.lowerBound, from: source, to: target), last = support(of: range.upperBound - 1, from: source, to: target)
        return first.lo..<(last.hi + 1)
    }

    static func weights(from source: Int, to target: Int, range: Range<Int>) -> Weights {
        var starts: [Int32] = [], counts: [Int32] = []
        var all: [[Float]] = []
        starts.reserveCapacity(range.count)
        counts.reserveCapacity(range.count)
        all.reserveCapacity(range.count)
        for i in range {
            let (lo, hi, center, support) = support(of: i, from: source, to: target)
            var w: [Float] = []
            var total: Double = 0
            for j in lo...hi {
                let value = max(0, 1 - abs(Double(j) - center) / support)
                w.append(Float(value))
                total += value
            }
            if total <= 0 { w = [1]; total = 1 }
            starts.append(Int32(lo))
            counts.append(Int32(w.count))
            all.append(w.map { $0 / Float(total) })
        }
        let taps = all.map(\.count).max() ?? 1
        var flat = [Float](repeating: 0, count: all.count * taps)
        for (i, w) in all.enumerated() { flat.replaceSubrange((i * taps)..<(i * taps + w.count), with: w) }
        return Weights(start: starts, counts: counts, weights: flat, taps: taps, sourceRange: sourceRange(from: source, to: target, range: range))
    }

    /// Cores the banded kernels spread over now (``ImageParallelism``).
    static var cores: Int { ImageParallelism.cores }

    /// Runs `work` on `count` items cut into bands of consecutive items, on all cores when there
    /// are enough of them to be worth a thread, checking the budget before each band. A band
    /// that finds the work stopped does nothing, and the stop's error is thrown at the end.
    static func banded(_ count: Int, minimumPerBand: Int = 16, budget: ImageWorkBudget, _ work: @Sendable (Range<Int>) -> Void) throws(ImageError) {
        guard count > 0 else { return }
        let cores = self.cores
        // Bands of at most 64 items, so a stop is seen within a few milliseconds.
        let bands = max(1, min(count / max(1, minimumPerBand), max(cores, (count + 63) / 64)))
        try budget.checkpoint()
        if bands == 1 || cores == 1 {
            for band in 0..<bands {
                try budget.checkpoint()
                work((count * band / bands)..<(count * (band + 1) / bands))
            }
            return
        }
        ImageParallelism.forEach(bands) { band in
            if budget.shouldStop { return }
            work((count * band / bands)..<(count * (band + 1) / bands))
        }
        try budget.checkpoint()
    }

    /// Rows `rows` of `bitmap`, each resampled horizontally by `table`: `rows.count` rows of
    /// `table.start.count` pixels.
    static func resampleRows(_ bitmap: Bitmap, rows: Range<Int>, table: Weights, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        let channels = bitmap.channels, source = bitmap.width, target = table.start.count
        var out = [UInt8](unsafeUninitializedCapacity: rows.count * target * channels) { _, initialized in initialized = rows.count * target * channels }
        let taps = table.taps
        try out.withUnsafeMutableBufferPointer { (dst) throws(ImageError) in
            try bitmap.pixels.withUnsafeBufferPointer { (src) throws(ImageError) in
                try table.start.withUnsafeBufferPointer { (starts) throws(ImageError) in
                    try table.counts.withUnsafeBufferPointer { (counts) throws(ImageError) in
                        try table.weights.withUnsafeBufferPointer { (weights) throws(ImageError) in
                            nonisolated(unsafe) let (d, s, st, ct, w) = (dst.baseAddress!, src.baseAddress!, starts.baseAddress!, counts.baseAddress!, weights.baseAddress!)
                            try banded(rows.count, budget: budget) { band in
                                oss_resample_horizontal(s + (rows.lowerBound + band.lowerBound) * source * channels, source * channels, Int32(band.count),
                                                        Int32(channels), st, ct, w, Int32(taps), Int32(target),
                                                        d + band.lowerBound * target * channels, target * channels)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The vertical pass: output row y weighs the horizontal pass's rows `table.start[y] - firstRow ...`.
    static func resampleColumns(_ pixels: [UInt8], rowBytes: Int, firstRow: Int, table: Weights, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        let target = table.start.count
        var out = [UInt8](unsafeUninitializedCapacity: target * rowBytes) { _, initialized in initialized = target * rowBytes }
        let relative = table.start.map { $0 - Int32(firstRow) }
        let taps = table.taps
        try out.withUnsafeMutableBufferPointer { (dst) throws(ImageError) in
            try pixels.withUnsafeBufferPointer { (src) throws(ImageError) in
                try relative.withUnsafeBufferPointer { (starts) throws(ImageError) in
                    try table.counts.withUnsafeBufferPointer { (counts) throws(ImageError) in
                        try table.weights.withUnsafeBufferPointer { (weights) throws(ImageError) in
                            nonisolated(unsafe) let (d, s, st, ct, w) = (dst.baseAddress!, src.baseAddress!, starts.baseAddress!, counts.baseAddress!, weights.baseAddress!)
                            try banded(target, budget: budget) { band in
                                let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: rowBytes)
                                defer { accumulator.deallocate() }
                                oss_resample_vertical(s, rowBytes, Int32(band.lowerBound), Int32(band.count), st, ct, w, Int32(taps), accumulator, d)
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
