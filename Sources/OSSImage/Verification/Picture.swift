/// An image as the verifier compares it: colour flattened over white (what a viewer shows, and
/// the same for JPEG and alpha formats), the alpha plane when there is one, and an 8-bit luma plane
/// for the measures that need only brightness (placement, tone, sharpness).
struct Picture {
    let width: Int
    let height: Int
    /// RGB over white, rows packed.
    let rgb: [UInt8]
    /// Alpha per pixel; nil when every pixel is opaque by format.
    let alpha: [UInt8]?
    /// Rec. 601 luma of `rgb`.
    let luma: [UInt8]

    var count: Int { width * height }

    init(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) {
        width = bitmap.width
        height = bitmap.height
        let flat = bitmap.flattened()
        rgb = flat.pixels
        var alphaPlane: [UInt8]?
        if bitmap.channels == 4 {
            var plane = [UInt8](repeating: 255, count: bitmap.width * bitmap.height)
            bitmap.pixels.withUnsafeBufferPointer { source in
                plane.withUnsafeMutableBufferPointer { out in
                    for i in 0..<out.count { out[i] = source[i * 4 + 3] }
                }
            }
            alphaPlane = plane
        }
        alpha = alphaPlane
        try budget.checkpoint()
        var lumaPlane = [UInt8](repeating: 0, count: bitmap.width * bitmap.height)
        flat.pixels.withUnsafeBufferPointer { source in
            lumaPlane.withUnsafeMutableBufferPointer { out in
                for i in 0..<out.count {
                    let r = Int(source[i * 3]), g = Int(source[i * 3 + 1]), b = Int(source[i * 3 + 2])
                    out[i] = UInt8((77 * r + 150 * g + 29 * b + 128) >> 8)
                }
            }
        }
        luma = lumaPlane
    }

    /// Whether pixel `index` is opaque enough to count as inside a shape.
    @inline(__always)
    func opaque(_ index: Int) -> Bool { alpha.map { $0[index] >= 128 } ?? true }

    /// Whether pixel `index` is what OSS paints outside a shape: transparent in a format with
    /// alpha, near-white in one without.
    @inline(__always)
    func isBackground(_ index: Int, transparent: Bool) -> Bool {
        if transparent { return !opaque(index) }
        return rgb[index * 3] >= 235 && rgb[index * 3 + 1] >= 235 && rgb[index * 3 + 2] >= 235
    }
}

/// A per-pixel yes/no over an image's canvas.
struct Mask {
    let width: Int
    let height: Int
    var bits: [Bool]

    init(width: Int, height: Int, value: Bool) {
        self.width = width
        self.height = height
        bits = [Bool](repeating: value, count: width * height)
    }

    init(width: Int, height: Int, bits: [Bool]) {
        precondition(bits.count == width * height, "mask of the wrong size")
        self.width = width
        self.height = height
        self.bits = bits
    }

    var count: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }
    var isEmpty: Bool { !bits.contains(true) }

    /// True where every pixel of the (2·band + 1)² square around is true; pixels past the
    /// canvas count as false, so the image's border band is eroded too. Separable, with running
    /// counts: linear in the pixels whatever the band.
    func eroded(by band: Int, budget: ImageWorkBudget) throws(ImageError) -> Mask {
        guard band > 0 else { return self }
        let band = min(band, max(width, height))
        var horizontal = [Bool](repeating: false, count: bits.count)
        for y in 0..<height {
            try budget.checkpoint()
            let row = y * width
            var falses = 0
            // Window [x - band, x + band]; positions outside the row are false.
            for x in -band..<min(band, width) where x < 0 || !bits[row + x] { falses += 1 }
            for x in 0..<width {
                let entering = x + band
                if entering >= width || !bits[row + entering] { falses += 1 }
                horizontal[row + x] = falses == 0
                let leaving = x - band
                if leaving < 0 || !bits[row + leaving] { falses -= 1 }
            }
        }
        var out = [Bool](repeating: false, count: bits.count)
        for x in 0..<width {
            if x % 256 == 0 { try budget.checkpoint() }
            var falses = 0
            for y in -band..<min(band, height) where y < 0 || !horizontal[y * width + x] { falses += 1 }
            for y in 0..<height {
                let entering = y + band
                if entering >= height || !horizontal[entering * width + x] { falses += 1 }
                out[y * width + x] = falses == 0
                let leaving = y - band
                if leaving < 0 || !horizontal[leaving * width + x] { falses -= 1 }
            }
        }
        return Mask(width: width, height: height, bits: out)
    }

    /// The pixels that are not true.
    var inverted: Mask { Mask(width: width, height: height, bits: bits.map { !$0 }) }

    /// Pixels within `band` of a change between true and false, or of the canvas's border:
    /// where OSS's anti-aliasing and a pixel of rounding may make either answer right.
    func edge(band: Int, budget: ImageWorkBudget) throws(ImageError) -> Mask {
        let inside = try eroded(by: band, budget: budget)
        // Outside pixels near an inside one. Past the canvas counts as false for the inverse as
        // well, so a background's band along the canvas border is left out too: a pixel of
        // rounding at the border can go either way there.
        let outside = try inverted.eroded(by: band, budget: budget)
        var out = [Bool](repeating: false, count: bits.count)
        for i in 0..<bits.count { out[i] = bits[i] ? !inside.bits[i] : !outside.bits[i] }
        return Mask(width: width, height: height, bits: out)
    }
}
