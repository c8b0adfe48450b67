import OSSImage
import OSSImageProcess
import Testing

/// Golden sizes for resize from the docs' own examples, and crop, index crop and rounded corners
/// against the docs' tables.
@Suite("Resize, crop and index crop as documented")
struct ResizeCropTests {
    static func source(_ width: Int, _ height: Int) throws -> (Bitmap, [UInt8]) {
        let bitmap = try SyntheticPhoto.bitmap(width: width, height: height, seed: UInt64(width + height))
        return (bitmap, try ImageCodecs.encode(bitmap, as: .png))
    }

    static func pixel(_ bitmap: Bitmap, _ x: Int, _ y: Int) -> [UInt8] {
        let at = (y * bitmap.width + x) * bitmap.channels
        return Array(bitmap.pixels[at..<(at + bitmap.channels)])
    }

    @Test("golden sizes: the docs' examples and rules", arguments: [
        // The resize page's own example: 200x100 with w=150, h=80 in each mode.
        (200, 100, "resize,m_lfit,w_150,h_80", 150, 75),
        (200, 100, "resize,m_mfit,w_150,h_80", 160, 80),
        (200, 100, "resize,m_fill,w_150,h_80", 150, 80),
        (200, 100, "resize,m_pad,w_150,h_80", 150, 80),
        (200, 100, "resize,m_fixed,w_150,h_80", 150, 80),
        // Long and short sides on the long/short note's 400x200 image.
        (400, 200, "resize,l_100", 100, 50),
        (400, 200, "resize,s_100", 200, 100),
        (200, 400, "resize,l_100", 50, 100),
        (400, 200, "resize,l_100,s_100", 100, 50),
        // w or h given: l and s do not count.
        (400, 200, "resize,w_100,l_300", 100, 50),
        // The percentage page: p alone, and 100w_100h_200p is 200w_200h.
        (400, 300, "resize,p_50", 200, 150),
        (400, 300, "resize,p_200", 800, 600),
        (400, 300, "resize,w_100,h_100,p_200", 200, 150),
        (3, 2, "resize,p_50", 2, 1),
        // The docs' example.jpg (400x267) and the SDKs' recorded fact.
        (400, 267, "resize,m_fixed,w_100,h_100", 100, 100),
        (400, 267, "resize,h_100", 150, 100),
        (400, 267, "resize,l_100", 100, 67),
        (400, 267, "resize,m_mfit,w_100,h_100", 150, 100),
        // limit_1 (the default) never enlarges; limit_0 does.
        (400, 267, "resize,w_500", 400, 267),
        (400, 267, "resize,w_500,limit_0", 500, 334),
        (400, 267, "resize,m_fixed,w_500,h_100", 400, 267),
        (400, 267, "resize,m_fill,w_500,h_100", 400, 267),
        (400, 267, "resize,m_pad,w_500,h_500", 400, 267),
        (400, 267, "resize,m_pad,w_500,h_500,limit_0", 500, 500),
        // One side in the fixed-size modes: a square box.
        (400, 267, "resize,m_fill,w_100", 100, 100),
        (400, 267, "resize,m_pad,h_100", 100, 100),
        (400, 267, "resize,m_fixed,w_100", 100, 100),
        (400, 267, "resize,m_fill,l_120", 120, 120),
        (400, 267, "resize,m_mfit,w_100", 100, 67),
        // Rounding to the nearest integer: 600x400 into 500x300 by mfit is 500x333.33.
        (600, 400, "resize,m_mfit,w_500,h_300", 500, 333),
        (600, 400, "resize,m_lfit,w_500,h_300", 450, 300),
    ])
    func golden(width: Int, height: Int, action: String, expectedWidth: Int, expectedHeight: Int) throws {
        let (_, encoded) = try Self.source(width, height)
        let result = try ImageProcessor.process("image/\(action)/format,png", source: encoded)
        #expect(result.width == expectedWidth && result.height == expectedHeight, "\(action) on \(width)x\(height): \(result.width)x\(result.height)")
        let plan = try ImageKernels.resizePlan(Self.resize(action), width: width, height: height)
        #expect(plan.finalWidth == expectedWidth && plan.finalHeight == expectedHeight)
    }

    static func resize(_ action: String) throws -> Resize {
        guard case let .resize(resize)? = try ImageProcess(parsing: "image/" + action).actions.first else { throw ImageError(code: "Test", message: action) }
        return resize
    }

    @Test("pad centres the fitted image on the colour; fill cuts the centre of the cover")
    func padAndFill() throws {
        let (bitmap, encoded) = try Self.source(200, 100)
        let pad = try ImageCodecs.decode(try ImageProcessor.process("image/resize,m_pad,w_150,h_80,color_FF0000/format,png", source: encoded).bytes, channels: 3).0
        // 150x75 centred in 150x80: rows 0-1 and 77-79 are the colour, 2-76 the image.
        for y in [0, 1, 77, 78, 79] { #expect(Self.pixel(pad, 75, y) == [255, 0, 0], "row \(y)") }
        for y in [2, 40, 76] { #expect(Self.pixel(pad, 75, y) != [255, 0, 0], "row \(y)") }
        // fill: scaled to 160x80, then the window from x = 5.
        let fill = try ImageCodecs.decode(try ImageProcessor.process("image/resize,m_fill,w_150,h_80/format,png", source: encoded).bytes, channels: 3).0
        let cover = try ImageKernels.resample(bitmap, width: 160, height: 80)
        #expect(fill == (try cover.cropped(x: 5, y: 0, width: 150, height: 80)))
    }

    @Test("P_ alone sizes a watermark image only: on the main image it is a 400, as before")
    func percentOfBase() throws {
        let (_, encoded) = try Self.source(40, 30)
        do {
            _ = try ImageProcessor.process("image/resize,P_30", source: encoded)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.status == 400)
        }
    }

    // MARK: Crop

    @Test("crop w_0 and h_0 run to the edge; missing sizes too")
    func cropToEdge() throws {
        let (bitmap, encoded) = try Self.source(400, 300)
        for action in ["crop,x_10,y_20,w_0,h_0", "crop,x_10,y_20"] {
            let result = try ImageCodecs.decode(try ImageProcessor.process("image/\(action)/format,png", source: encoded).bytes, channels: 3).0
            #expect(result == (try bitmap.cropped(x: 10, y: 20, width: 390, height: 280)), "\(action)")
        }
    }

    @Test("the docs' example: g_se with x_100,y_100 starts 100 px right of and below the bottom-right origin, cut at the edges")
    func cropSouthEastOffset() throws {
        let (bitmap, encoded) = try Self.source(1200, 1000)
        let result = try ImageCodecs.decode(try ImageProcessor.process("image/crop,x_100,y_100,w_900,h_900,g_se/format,png", source: encoded).bytes, channels: 3).0
        // Origin (1200 - 900, 1000 - 900) = (300, 100), plus (100, 100).
        #expect(result == (try bitmap.cropped(x: 400, y: 200, width: 800, height: 800)))
    }

    @Test("the centre gravities use OSS's integer halves: srcW/2 - w/2")
    func cropHalves() throws {
        // 5 wide, w = 2: 5/2 - 2/2 = 1 (and (5 - 2) / 2 = 1); 4 wide, w = 1: 2 - 0 = 2, not (4 - 1) / 2 = 1.
        #expect(try ImageKernels.cropRect(Crop(width: 1, height: 1, gravity: .center), width: 4, height: 4) == (2, 2, 1, 1))
        #expect(try ImageKernels.cropRect(Crop(width: 2, height: 3, gravity: .north), width: 5, height: 7) == (1, 0, 2, 3))
        #expect(try ImageKernels.cropRect(Crop(width: 2, height: 3, gravity: .east), width: 5, height: 7) == (3, 2, 2, 3))
    }

    @Test("a start outside the image is OSS's BadRequest 'Advance cut's position is out of image'", arguments: [
        "crop,x_400,w_10", "crop,y_300,h_10", "crop,x_10,w_10,g_ne", "crop,y_10,h_10,g_south",
    ])
    func cropOutside(_ action: String) throws {
        let (_, encoded) = try Self.source(400, 300)
        do {
            _ = try ImageProcessor.process("image/" + action, source: encoded)
            Issue.record("\(action) should start outside the image")
        } catch {
            #expect(error.code == "BadRequest" && error.status == 400 && error.message.hasPrefix("Advance cut's position is out of image"), "\(error)")
        }
    }

    @Test("fixture fact: crop,w_100,h_100,x_100,y_100,r_1 of the docs' example.jpg is 100x100 (r_1 is ignored)",
          .enabled(if: Fixtures.present, "needs /work/shared/fixtures/oss-image"))
    func cropFixture() throws {
        let source = try Fixtures.read("oss2-example.jpg")
        let result = try ImageProcessor.process("image/crop,w_100,h_100,x_100,y_100,r_1", source: source)
        #expect(result.format == .jpg && result.width == 100 && result.height == 100)
        #expect(try ImageCodecs.dimensions(result.bytes) == (100, 100, .jpg))
        let plain = try ImageProcessor.process("image/crop,w_100,h_100,x_100,y_100", source: source)
        #expect(plain.bytes == result.bytes)
    }

    // MARK: Index crop, rounded corners

    @Test("indexcrop: given both x and y, y wins; an index past the end keeps the image")
    func indexCrop() throws {
        let (bitmap, encoded) = try Self.source(400, 300)
        let both = try ImageCodecs.decode(try ImageProcessor.process("image/indexcrop,x_100,y_50,i_1/format,png", source: encoded).bytes, channels: 3).0
        #expect(both == (try bitmap.cropped(x: 0, y: 50, width: 400, height: 50)))
        let last = try ImageProcessor.process("image/indexcrop,y_70,i_4/format,png", source: encoded)
        #expect(last.width == 400 && last.height == 20, "the last slice is what is left")
        // The docs' example: y_100,i_10 on an image of fewer than 11 slices returns the original.
        let past = try ImageCodecs.decode(try ImageProcessor.process("image/indexcrop,y_100,i_10/format,png", source: encoded).bytes, channels: 3).0
        #expect(past == bitmap)
    }

    @Test("rounded corners: transparent for PNG, WebP and BMP, white for JPEG; radius capped at half the short side", arguments: [
        ImageFormat.png, .webp, .bmp, .jpg,
    ])
    func roundedCorners(_ format: ImageFormat) throws {
        let blue = try Bitmap(width: 40, height: 20, channels: 3, fill: [0, 0, 255])
        let result = try ImageProcessor.process("image/rounded-corners,r_4096/format,\(format.rawValue)", source: try ImageCodecs.encode(blue, as: .png))
        let bitmap = try ImageCodecs.decode(result.bytes, channels: 4).0
        #expect(bitmap.width == 40 && bitmap.height == 20)
        let corner = Self.pixel(bitmap, 0, 0), middle = Self.pixel(bitmap, 20, 10)
        if format == .jpg {
            #expect(corner.prefix(3).allSatisfy { $0 >= 245 }, "\(corner)")
        } else {
            #expect(corner[3] == 0, "\(corner)")
        }
        #expect(middle[3] == 255 && middle[2] >= 240)
        // r = 10 (half of 20): the left and right edges are half circles, so the pixel at
        // (1, 10) is inside and (1, 2) is not.
        #expect(Self.pixel(bitmap, 1, 10)[3] == 255 && (format == .jpg ? Self.pixel(bitmap, 1, 2)[0] >= 245 : Self.pixel(bitmap, 1, 2)[3] == 0))
    }
}
