import Foundation
import OSSImage
import OSSImageProcess
import Testing

/// Verification of every action: our own kernel's output is accepted with every check passing,
/// and a deliberately wrong output is rejected by the check that names the mistake.
@Suite("ImageVerifier: a verdict for every action")
struct VerifierActionTests {
    /// Small, so that the ~90 verifications stay quick (under AddressSanitizer too).
    static let photo = try! SyntheticPhoto.jpeg(width: 300, height: 200, seed: 7)
    /// The photo stored sideways: EXIF orientation 6 (shown turned 90° clockwise).
    static let sideways = ImageCodecs.insertEXIFOrientationForTests(photo, orientation: 6)

    static func output(_ process: String, source: [UInt8] = photo) throws -> [UInt8] {
        try ImageProcessor.process(process, source: source).bytes
    }

    static func verify(_ process: String, output: [UInt8], source: [UInt8] = photo) throws -> VerificationReport {
        try ImageVerifier.verify(source: source, process: ImageProcess(parsing: process), output: output)
    }

    static func failed(_ report: VerificationReport) -> Set<String> {
        Set(report.checks.filter { !$0.passed }.map(\.name))
    }

    /// Every action the kernels run, alone and in chains, and the checks each must carry.
    static let processes: [(String, [String])] = [
        ("image/resize,w_200", ["format", "size", "placement", "pixels"]),
        ("image/resize,m_fixed,w_100,h_100", ["size", "pixels"]),
        ("image/resize,m_lfit,w_150,h_150", ["size", "pixels"]),
        ("image/resize,m_mfit,w_150,h_150", ["size", "pixels"]),
        ("image/resize,h_600,limit_0", ["size", "pixels"]),
        ("image/resize,m_fill,w_150,h_150", ["size", "pixels"]),
        ("image/resize,m_pad,w_300,h_300,color_FF0000", ["size", "fill", "pixels"]),
        ("image/resize,m_pad,w_300,h_300,color_00FF00/format,png", ["fill"]),
        ("image/resize,p_50", ["size", "pixels"]),
        ("image/resize,l_150,limit_0", ["size"]),
        ("image/crop,x_10,y_20,w_200,h_100,g_se", ["placement", "pixels"]),
        ("image/crop,w_0,h_120,g_center", ["placement", "pixels"]),
        ("image/circle,r_100", ["shape", "background", "pixels"]),
        ("image/circle,r_100/format,png", ["shape", "background", "pixels"]),
        ("image/rounded-corners,r_40", ["shape", "background"]),
        ("image/rounded-corners,r_40/format,webp", ["shape", "background"]),
        ("image/indexcrop,x_100,i_1", ["placement", "pixels"]),
        ("image/indexcrop,y_70,i_2", ["placement", "pixels"]),
        ("image/rotate,90", ["size", "pixels"]),
        ("image/rotate,30", ["shape", "background", "pixels"]),
        ("image/rotate,30/format,png", ["shape", "background", "pixels"]),
        ("image/rotate,200/format,bmp", ["shape", "background"]),
        ("image/blur,r_3,s_2", ["sharpness", "pixels"]),
        ("image/sharpen,100", ["sharpness"]),
        ("image/bright,50", ["tone"]),
        ("image/bright,-30", ["tone"]),
        ("image/contrast,-50", ["tone"]),
        ("image/contrast,60", ["tone"]),
        ("image/format,png", ["format", "pixels"]),
        ("image/format,webp", ["format"]),
        ("image/format,bmp", ["format"]),
        ("image/quality,q_50", ["quality"]),
        ("image/quality,Q_30", ["quality"]),
        ("image/interlace,1", ["interlace"]),
        ("image/crop,w_300,h_200,g_center/resize,w_150/sharpen,100/bright,10/format,png", ["sharpness", "tone", "pixels"]),
        ("image/resize,m_pad,w_200,h_200,color_0000FF/rotate,30/format,png", ["fill", "shape", "background"]),
        ("image/rounded-corners,r_30/blur,r_5,s_3/contrast,20", ["shape", "sharpness", "tone"]),
    ]

    @Test("our own kernel's output passes every check", arguments: processes)
    func acceptsOwnOutput(process: String, expectedChecks: [String]) throws {
        let report = try Self.verify(process, output: try Self.output(process))
        #expect(report.matches, "\(report)")
        let names = Set(report.checks.map(\.name))
        for name in expectedChecks { #expect(names.contains(name), "\(process): no \(name) check in \(report)") }
        #expect(report.placement == (0, 0), "\(report)")
    }

    @Test("auto-orient: our upright output passes; the stored (sideways) pixels and the wrong turn do not")
    func autoOrient() throws {
        let process = "image/auto-orient,1"
        let good = try Self.output(process, source: Self.sideways)
        #expect(try Self.verify(process, output: good, source: Self.sideways).matches)
        // Not oriented: 300x200 where 200x300 is asked.
        let stored = try Self.output("image/format,jpg", source: Self.photo)
        #expect(Self.failed(try Self.verify(process, output: stored, source: Self.sideways)) == ["size"])
        // Turned the wrong way (orientation 8: counter-clockwise): the size is right, the pixels are not.
        let wrongTurn = try Self.output(process, source: ImageCodecs.insertEXIFOrientationForTests(Self.photo, orientation: 8))
        let report = try Self.verify(process, output: wrongTurn, source: Self.sideways)
        #expect(Self.failed(report).contains("pixels"), "\(report)")
    }

    /// (process asked for, process that made the wrong output, the checks that must fail)
    static let mistakes: [(String, String, Set<String>)] = [
        // Geometry beyond the allowance.
        ("image/resize,w_200", "image/resize,w_203", ["size"]),
        ("image/resize,m_fixed,w_100,h_100", "image/resize,m_fixed,w_101,h_100", ["size"]),
        ("image/resize,p_50", "image/resize,p_60", ["size"]),
        ("image/resize,m_mfit,w_150,h_150", "image/resize,m_lfit,w_150,h_150", ["size"]),
        // limit_1 (the default) keeps an image smaller than the box as it is.
        ("image/resize,h_600", "image/resize,h_600,limit_0", ["size"]),
        ("image/rotate,30/format,png", "image/rotate,30/resize,w_486,limit_0/format,png", ["size"]),
        // Squashed instead of cut: same size, the content drawn in towards the centre (the
        // search finds it displaced at its edge).
        ("image/resize,m_fill,w_150,h_150", "image/resize,m_fixed,w_150,h_150", ["placement"]),
        // Wrong pad colour.
        ("image/resize,m_pad,w_300,h_300,color_FF0000", "image/resize,m_pad,w_300,h_300", ["fill"]),
        ("image/resize,m_pad,w_300,h_300,color_00FF00/format,png", "image/resize,m_pad,w_300,h_300,color_000000/format,png", ["fill"]),
        // Crop from the wrong corner, or a few pixels off.
        ("image/crop,w_200,h_100,g_se", "image/crop,w_200,h_100,g_nw", ["pixels"]),
        ("image/crop,x_10,y_20,w_200,h_100", "image/crop,x_12,y_20,w_200,h_100", ["placement"]),
        ("image/crop,x_10,y_20,w_200,h_100", "image/crop,x_10,y_23,w_200,h_100", ["placement"]),
        ("image/crop,w_200,h_100,g_center", "image/crop,w_200,h_100,g_north", ["pixels"]),
        // The wrong slice.
        ("image/indexcrop,x_100,i_1", "image/indexcrop,x_100,i_2", ["pixels"]),
        // Wrong radius (size), the circle's centre moved.
        ("image/circle,r_100/format,png", "image/circle,r_90/format,png", ["size"]),
        ("image/circle,r_100/format,png", "image/crop,x_40,w_360/circle,r_100/format,png", ["pixels"]),
        // Corners of another radius: same size, other shape.
        ("image/rounded-corners,r_60/format,png", "image/rounded-corners,r_10/format,png", ["shape"]),
        ("image/rounded-corners,r_60", "image/rounded-corners,r_10", ["shape"]),
        // A free angle turned the other way, or by another angle, on a canvas of the same size.
        ("image/rotate,45/format,png", "image/rotate,135/format,png", ["pixels"]),
        // Counter-clockwise instead of clockwise.
        ("image/rotate,90", "image/rotate,270", ["pixels"]),
        ("image/rotate,30/format,png", "image/rotate,330/format,png", ["pixels"]),
        ("image/rotate,30", "image/rotate,330", ["pixels"]),
        // A blur that is missing, or far too strong.
        ("image/blur,r_3,s_2", "image/format,jpg", ["sharpness"]),
        ("image/blur,r_3,s_2", "image/blur,r_50,s_50", ["sharpness"]),
        // A sharpen that is missing.
        ("image/sharpen,100", "image/format,jpg", ["sharpness"]),
        ("image/sharpen,200", "image/format,jpg", ["sharpness"]),
        // Brightness: sign flipped, half the step, none.
        ("image/bright,50", "image/bright,-50", ["tone"]),
        ("image/bright,50", "image/bright,25", ["tone"]),
        ("image/bright,-30", "image/format,jpg", ["tone"]),
        // Contrast: sign flipped, half the step.
        ("image/contrast,-50", "image/contrast,50", ["tone"]),
        ("image/contrast,-50", "image/contrast,-25", ["tone"]),
        ("image/contrast,60", "image/contrast,30", ["tone"]),
        // Wrong format.
        ("image/format,webp", "image/format,png", ["format"]),
        ("image/format,png", "image/format,jpg", ["format"]),
        // Wrong quality: q_30 asked, q_95 (capped at the source's 90) written.
        ("image/quality,Q_30", "image/quality,Q_95", ["quality"]),
        ("image/quality,q_50", "image/quality,q_100", ["quality"]),
        // Interlace asked for, a sequential JPEG given.
        ("image/interlace,1", "image/interlace,0", ["interlace"]),
        ("image/interlace,0", "image/interlace,1", ["interlace"]),
    ]

    @Test("a wrong output is rejected by the check that names the mistake", arguments: mistakes)
    func rejectsMistake(asked: String, made: String, failing: Set<String>) throws {
        let report = try Self.verify(asked, output: try Self.output(made))
        #expect(!report.matches, "\(asked) accepted the output of \(made): \(report)")
        #expect(failing.isSubset(of: Self.failed(report)), "\(asked) vs \(made): \(report)")
    }

    @Test("black corners where OSS paints transparent or white are rejected by the background check",
          arguments: ["image/circle,r_100/format,png", "image/rounded-corners,r_40/format,png", "image/rounded-corners,r_40",
                      "image/rotate,30/format,png", "image/rotate,30", "image/circle,r_80"])
    func blackCorners(process: String) throws {
        let good = try Self.output(process)
        let format = ImageCodecs.detectFormat(good)!
        var bitmap = try ImageCodecs.decode(good, channels: 4).0
        for i in stride(from: 0, to: bitmap.pixels.count, by: 4) {
            let background = format == .jpg
                ? bitmap.pixels[i] >= 240 && bitmap.pixels[i + 1] >= 240 && bitmap.pixels[i + 2] >= 240
                : bitmap.pixels[i + 3] == 0
            if background { bitmap.pixels[i] = 0; bitmap.pixels[i + 1] = 0; bitmap.pixels[i + 2] = 0; bitmap.pixels[i + 3] = 255 }
        }
        let black = try ImageCodecs.encode(bitmap, as: format, options: ImageCodecs.EncodeOptions(quality: 90))
        let report = try Self.verify(process, output: black)
        #expect(Self.failed(report).contains("background"), "\(report)")
        #expect(report.backgroundMatch < 0.5)
    }

    @Test("average-hue: ours, a near colour and the bare-text form pass; another colour does not")
    func averageHue() throws {
        let process = "image/average-hue"
        let ours = try Self.output(process)
        let report = try Self.verify(process, output: ours)
        #expect(report.matches, "\(report)")
        #expect(report.checks.map(\.name) == ["average-hue"])
        let text = String(decoding: ours, as: UTF8.self)
        // {"RGB": "0xRRGGBB"}
        let hex = String(text.split(separator: "\"")[3].dropFirst(2))
        let value = Int(hex, radix: 16)!
        func json(_ value: Int) -> [UInt8] { Array("{\"RGB\": \"0x\(String(value, radix: 16).leftPadded(6))\"}".utf8) }
        let near = (value & 0xFF_FF00) | min(255, (value & 0xFF) + 3)
        #expect(try Self.verify(process, output: json(near)).matches)
        #expect(try Self.verify(process, output: Array("0x\(hex)\n".utf8)).matches)
        let far = value ^ 0x30_0000
        let wrong = try Self.verify(process, output: json(far))
        #expect(!wrong.matches && Self.failed(wrong) == ["average-hue"], "\(wrong)")
        #expect(!(try Self.verify(process, output: Array("not a colour".utf8)).matches))
    }

    @Test("info: the facts (width, height, format, frame count) must be ours; FileSize is not compared")
    func info() throws {
        let process = "image/info"
        let ours = try Self.output(process)
        #expect(try Self.verify(process, output: ours).matches)
        // OSS's shape, its own file size, the extra resolution fields.
        let service = """
            {
                "FileSize": {"value": "3267"},
                "Format": {"value": "jpg"},
                "FrameCount": {"value": "1"},
                "ImageHeight": {"value": "200"},
                "ImageWidth": {"value": "300"},
                "ResolutionUnit": {"value": "1"},
                "XResolution": {"value": "1/1"},
                "YResolution": {"value": "1/1"}}
            """
        let accepted = try Self.verify(process, output: Array(service.utf8))
        #expect(accepted.matches, "\(accepted)")
        #expect(accepted.actualSize == (300, 200))
        let wrongSize = try Self.verify(process, output: Array(service.replacingOccurrences(of: "\"300\"", with: "\"301\"").utf8))
        #expect(Self.failed(wrongSize) == ["info ImageWidth"], "\(wrongSize)")
        let wrongFormat = try Self.verify(process, output: Array(service.replacingOccurrences(of: "\"jpg\"", with: "\"png\"").utf8))
        #expect(Self.failed(wrongFormat) == ["info Format"])
        let frames = try Self.verify(process, output: Array(service.replacingOccurrences(of: "\"FrameCount\": {\"value\": \"1\"}", with: "\"FrameCount\": {\"value\": \"3\"}").utf8))
        #expect(Self.failed(frames) == ["info FrameCount"])
        #expect(Self.failed(try Self.verify(process, output: Array("<Error/>".utf8))) == ["info"])
    }

    @Test("a size within the ±1 px allowance is accepted and reported as such; the placement found is reported")
    func allowances() throws {
        // 201x133 where ours is 200x133: OSS's rounding of a ratio is undocumented.
        let wider = try Self.output("image/resize,m_fixed,w_201,h_133")
        let report = try Self.verify("image/resize,w_200", output: wider)
        #expect(report.matches, "\(report)")
        let size = try #require(report.checks.first { $0.name == "size" })
        #expect(size.measured == "201x133" && size.threshold == "200x133 ±1 px" && size.explanation.contains("within the ±1 px rounding allowance"), "\(size)")
        // A crop one pixel right of ours: found and allowed.
        let shifted = try Self.output("image/crop,x_11,y_20,w_200,h_100")
        let crop = try Self.verify("image/crop,x_10,y_20,w_200,h_100", output: shifted)
        #expect(crop.matches, "\(crop)")
        // Its content is one pixel left of ours.
        #expect(crop.placement == (-1, 0))
        let placement = try #require(crop.checks.first { $0.name == "placement" })
        #expect(placement.measured == "(-1, +0) px" && placement.explanation.contains("within the ±1 px"), "\(placement)")
        // Two pixels: found, and refused.
        let farther = try Self.verify("image/crop,x_10,y_20,w_200,h_100", output: try Self.output("image/crop,x_12,y_20,w_200,h_100"))
        #expect(farther.placement == (-2, 0))
        #expect(!farther.matches && farther.checks.first { $0.name == "placement" }?.explanation.contains("wrong gravity or offset") == true, "\(farther)")
        // A box OSS documents exactly is not rounded: 101x100 for m_fixed,w_100,h_100 fails.
        let boxed = try Self.verify("image/resize,m_fixed,w_100,h_100", output: try Self.output("image/resize,m_fixed,w_101,h_100"))
        #expect(boxed.checks.first { $0.name == "size" }?.threshold == "100x100 exactly")
    }
}

extension String {
    func leftPadded(_ count: Int) -> String { String(repeating: "0", count: max(0, count - self.count)) + self }
}
