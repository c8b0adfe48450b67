import CImageCodecs
import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ImageKernels {
    // MARK: Rotate by any angle

    /// The canvas of `rotate,N` for an angle that is not a multiple of 90.
    ///
    /// OSS documents that such a rotation makes the image larger; the canvas here is the bounding
    /// box of the rotated rectangle, `W|cos θ| + H|sin θ|` by `W|sin θ| + H|cos θ|`, rounded up so
    /// that no corner of the image is cut (a hair below an integer, from floating point, is that
    /// integer: 1e-6 px is no pixel).
    public struct RotationGeometry: Sendable, Hashable {
        /// Clockwise degrees, 0..<360.
        public var degrees: Int
        /// Canvas width.
        public var width: Int
        /// Canvas height.
        public var height: Int

        /// The geometry of a clockwise rotation by `degrees` (any integer; taken modulo 360) of a
        /// width × height image.
        public init(width: Int, height: Int, degrees: Int) {
            self.degrees = ((degrees % 360) + 360) % 360
            let (cosine, sine) = Self.cosineSine(self.degrees)
            let w = Double(max(1, width)), h = Double(max(1, height))
            self.width = Checked.clampedSide((w * abs(cosine) + h * abs(sine) - 1e-6).rounded(.up))
            self.height = Checked.clampedSide((w * abs(sine) + h * abs(cosine) - 1e-6).rounded(.up))
        }

        /// cos and sin of a whole number of degrees, exact at the multiples of 90.
        static func cosineSine(_ degrees: Int) -> (Double, Double) {
            switch degrees {
            case 0: (1, 0)
            case 90: (0, 1)
            case 180: (-1, 0)
            case 270: (0, -1)
            default: (cos(Double(degrees) * .pi / 180), sin(Double(degrees) * .pi / 180))
            }
        }
    }

    /// `rotate` by any angle: clockwise, on the enlarged canvas, bilinear.
    ///
    /// Multiples of 90 are exact pixel moves (``rotate(_:degrees:transparent:)`` keeps them
    /// lossless). Other angles sample the source at each canvas pixel's centre, mapped back through
    /// the rotation, with bilinear weights over the four nearest pixels; a pixel outside the source
    /// counts as background, so the image's edges are anti-aliased over one pixel rather than
    /// stair-stepped. Weights apply to premultiplied colour, so the background never bleeds into
    /// the image's colour.
    ///
    /// The uncovered corners are filled per output format, as OSS fills circle and rounded-corner
    /// backgrounds: transparent when `transparent` (PNG, WebP, BMP: the result then has alpha),
    /// white otherwise (JPEG). OSS documents neither the fill nor the resampling of a rotation.
    static func rotateAnyAngle(_ bitmap: Bitmap, geometry: RotationGeometry, transparent: Bool, budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        let sourceWidth = bitmap.width, sourceHeight = bitmap.height, sourceChannels = bitmap.channels
        let width = geometry.width, height = geometry.height, channels = transparent ? 4 : 3
        _ = try Bitmap.byteCount(width: width, height: height, channels: channels)
        let (cosine, sine) = RotationGeometry.cosineSine(geometry.degrees)
        var out = [UInt8](repeating: 0, count: width * height * channels)
        try budget.checkpoint()
        // Each canvas row in C (oss_rotate_any_rows: this kernel's arithmetic, operation for
        // operation), banded across the cores.
        try out.withUnsafeMutableBufferPointer { (dst) throws(ImageError) in
            try bitmap.pixels.withUnsafeBufferPointer { (src) throws(ImageError) in
                nonisolated(unsafe) let (d, s) = (dst.baseAddress!, src.baseAddress!)
                try banded(height, minimumPerBand: 8, budget: budget) { band in
                    oss_rotate_any_rows(s, Int32(sourceWidth), Int32(sourceHeight), Int32(sourceChannels), Int32(width), Int32(height),
                                        transparent ? 1 : 0, cosine, sine, Int32(band.lowerBound), Int32(band.count), d)
                }
            }
        }
        return Bitmap(trustedWidth: width, height: height, channels: channels, pixels: out)
    }

    @inline(__always)
    static func sample(_ value: Float) -> UInt8 {
        UInt8(value.rounded().clamped(to: 0...255))
    }
}
