import CImageCodecs
import OSSImageProcess

/// The image operations, with the semantics OSS documents.
///
/// Every size, offset and count here may come from a process string or a file header: each is
/// clamped to what the image allows, or checked for overflow, before it is used; a value no image
/// can satisfy is a typed ``ImageError`` naming the parameter. The public functions run without a
/// time limit; ``ImageProcessor`` runs the same code under its ``ImageWorkLimits``.
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

        /// The geometry OSS uses for `circle,r_<requestedRadius>` on a width × height image. A
        /// size below 1 (no image has one) gives the one-pixel circle at the origin.
        public init(width: Int, height: Int, requestedRadius: Int) {
            let shortSide = min(width, height)
            radius = shortSide < 1 ? 0 : max(0, min(requestedRadius, (shortSide - 1) / 2))
            side = 2 * radius + 1 // radius <= (Int.max - 1) / 2
            originX = shortSide < 1 ? 0 : (width - side) / 2
            originY = shortSide < 1 ? 0 : (height - side) / 2
        }
    }

    /// The inside span `[r - half, r + half]` of row `y` of a circle of radius r: the pixels whose
    /// centre satisfies `(x - r)² + (y - r)² <= r²`. One integer square root per row, none per pixel.
    /// -1 for rows outside the circle, and for radii beyond 2^31 (no image has them), whose square
    /// would not fit an `Int`.
    @inline(__always)
    public static func circleHalfWidth(row y: Int, radius r: Int) -> Int {
        guard r >= 0, r <= 1 << 31, y >= 0, y <= 2 * r else { return -1 }
        let dy = y - r
        let remaining = r * r - dy * dy
        guard remaining >= 0 else { return -1 }
        var half = Int(Double(remaining).squareRoot())
        while half * half > remaining { half -= 1 }
        while (half + 1) * (half + 1) <= remaining { half += 1 }
        return half
    }

    /// Masks a side×side bitmap (side = 2r+1) to its inscribed circle, in place: outside pixels
    /// become transparent (RGBA) or white (RGB).
    static func maskCircle(_ bitmap: inout Bitmap, radius r: Int) {
        // Callers pass the square they cut for this radius; anything else is a bug here.
        precondition(bitmap.width == 2 * r + 1 && bitmap.height == bitmap.width, "circle mask on a bitmap of another size")
        let channels = bitmap.channels
        let side = bitmap.width
        let outside: [UInt8] = channels == 4 ? [0, 0, 0, 0] : [255, 255, 255]
        bitmap.pixels.withUnsafeMutableBufferPointer { pixels in
            for y in 0..<side {
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
        precondition(start >= 0 && start + count * channels <= pixels.count, "fill outside the bitmap")
        if value.allSatisfy({ $0 == value[0] }) {
            (pixels.baseAddress! + start).update(repeating: value[0], count: count * channels)
        } else {
            for i in 0..<count { for c in 0..<channels { pixels[start + i * channels + c] = value[c] } }
        }
    }

    /// `circle,r_N` on a decoded bitmap: cut the centred square, mask outside the circle.
    public static func circle(_ bitmap: Bitmap, radius: Int, transparent: Bool) throws(ImageError) -> Bitmap {
        try circle(bitmap, radius: radius, transparent: transparent, budget: .unbounded)
    }

    static func circle(_ bitmap: Bitmap, radius: Int, transparent: Bool, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let geometry = CircleGeometry(width: bitmap.width, height: bitmap.height, requestedRadius: radius)
        try budget.checkpoint()
        var square = bitmap.croppedInside(x: geometry.originX, y: geometry.originY, width: geometry.side, height: geometry.side)
        try budget.checkpoint()
        if transparent { square = square.withAlpha() } else if square.channels == 4 { square = square.flattened() }
        maskCircle(&square, radius: geometry.radius)
        return square
    }

    // MARK: Rounded corners

    /// `rounded-corners,r_N`: corners outside quarter circles become transparent (or white).
    public static func roundedCorners(_ bitmap: Bitmap, radius requested: Int, transparent: Bool) throws(ImageError) -> Bitmap {
        try roundedCorners(bitmap, radius: requested, transparent: transparent, budget: .unbounded)
    }

    static func roundedCorners(_ bitmap: Bitmap, radius requested: Int, transparent: Bool, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        try budget.checkpoint()
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

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // W and H are the image's sides, w and h the rectangle's, as in OSS's documentation.
    /// `crop`: the rectangle OSS documents. Its start is the gravity's origin plus (x, y):
    ///
    /// | g | origin |
    /// |---|---|
    /// | nw, west, sw | x: 0 |
    /// | north, center, south | x: `W/2 - w/2` |
    /// | ne, east, se | x: `W - w` |
    ///
    /// and likewise for y with `H/2 - h/2` (west, center, east) and `H - h` (sw, south, se).
    /// The halves are integer divisions, as in OSS's table; w and h are the requested sizes
    /// (absent: the whole side). x and y move the start right and down from the origin for every
    /// gravity (OSS's example: g_se with x_100,y_100 starts 100 px right of and below the
    /// bottom-right origin, and is cut at the edges). From the start, the rectangle is cut at the
    /// image's edges. A start at or past the right or bottom edge is OSS's 400 `BadRequest`
    /// "Advance cut's position is out of image"; a start before the left or top edge (a rectangle
    /// wider than the image, centred) begins at the edge (OSS does not say).
    public static func cropRect(_ crop: Crop, width W: Int, height H: Int) throws(ImageError) -> (x: Int, y: Int, width: Int, height: Int) {
        guard W > 0, H > 0 else { throw .invalidArgument("crop: the image is \(W)x\(H).") }
        if let width = crop.width, width < 1 { throw .invalidArgument("crop parameter w: w_\(width) must be at least 1.") }
        if let height = crop.height, height < 1 { throw .invalidArgument("crop parameter h: h_\(height) must be at least 1.") }
        let w = crop.width ?? W, h = crop.height ?? H
        // The origins lie in 1 - Int.max ... W; offsets are at least 0 (negative ones are refused
        // by the parser and count as 0 here), so a sum can only overflow upwards, and saturating
        // it keeps it outside the image, where it belongs.
        let offsetX = max(crop.x, 0), offsetY = max(crop.y, 0)
        let originX: Int = switch crop.gravity {
        case .northWest, .west, .southWest: 0
        case .north, .center, .south: W / 2 - w / 2
        case .northEast, .east, .southEast: W - w
        }
        let originY: Int = switch crop.gravity {
        case .northWest, .north, .northEast: 0
        case .west, .center, .east: H / 2 - h / 2
        case .southWest, .south, .southEast: H - h
        }
        let x = max(0, Checked.sum(originX, offsetX)), y = max(0, Checked.sum(originY, offsetY))
        guard x < W else { throw outOfImage("x", crop.x, start: x, gravity: crop.gravity, width: W, height: H) }
        guard y < H else { throw outOfImage("y", crop.y, start: y, gravity: crop.gravity, width: W, height: H) }
        return (x, y, min(w, W - x), min(h, H - y))
    }

    /// OSS's error for a crop that starts outside the image (400 `BadRequest`, its message first).
    static func outOfImage(_ axis: String, _ offset: Int, start: Int, gravity: Gravity, width: Int, height: Int) -> ImageError {
        ImageError(code: "BadRequest", message: "Advance cut's position is out of image: crop parameter \(axis): \(axis)_\(offset) with gravity \(gravity.rawValue) starts the crop at \(start), outside the \(width)x\(height) image.")
    }

    // MARK: Rotate, index crop

    /// `rotate`: clockwise by `degrees` (taken modulo 360). Multiples of 90 move pixels exactly
    /// and keep the channels; other angles resample onto the enlarged canvas of
    /// ``RotationGeometry``, its corners transparent when `transparent` (the result has alpha),
    /// white otherwise (see `rotateAnyAngle(_:geometry:transparent:budget:)`).
    public static func rotate(_ bitmap: Bitmap, degrees: Int, transparent: Bool = true) throws(ImageError) -> Bitmap {
        try rotate(bitmap, degrees: degrees, transparent: transparent, budget: .unbounded)
    }

    static func rotate(_ bitmap: Bitmap, degrees: Int, transparent: Bool, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        guard let turns = quarterTurns(degrees) else {
            let geometry = RotationGeometry(width: bitmap.width, height: bitmap.height, degrees: degrees)
            return try rotateAnyAngle(bitmap, geometry: geometry, transparent: transparent, budget: budget)
        }
        return try rotateQuarters(bitmap, turns: turns, budget: budget)
    }

    /// Clockwise quarter turns for `degrees`, nil when it is not a multiple of 90.
    static func quarterTurns(_ degrees: Int) -> Int? {
        let turns = ((degrees % 360) + 360) % 360
        return turns % 90 == 0 ? turns / 90 : nil
    }

    static func rotate90(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        try rotateQuarters(bitmap, turns: 1, budget: budget)
    }

    /// `turns` clockwise quarter turns in one pass (C, tiled, banded across the cores); 0 is the
    /// bitmap itself.
    static func rotateQuarters(_ bitmap: Bitmap, turns: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        guard turns % 4 != 0 else { return bitmap }
        let w = bitmap.width, h = bitmap.height, c = bitmap.channels, turns = turns % 4
        let (outWidth, outHeight) = turns == 2 ? (w, h) : (h, w)
        try budget.checkpoint()
        var out = [UInt8](unsafeUninitializedCapacity: bitmap.pixels.count) { _, initialized in initialized = bitmap.pixels.count }
        try out.withUnsafeMutableBufferPointer { (dst) throws(ImageError) in
            try bitmap.pixels.withUnsafeBufferPointer { (src) throws(ImageError) in
                nonisolated(unsafe) let (d, s) = (dst.baseAddress!, src.baseAddress!)
                try banded(outHeight, minimumPerBand: 32, budget: budget) { band in
                    oss_rotate_quarters(s, Int32(w), Int32(h), Int32(c), Int32(turns), d, Int32(band.lowerBound), Int32(band.count))
                }
            }
        }
        return Bitmap(trustedWidth: outWidth, height: outHeight, channels: c, pixels: out)
    }

    static func flipHorizontal(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        try budget.checkpoint()
        var out = bitmap
        let c = bitmap.channels
        for y in 0..<bitmap.height {
            try budget.checkpoint()
            for x in 0..<bitmap.width {
                let s = (y * bitmap.width + x) * c, d = (y * bitmap.width + bitmap.width - 1 - x) * c
                for k in 0..<c { out.pixels[d + k] = bitmap.pixels[s + k] }
            }
        }
        return out
    }

    /// `indexcrop`: cut the image into slices of `length` along an axis and keep slice `index`
    /// (the original when the index is past the end, as OSS does).
    public static func indexCrop(_ bitmap: Bitmap, axis: IndexCropAxis, length: Int, index: Int) throws(ImageError) -> Bitmap {
        guard let rect = try indexCropRect(axis: axis, length: length, index: index, width: bitmap.width, height: bitmap.height) else { return bitmap }
        return bitmap.croppedInside(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
    }

    /// The slice `indexcrop` keeps, or nil when the index is past the end (the image is kept).
    static func indexCropRect(axis: IndexCropAxis, length: Int, index: Int, width: Int, height: Int) throws(ImageError) -> (x: Int, y: Int, width: Int, height: Int)? {
        guard length >= 1 else { throw .invalidArgument("indexcrop parameter \(axis.rawValue): \(axis.rawValue)_\(length) must be at least 1.") }
        guard index >= 0 else { throw .invalidArgument("indexcrop parameter i: i_\(index) must not be negative.") }
        let extent = axis == .x ? width : height
        // A start past Int is past the end too.
        guard let start = Checked.product(index, length), start < extent else { return nil }
        let size = min(length, extent - start)
        return axis == .x ? (start, 0, size, height) : (0, start, width, size)
    }

    /// Applies an EXIF orientation (1...8) so the image shows upright.
    public static func orient(_ bitmap: Bitmap, exifOrientation: Int) throws(ImageError) -> Bitmap {
        try orient(bitmap, exifOrientation: exifOrientation, budget: .unbounded)
    }

    static func orient(_ bitmap: Bitmap, exifOrientation: Int, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        func turn(_ image: Bitmap, _ times: Int) throws(ImageError) -> Bitmap {
            var out = image
            for _ in 0..<times { out = try rotate90(out, budget: budget) }
            return out
        }
        switch exifOrientation {
        case 2: return try flipHorizontal(bitmap, budget: budget)
        case 3: return try turn(bitmap, 2)
        case 4: return try flipHorizontal(turn(bitmap, 2), budget: budget)
        case 5: return try flipHorizontal(turn(bitmap, 1), budget: budget)
        case 6: return try turn(bitmap, 1)
        case 7: return try flipHorizontal(turn(bitmap, 3), budget: budget)
        case 8: return try turn(bitmap, 3)
        default: return bitmap
        }
    }

    /// The size an EXIF orientation gives a width × height image.
    static func orientedSize(width: Int, height: Int, exifOrientation: Int) -> (width: Int, height: Int) {
        (5...8).contains(exifOrientation) ? (height, width) : (width, height)
    }
}
