import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a watermark's pieces go, in whole pixels: pure arithmetic, no pixels.
///
/// What OSS documents: the nine gravities; `x` is the margin from the left or right edge for the
/// west and east gravities and `y` the margin from the top or bottom edge for the north and south
/// ones (each ignored elsewhere); `voffset` moves a west, center or east watermark along the
/// middle line; with text and image, `order` puts the image (0) or the text (1) first, `align`
/// aligns their tops (0), centres (1) or bottoms (2), and `interval` is the space between them.
///
/// What OSS leaves open, and what is done here:
/// - The box that is placed is the **ink's** bounding box (the text's, its shadow's and the
///   image's), so `g_se,x_10,y_10` leaves 10 px between the ink and the edges.
/// - Centred positions round down: the left edge of a centred box is `(W - w) / 2`, floored.
/// - A positive `voffset` moves the watermark **down** (image rows grow downwards, as `y` does).
/// - The text rotates about its centre; the box placed is the bounding box of the rotated ink
///   rectangle, rounded up to whole pixels.
/// - The shadow is a black copy of the text, offset right and down by 5% of the font size (at
///   least 1 px), with `shadow` percent opacity; the box includes it.
/// - `fill` tiles the whole watermark on a grid that contains the placed one, with one font size
///   (`size`, in px) of space between tiles in both directions.
/// - A watermark larger than the image is cut at the image's edges.
struct WatermarkGeometry {
    /// A size in pixels.
    struct Size: Equatable {
        var width: Int
        var height: Int
    }

    /// A point in pixels.
    struct Point: Equatable {
        var x: Int
        var y: Int
    }

    /// The top-left corner of a `box` placed on a `base`-sized image.
    static func place(_ box: Size, on base: Size, gravity: Gravity, x: Int, y: Int, voffset: Int) -> Point {
        let left: Int, top: Int
        switch gravity {
        case .northWest, .west, .southWest: left = x
        case .north, .center, .south: left = floorDiv(base.width - box.width, 2)
        case .northEast, .east, .southEast: left = base.width - box.width - x
        }
        switch gravity {
        case .northWest, .north, .northEast: top = y
        case .west, .center, .east: top = floorDiv(base.height - box.height, 2) + voffset
        case .southWest, .south, .southEast: top = base.height - box.height - y
        }
        return Point(x: left, y: top)
    }

    /// Text and image side by side: the unit's size and where each sits in it.
    static func arrange(text: Size?, image: Size?, order: Watermark.Order, align: Watermark.Align, interval: Int)
        -> (unit: Size, text: Point?, image: Point?) {
        switch (text, image) {
        case (nil, nil): return (Size(width: 0, height: 0), nil, nil)
        case let (text?, nil): return (text, Point(x: 0, y: 0), nil)
        case let (nil, image?): return (image, nil, Point(x: 0, y: 0))
        case let (text?, image?):
            let height = max(text.height, image.height)
            func top(_ piece: Size) -> Int {
                switch align {
                case .top: 0
                case .center: (height - piece.height) / 2
                case .bottom: height - piece.height
                }
            }
            let first = order == .imageFirst ? image : text
            let secondX = first.width + interval
            let unit = Size(width: secondX + (order == .imageFirst ? text.width : image.width), height: height)
            let textPoint = Point(x: order == .imageFirst ? secondX : 0, y: top(text))
            let imagePoint = Point(x: order == .imageFirst ? 0 : secondX, y: top(image))
            return (unit, textPoint, imagePoint)
        }
    }

    /// The top-left corners of the tiles of `fill`: the grid through `anchor` with `gap` pixels
    /// between `unit`-sized tiles, every tile that touches the image, row by row.
    static func tiles(unit: Size, anchor: Point, base: Size, gap: Int) -> (columns: [Int], rows: [Int]) {
        func line(_ start: Int, _ length: Int, _ extent: Int) -> [Int] {
            let period = max(1, length + gap)
            // The first tile whose last pixel is at 0 or beyond, then each one that starts inside.
            var position = start - floorDiv(start + length - 1, period) * period
            var positions: [Int] = []
            while position < extent {
                positions.append(position)
                position += period
            }
            return positions
        }
        return (line(anchor.x, unit.width, base.width), line(anchor.y, unit.height, base.height))
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// The shadow's offset for a font size: 5% of it, at least 1 px.
    static func shadowOffset(size: Int) -> Int {
        max(1, Int((Double(size) * 0.05).rounded()))
    }
}

/// A clockwise rotation of a `width × height` rectangle about its centre, with the inverse map
/// that compositing samples through.
struct WatermarkRotation {
    let width: Int
    let height: Int
    let cosine: Double
    let sine: Double
    /// The rotated rectangle's bounding box.
    let box: WatermarkGeometry.Size

    /// Multiples of 90° get exact sines and cosines, so that they move pixels without resampling.
    init(width: Int, height: Int, degrees: Int) {
        self.width = width
        self.height = height
        let turn = ((degrees % 360) + 360) % 360
        switch turn {
        case 0: (cosine, sine) = (1, 0)
        case 90: (cosine, sine) = (0, 1)
        case 180: (cosine, sine) = (-1, 0)
        case 270: (cosine, sine) = (0, -1)
        default:
            let radians = Double(turn) * .pi / 180
            (cosine, sine) = (cos(radians), sin(radians))
        }
        let w = Double(width), h = Double(height)
        let boxWidth = abs(w * cosine) + abs(h * sine), boxHeight = abs(w * sine) + abs(h * cosine)
        // A hair below the next integer is that integer (floating-point noise), not one more pixel.
        box = WatermarkGeometry.Size(width: Int((boxWidth - 1e-9).rounded(.up)), height: Int((boxHeight - 1e-9).rounded(.up)))
    }

    /// Whether it is the identity.
    var isIdentity: Bool { cosine == 1 && sine == 0 }
}
