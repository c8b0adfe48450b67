import OSSImage
import OSSImageProcess
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// bright, contrast, blur, sharpen and average-hue: the documented ranges, the curves we infer
/// (see the kernels' comments), and the pixel facts that hold whatever the curve: flat stays
/// flat, energy is kept, alpha is kept.
@Suite("Pixel filters")
struct FilterTests {
    /// A flat image as PNG (lossless, so the decoded pixels are exactly these).
    static func flat(_ color: [UInt8], width: Int = 16, height: Int = 12) throws -> [UInt8] {
        try ImageCodecs.encode(try Bitmap(width: width, height: height, channels: color.count, fill: color), as: .png)
    }

    static func decoded(_ process: String, _ source: [UInt8], channels: Int? = nil) throws -> Bitmap {
        try ImageCodecs.decode(try ImageProcessor.process(process, source: source).bytes, channels: channels).0
    }

    static func pixel(_ bitmap: Bitmap, _ x: Int, _ y: Int) -> [UInt8] {
        let at = (y * bitmap.width + x) * bitmap.channels
        return Array(bitmap.pixels[at..<(at + bitmap.channels)])
    }

    // MARK: bright, contrast

    @Test("bright moves every sample by N% of the full range, clamped", arguments: [
        (100, 50, 228), (200, -50, 73), (0, 100, 255), (255, -100, 0), (77, 0, 77), (10, 1, 13),
    ])
    func bright(grey: Int, value: Int, expected: Int) throws {
        let result = try Self.decoded("image/bright,\(value)/format,png", try Self.flat([UInt8(grey), UInt8(grey), UInt8(grey)]))
        #expect(result.pixels.allSatisfy { Int($0) == expected }, "bright,\(value) of grey \(grey)")
    }

    @Test("contrast pivots on mid-grey: -100 is flat grey, 0 unchanged, +100 a threshold", arguments: [
        (100, -100, 128), (200, -100, 128), (100, 0, 100), (100, 50, 61), (155, 50, 194), (100, 100, 0), (128, 100, 255),
    ])
    func contrast(grey: Int, value: Int, expected: Int) throws {
        let result = try Self.decoded("image/contrast,\(value)/format,png", try Self.flat([UInt8(grey), UInt8(grey), UInt8(grey)]))
        #expect(result.pixels.allSatisfy { Int($0) == expected }, "contrast,\(value) of grey \(grey)")
    }

    @Test("bright, contrast, blur and sharpen keep alpha exactly", arguments: [
        "bright,40", "contrast,-30", "blur,r_3,s_2", "sharpen,200",
    ])
    func alphaKept(_ action: String) throws {
        var bitmap = try SyntheticPhoto.bitmap(width: 40, height: 30, seed: 4).withAlpha()
        for index in stride(from: 3, to: bitmap.pixels.count, by: 4) { bitmap.pixels[index] = UInt8(truncatingIfNeeded: index * 7) }
        let result = try Self.decoded("image/\(action)/format,png", try ImageCodecs.encode(bitmap, as: .png), channels: 4)
        #expect(stride(from: 3, to: bitmap.pixels.count, by: 4).allSatisfy { result.pixels[$0] == bitmap.pixels[$0] })
        #expect(result.pixels != bitmap.pixels, "the colour did change")
    }

    // MARK: blur

    @Test("blur of one white pixel is the Gaussian: symmetric, confined to the radius, and it keeps the energy")
    func blurImpulse() throws {
        let side = 41, centre = 20
        var bitmap = try Bitmap(width: side, height: side, channels: 3, fill: [0, 0, 0])
        for c in 0..<3 { bitmap.pixels[(centre * side + centre) * 3 + c] = 255 }
        let result = try Self.decoded("image/blur,r_3,s_2/format,png", try ImageCodecs.encode(bitmap, as: .png), channels: 3)
        // The separable kernel's weights, computed here independently.
        let raw = (-3...3).map { exp(-Double($0 * $0) / 8) }
        let weights = raw.map { $0 / raw.reduce(0, +) }
        var energy = 0
        for y in 0..<side {
            for x in 0..<side {
                let value = Int(Self.pixel(result, x, y)[0])
                energy += value
                #expect(Self.pixel(result, x, y) == [UInt8](repeating: UInt8(value), count: 3))
                #expect(value == Int(Self.pixel(result, side - 1 - x, y)[0]) && value == Int(Self.pixel(result, x, side - 1 - y)[0])
                        && value == Int(Self.pixel(result, y, x)[0]), "symmetric at (\(x), \(y))")
                let dx = x - centre, dy = y - centre
                if abs(dx) > 3 || abs(dy) > 3 {
                    #expect(value == 0, "nothing beyond the radius at (\(x), \(y))")
                } else {
                    let expected = 255 * weights[dx + 3] * weights[dy + 3]
                    #expect(abs(Double(value) - expected) <= 0.5 + 1e-3, "(\(x), \(y)): \(value) vs \(expected)")
                }
            }
        }
        // Each of the 49 taps rounds once: the total stays within half a level of each.
        #expect(abs(energy - 255) <= 25, "energy \(energy)")
    }

    @Test("blur and sharpen leave a flat image exactly as it was, edges included", arguments: ["blur,r_50,s_50", "blur,r_1,s_1", "sharpen,399"])
    func flatStaysFlat(_ action: String) throws {
        let result = try Self.decoded("image/\(action)/format,png", try Self.flat([90, 140, 200], width: 23, height: 9))
        #expect(try result == Bitmap(width: 23, height: 9, channels: 3, fill: [90, 140, 200]))
    }

    @Test("a wider blur spreads an edge further")
    func blurWidth() throws {
        var bitmap = try Bitmap(width: 60, height: 4, channels: 3, fill: [0, 0, 0])
        for y in 0..<4 { for x in 30..<60 { for c in 0..<3 { bitmap.pixels[(y * 60 + x) * 3 + c] = 255 } } }
        let source = try ImageCodecs.encode(bitmap, as: .png)
        func spread(_ process: String) throws -> Int {
            let result = try Self.decoded(process, source, channels: 3)
            return (0..<60).filter { (1...254).contains(Self.pixel(result, $0, 2)[0]) }.count
        }
        let narrow = try spread("image/blur,r_2,s_1/format,png"), wide = try spread("image/blur,r_10,s_5/format,png")
        #expect(narrow >= 2 && narrow <= 4 && wide > narrow, "narrow \(narrow), wide \(wide)")
    }

    // MARK: sharpen

    @Test("sharpen overshoots both sides of an edge, more for larger values, and keeps flat areas")
    func sharpenEdge() throws {
        var bitmap = try Bitmap(width: 40, height: 8, channels: 3, fill: [50, 50, 50])
        for y in 0..<8 { for x in 20..<40 { for c in 0..<3 { bitmap.pixels[(y * 40 + x) * 3 + c] = 200 } } }
        let source = try ImageCodecs.encode(bitmap, as: .png)
        let mild = try Self.decoded("image/sharpen,50/format,png", source, channels: 3)
        let strong = try Self.decoded("image/sharpen,300/format,png", source, channels: 3)
        for result in [mild, strong] {
            #expect(Self.pixel(result, 19, 4)[0] < 50 && Self.pixel(result, 20, 4)[0] > 200, "edge contrast increased")
            #expect(Self.pixel(result, 5, 4)[0] == 50 && Self.pixel(result, 35, 4)[0] == 200, "flat areas unchanged")
        }
        #expect(Self.pixel(strong, 19, 4)[0] < Self.pixel(mild, 19, 4)[0] && Self.pixel(strong, 20, 4)[0] > Self.pixel(mild, 20, 4)[0])
        // The textbook unsharp mask at amount 1: 50 + (50 - blurred) with the 5-tap sigma-1 kernel.
        let raw = (-2...2).map { exp(-Double($0 * $0) / 2) }
        let w = raw.map { $0 / raw.reduce(0, +) }
        let blurredLeft = 50 * (w[0] + w[1] + w[2]) + 200 * (w[3] + w[4])
        let hundred = try Self.decoded("image/sharpen,100/format,png", source, channels: 3)
        #expect(Int(Self.pixel(hundred, 19, 4)[0]) == Int((50 + (50 - blurredLeft)).rounded()))
    }

    @Test("fixture fact: sharpen,100 of the docs' example.jpg is a 400x267 JPEG", .enabled(if: Fixtures.present, "needs /work/shared/fixtures/oss-image"))
    func sharpenFixture() throws {
        let source = try Fixtures.read("oss2-example.jpg")
        let result = try ImageProcessor.process("image/sharpen,100", source: source)
        #expect(result.format == .jpg && result.contentType == "image/jpeg" && result.width == 400 && result.height == 267)
        #expect(try ImageCodecs.dimensions(result.bytes) == (400, 267, .jpg))
    }

    // MARK: ranges

    @Test("values outside OSS's ranges answer 400 with OSS's EC, locally as on the wire", arguments: [
        ("image/bright,101", "0040-00000246"), ("image/bright,-101", "0040-00000246"), ("image/sharpen,49", "0040-00000280"),
        ("image/sharpen,400", "0040-00000280"), ("image/blur,r_51,s_2", "0040-00000241"), ("image/blur,r_0,s_2", "0040-00000241"),
        ("image/blur,r_3,s_51", "0040-00000242"), ("image/rotate,361", "0040-00000217"),
    ])
    func outOfRange(_ process: String, ec: String) throws {
        let source = try Self.flat([1, 2, 3])
        do {
            _ = try ImageProcessor.process(process, source: source)
            Issue.record("\(process) should be refused")
        } catch {
            #expect(error.status == 400 && error.ec == ec, "\(process): \(error)")
        }
    }

    @Test("contrast outside -100...100 (no EC documented) and a blur without s are 400, not 501")
    func undocumentedRefusals() throws {
        let source = try Self.flat([1, 2, 3])
        for process in ["image/contrast,101", "image/contrast,-300", "image/blur,r_3"] {
            do {
                _ = try ImageProcessor.process(process, source: source)
                Issue.record("\(process) should be refused")
            } catch {
                #expect(error.status == 400, "\(process): \(error)")
            }
        }
    }

    // MARK: average-hue

    @Test("average-hue answers OSS's JSON, as deployed apps parse it")
    func averageHue() throws {
        let result = try ImageProcessor.process("image/average-hue", source: try Self.flat([0x5C, 0x78, 0x3B]))
        #expect(result.contentType == "application/json" && result.format == nil)
        #expect(String(decoding: result.bytes, as: UTF8.self) == #"{"RGB": "0x5c783b"}"#)
    }

    @Test("average-hue: the rounded mean of the image the earlier actions made, alpha-weighted")
    func averageHueMean() throws {
        // Left half black, right half (255, 100, 0): the mean is (127.5, 50, 0), rounded half up.
        var bitmap = try Bitmap(width: 10, height: 4, channels: 3, fill: [0, 0, 0])
        for y in 0..<4 { for x in 5..<10 { bitmap.pixels[(y * 10 + x) * 3] = 255; bitmap.pixels[(y * 10 + x) * 3 + 1] = 100 } }
        let source = try ImageCodecs.encode(bitmap, as: .png)
        #expect(String(decoding: try ImageProcessor.process("image/average-hue", source: source).bytes, as: UTF8.self) == #"{"RGB": "0x803200"}"#)
        // After a crop of the right half, only that half counts.
        #expect(String(decoding: try ImageProcessor.process("image/crop,x_5/average-hue", source: source).bytes, as: UTF8.self) == #"{"RGB": "0xff6400"}"#)
        // Transparent pixels show no colour: a transparent left half does not pull the mean down.
        var rgba = bitmap.withAlpha()
        for y in 0..<4 { for x in 0..<5 { rgba.pixels[(y * 10 + x) * 4 + 3] = 0 } }
        #expect(String(decoding: try ImageProcessor.process("image/average-hue", source: try ImageCodecs.encode(rgba, as: .png)).bytes, as: UTF8.self) == #"{"RGB": "0xff6400"}"#)
    }

    @Test("average-hue must be the last action, as info must")
    func averageHueLast() throws {
        let source = try Self.flat([1, 2, 3])
        do {
            _ = try ImageProcessor.process("image/average-hue/resize,w_5", source: source)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.status == 400 && error.message.contains("average-hue"))
        }
    }

    // MARK: planning

    @Test("the memory estimate counts each filter's output beside its input, and a rotation's larger canvas")
    func estimates() throws {
        let source = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 300, height: 200, seed: 9), as: .png)
        let decoded = 300 * 200 * 3
        for action in ["blur,r_50,s_50", "sharpen,100", "bright,10", "contrast,10"] {
            let estimate = try ImageProcessor.estimatedWorkingBytes("image/\(action)/format,png", source: source)
            #expect(estimate >= source.count + 2 * decoded, "\(action): \(estimate)")
        }
        let straight = try ImageProcessor.estimatedWorkingBytes("image/format,png", source: source)
        let tilted = try ImageProcessor.estimatedWorkingBytes("image/rotate,45/format,png", source: source)
        let canvas = ImageKernels.RotationGeometry(width: 300, height: 200, degrees: 45)
        #expect(tilted >= source.count + decoded + canvas.width * canvas.height * 4 && tilted > straight)
    }
}
