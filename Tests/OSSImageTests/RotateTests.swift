import OSSImage
import OSSImageProcess
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// rotate by any angle: the enlarged canvas, the fill per format, the direction, the edges.
@Suite("Rotate by any angle")
struct RotateTests {
    static func pixel(_ bitmap: Bitmap, _ x: Int, _ y: Int) -> [UInt8] {
        let at = (y * bitmap.width + x) * bitmap.channels
        return Array(bitmap.pixels[at..<(at + bitmap.channels)])
    }

    @Test("the canvas is the rotated image's bounding box, rounded up", arguments: [
        (400, 267, 45, 472, 472), (400, 267, 30, 480, 432), (400, 267, 70, 388, 468), (400, 267, 315, 472, 472),
        (400, 267, 90, 267, 400), (400, 267, 180, 400, 267), (400, 267, 270, 267, 400), (400, 267, 0, 400, 267), (400, 267, 360, 400, 267),
        (100, 100, 1, 102, 102), (1, 1, 45, 2, 2),
    ])
    func canvas(width: Int, height: Int, degrees: Int, canvasWidth: Int, canvasHeight: Int) throws {
        let geometry = ImageKernels.RotationGeometry(width: width, height: height, degrees: degrees)
        #expect(geometry.width == canvasWidth && geometry.height == canvasHeight, "\(geometry)")
        let radians = Double(degrees) * .pi / 180
        #expect(Double(geometry.width) + 1e-6 >= Double(width) * abs(cos(radians)) + Double(height) * abs(sin(radians)))
        let source = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: width, height: height, seed: 2), as: .png)
        let result = try ImageProcessor.process("image/rotate,\(degrees)", source: source)
        #expect(result.width == canvasWidth && result.height == canvasHeight)
    }

    @Test("the uncovered corners are transparent for PNG, WebP and BMP, white for JPEG; the middle is the image", arguments: [
        ImageFormat.png, .webp, .bmp, .jpg,
    ])
    func fill(_ format: ImageFormat) throws {
        let red = try Bitmap(width: 60, height: 40, channels: 3, fill: [255, 0, 0])
        let result = try ImageProcessor.process("image/rotate,45/format,\(format.rawValue)", source: try ImageCodecs.encode(red, as: .png))
        let bitmap = try ImageCodecs.decode(result.bytes, channels: 4).0
        #expect(bitmap.width == 71 && bitmap.height == 71)
        let lossy = format == .jpg || format == .webp
        for (x, y) in [(0, 0), (70, 0), (0, 70), (70, 70)] {
            let corner = Self.pixel(bitmap, x, y)
            if format == .jpg {
                #expect(corner.prefix(3).allSatisfy { $0 >= 250 } && corner[3] == 255, "white corner \(corner)")
            } else {
                #expect(corner[3] == 0, "transparent corner \(corner)")
            }
        }
        let middle = Self.pixel(bitmap, 35, 35)
        #expect(middle[3] == 255 && (lossy ? middle[0] >= 240 && middle[1] <= 15 && middle[2] <= 15 : middle == [255, 0, 0, 255]), "\(middle)")
    }

    @Test("clockwise: a mark at the top centre of the source lands where a clockwise turn puts it")
    func clockwise() throws {
        var bitmap = try Bitmap(width: 80, height: 60, channels: 3, fill: [255, 255, 255])
        for y in 0..<8 { for x in 36..<44 { let at = (y * 80 + x) * 3; bitmap.pixels[at] = 0; bitmap.pixels[at + 1] = 0 } }
        let result = try ImageCodecs.decode(try ImageProcessor.process("image/rotate,30/format,png", source: try ImageCodecs.encode(bitmap, as: .png)).bytes, channels: 4).0
        let geometry = ImageKernels.RotationGeometry(width: 80, height: 60, degrees: 30)
        // The mark's centre is 26 px above the source's centre; clockwise by 30 degrees it moves
        // to the right of the canvas centre: (+26 sin 30, -26 cos 30).
        let x = Int(Double(geometry.width) / 2 + 26 * sin(Double.pi / 6)), y = Int(Double(geometry.height) / 2 - 26 * cos(Double.pi / 6))
        #expect(Self.pixel(result, x, y) == [0, 0, 255, 255], "mark at (\(x), \(y))")
        let mirrored = Int(Double(geometry.width) / 2 - 26 * sin(Double.pi / 6))
        #expect(Self.pixel(result, mirrored, y) == [255, 255, 255, 255], "not where a counter-clockwise turn puts it")
    }

    @Test("edges are anti-aliased: partial coverage along the border, and no hard stair-steps")
    func antiAliased() throws {
        let grey = try Bitmap(width: 50, height: 50, channels: 3, fill: [100, 100, 100])
        let result = try ImageCodecs.decode(try ImageProcessor.process("image/rotate,20/format,png", source: try ImageCodecs.encode(grey, as: .png)).bytes, channels: 4).0
        let alphas = stride(from: 3, to: result.pixels.count, by: 4).map { result.pixels[$0] }
        #expect(alphas.contains { $0 > 20 && $0 < 235 }, "some pixels are partly covered")
        // Premultiplied weighting: a partly covered pixel keeps the image's colour.
        for index in stride(from: 0, to: result.pixels.count, by: 4) where result.pixels[index + 3] > 0 {
            #expect(abs(Int(result.pixels[index]) - 100) <= 1, "colour of a covered pixel")
        }
    }

    @Test("multiples of 90 stay exact pixel moves, keeping the channels")
    func quarterTurnsExact() throws {
        let bitmap = try SyntheticPhoto.bitmap(width: 17, height: 11, seed: 5)
        let source = try ImageCodecs.encode(bitmap, as: .png)
        let half = try ImageCodecs.decode(try ImageProcessor.process("image/rotate,180", source: source).bytes).0
        #expect(half.channels == 3 && half.width == 17)
        for y in 0..<11 { for x in 0..<17 { #expect(Self.pixel(half, x, y) == Self.pixel(bitmap, 16 - x, 10 - y)) } }
        let threeQuarters = try ImageCodecs.decode(try ImageProcessor.process("image/rotate,270", source: source).bytes).0
        #expect(threeQuarters.width == 11 && threeQuarters.height == 17)
        // Counter-clockwise quarter: output (x, y) is source (W-1-y, x).
        for y in 0..<17 { for x in 0..<11 { #expect(Self.pixel(threeQuarters, x, y) == Self.pixel(bitmap, 16 - y, x)) } }
        #expect(try ImageProcessor.process("image/rotate,360", source: source).bytes == (try ImageProcessor.process("image/rotate,0", source: source).bytes))
    }

    @Test("an image over 4096x4096 is refused with OSS's EC at any angle, before the canvas exists")
    func limit() throws {
        let source = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 40, height: 10, seed: 1), as: .png)
        for degrees in [45, 90] {
            do {
                _ = try ImageProcessor.estimatedWorkingBytes("image/resize,m_fixed,w_4097,h_10,limit_0/rotate,\(degrees)", source: source)
                Issue.record("expected the rotate limit")
            } catch {
                #expect(error.ec == "0040-00000006", "\(error)")
            }
        }
    }

    @Test("the docs' example: rotate,70 of a JPEG is a JPEG on the larger canvas, white in the corners")
    func jpegExample() throws {
        let source = try SyntheticPhoto.jpeg(width: 400, height: 267, seed: 7)
        let result = try ImageProcessor.process("image/rotate,70", source: source)
        #expect(result.format == .jpg && result.width == 388 && result.height == 468)
        let bitmap = try ImageCodecs.decode(result.bytes, channels: 3).0
        #expect(Self.pixel(bitmap, 0, 0).allSatisfy { $0 >= 245 })
    }
}
