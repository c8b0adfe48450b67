import Foundation
import OSSImage
import OSSImageProcess
import Testing

/// Pillow in `.build/pillow-venv`, which `scripts/pillow-venv.sh` makes (scripts/test.sh runs it
/// first, so CI has it). The tests never install anything: without the venv the suite below is
/// reported skipped, by name, with the reason; it never passes without running.
enum Pillow {
    static let repository: String = {
        // This file is REPO/Tests/OSSImageTests/PillowVariantTests.swift.
        var path = Substring(#filePath)
        for _ in 0..<3 { path = path[..<(path.lastIndex(of: "/") ?? path.startIndex)] }
        return String(path)
    }()

    /// The venv's python when it imports PIL, else nil.
    static let python: String? = {
        let path = repository + "/.build/pillow-venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-c", "import PIL.Image, PIL.ImageDraw, PIL.ImageFilter"]
        do { try process.run() } catch { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? path : nil
    }()

    static var available: Bool { python != nil }

    /// Runs the jobs (see Tests/Support/pillow_variants.py) and returns each job's output bytes.
    static func make(_ jobs: [[String: Any]], in folder: String) throws -> [[UInt8]] {
        let manifest = folder + "/manifest.json"
        try JSONSerialization.data(withJSONObject: jobs).write(to: URL(fileURLWithPath: manifest))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [repository + "/Tests/Support/pillow_variants.py", manifest]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ImageError(code: "PillowFailed", message: String(decoding: message, as: UTF8.self))
        }
        return try jobs.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0["out"] as! String))) }
    }
}

/// The verifier accepts outputs our kernels did not make: Pillow's encoder at other qualities and
/// subsamplings, its Lanczos and bicubic resamplers, its rotation, Gaussian blur, unsharp mask,
/// contrast about the image's mean, anti-aliased masks, and its own info and average-hue answers,
/// each following OSS's documented semantics. A few variants are a pixel off where OSS leaves
/// rounding open, and the report must say what it found.
@Suite("ImageVerifier accepts another library's outputs", .enabled(if: Pillow.available, "no Pillow in .build/pillow-venv (run scripts/pillow-venv.sh; scripts/test.sh does): SKIPPED, outputs made by another library were not verified"))
struct PillowVariantTests {
    static let photo = try! SyntheticPhoto.jpeg(width: 400, height: 300, seed: 7)
    static let sideways = ImageCodecs.insertEXIFOrientationForTests(photo, orientation: 6)

    struct Variant: CustomStringConvertible, Sendable {
        var process: String
        var steps: [[String: any Sendable]]
        var save: [String: any Sendable]
        var sideways = false
        /// An answer (`average-hue`, `info`) instead of an image.
        var answer: String?
        var description: String { "\(process) <- Pillow \(steps.map { $0["op"] as! String }) \(save["format"] ?? answer ?? "")" }
    }

    static func jpeg(_ quality: Int, subsampling: Int = 2, progressive: Bool = false) -> [String: any Sendable] {
        ["format": "JPEG", "quality": quality, "subsampling": subsampling, "progressive": progressive]
    }

    static let png: [String: any Sendable] = ["format": "PNG"]

    static let crop = try! ImageKernels.cropRect(Crop(x: 10, y: 20, width: 200, height: 100, gravity: .southEast), width: 400, height: 300)

    static let variants: [Variant] = [
        Variant(process: "image/resize,w_200", steps: [["op": "resize", "size": [200, 150], "filter": "lanczos"]], save: jpeg(80, subsampling: 0)),
        Variant(process: "image/resize,w_200", steps: [["op": "resize", "size": [201, 150], "filter": "bicubic"]], save: jpeg(75)),
        Variant(process: "image/resize,m_fixed,w_100,h_100", steps: [["op": "resize", "size": [100, 100], "filter": "bicubic"]], save: jpeg(75)),
        Variant(process: "image/resize,m_fill,w_150,h_150", steps: [["op": "fit", "size": [150, 150]]], save: jpeg(80)),
        Variant(process: "image/resize,m_pad,w_300,h_300,color_FF0000", steps: [["op": "pad", "size": [300, 300], "color": "FF0000"]], save: jpeg(85)),
        Variant(process: "image/resize,m_pad,w_300,h_300,color_FF0000/format,png",
                steps: [["op": "pad", "size": [300, 300], "color": "FF0000", "offset": [0, 38]]], save: png),
        Variant(process: "image/resize,p_50/format,png", steps: [["op": "resize", "size": [200, 150], "filter": "lanczos"]], save: png),
        Variant(process: "image/crop,x_10,y_20,w_200,h_100,g_se", steps: [["op": "crop", "rect": [crop.x, crop.y, crop.width, crop.height]]], save: jpeg(75)),
        Variant(process: "image/crop,x_10,y_20,w_200,h_100,g_se", steps: [["op": "crop", "rect": [crop.x - 1, crop.y, crop.width, crop.height]]], save: jpeg(90, subsampling: 1)),
        Variant(process: "image/circle,r_100/format,png", steps: [["op": "circle", "r": 100]], save: png),
        Variant(process: "image/circle,r_100", steps: [["op": "circle", "r": 100]], save: jpeg(80)),
        Variant(process: "image/rounded-corners,r_40/format,png", steps: [["op": "rounded", "r": 40]], save: png),
        Variant(process: "image/rounded-corners,r_40", steps: [["op": "rounded", "r": 40]], save: jpeg(75)),
        Variant(process: "image/indexcrop,x_100,i_1", steps: [["op": "crop", "rect": [100, 0, 100, 300]]], save: jpeg(70)),
        Variant(process: "image/rotate,90", steps: [["op": "turn", "degrees": 90]], save: jpeg(75)),
        Variant(process: "image/rotate,30/format,png", steps: [["op": "rotate", "degrees": 30, "fill": "transparent"]], save: png),
        Variant(process: "image/rotate,30", steps: [["op": "rotate", "degrees": 30, "fill": "white"]], save: jpeg(80)),
        Variant(process: "image/auto-orient,1", steps: [["op": "exif-transpose"]], save: jpeg(80), sideways: true),
        Variant(process: "image/blur,r_3,s_2", steps: [["op": "gaussian", "sigma": 2]], save: jpeg(80)),
        Variant(process: "image/sharpen,100", steps: [["op": "unsharp", "radius": 1, "percent": 100]], save: jpeg(85)),
        Variant(process: "image/bright,50", steps: [["op": "bright", "value": 50]], save: jpeg(75)),
        Variant(process: "image/contrast,-50", steps: [["op": "contrast", "value": -50]], save: jpeg(75)),
        Variant(process: "image/contrast,40/format,png", steps: [["op": "contrast", "value": 40]], save: png),
        Variant(process: "image/format,png", steps: [], save: png),
        Variant(process: "image/format,webp", steps: [], save: ["format": "WEBP", "quality": 80]),
        Variant(process: "image/format,bmp", steps: [], save: ["format": "BMP"]),
        Variant(process: "image/quality,Q_30", steps: [], save: jpeg(30, subsampling: 1)),
        Variant(process: "image/quality,q_50", steps: [], save: jpeg(45)),
        Variant(process: "image/interlace,1", steps: [], save: jpeg(80, progressive: true)),
        Variant(process: "image/crop,w_300,h_200,g_center/resize,w_150/sharpen,100",
                steps: [["op": "crop", "rect": [50, 50, 300, 200]], ["op": "resize", "size": [150, 100], "filter": "lanczos"],
                        ["op": "unsharp", "radius": 1, "percent": 100]], save: jpeg(80)),
        // Text drawn by Pillow's FreeType with WenQuanYi Micro Hei where ours takes Zen Hei (as
        // OSS's own fonts differ from Debian's), anchored at the corner the gravity names.
        Variant(process: "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ",
                steps: [["op": "text", "text": "Hello 图片服务!", "font": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"]], save: jpeg(80)),
        Variant(process: "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ,g_nw,x_20,y_30,size_30,color_FF0000/format,png",
                steps: [["op": "text", "text": "Hello 图片服务!", "font": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                         "g": "nw", "x": 20, "y": 30, "size": 30, "color": "FF0000"]], save: png),
        Variant(process: "image/average-hue", steps: [], save: [:], answer: "average-hue"),
        Variant(process: "image/info", steps: [], save: [:], answer: "info"),
        Variant(process: "image/format,tiff", steps: [], save: ["format": "TIFF"]),
        Variant(process: "image/format,avif", steps: [], save: ["format": "AVIF", "quality": 60]),
        Variant(process: "image/rotate,45/format,png", steps: [["op": "rotate", "degrees": 45, "fill": "transparent"]], save: png),
        Variant(process: "image/resize,m_mfit,w_150,h_150", steps: [["op": "resize", "size": [200, 150], "filter": "bicubic"]], save: jpeg(80)),
        Variant(process: "image/blur,r_10,s_5/format,png", steps: [["op": "gaussian", "sigma": 5]], save: png),
    ]

    /// All variants are made by one Pillow run (its start-up is most of the cost).
    static let outputs: Result<[[UInt8]], any Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pillow-variants-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(photo).write(to: URL(fileURLWithPath: folder + "/photo.jpg"))
        try Data(sideways).write(to: URL(fileURLWithPath: folder + "/sideways.jpg"))
        let jobs: [[String: Any]] = variants.enumerated().map { index, variant in
            var job: [String: Any] = ["in": folder + (variant.sideways ? "/sideways.jpg" : "/photo.jpg"), "out": folder + "/out-\(index)",
                                      "steps": variant.steps, "save": variant.save]
            if let answer = variant.answer { job["answer"] = answer }
            return job
        }
        return try Pillow.make(jobs, in: folder)
    }

    @Test("a Pillow-made output with OSS's semantics is accepted", arguments: variants.indices)
    func accepted(index: Int) throws {
        let variant = Self.variants[index]
        let output = try Self.outputs.get()[index]
        let report = try ImageVerifier.verify(source: variant.sideways ? Self.sideways : Self.photo, process: ImageProcess(parsing: variant.process), output: output)
        #expect(report.matches, "\(variant): \(report)")
    }

    @Test("the report says what the allowances found: a 201 px wide resize, a crop 1 px left (its content 1 px right), a pad 1 px low")
    func allowancesReported() throws {
        let outputs = try Self.outputs.get()
        let resize = try ImageVerifier.verify(source: Self.photo, process: ImageProcess(parsing: "image/resize,w_200"), output: outputs[1])
        let size = try #require(resize.checks.first { $0.name == "size" })
        #expect(size.measured == "201x150" && size.explanation.contains("within the ±1 px rounding allowance"), "\(resize)")
        let crop = try ImageVerifier.verify(source: Self.photo, process: ImageProcess(parsing: "image/crop,x_10,y_20,w_200,h_100,g_se"), output: outputs[8])
        #expect(crop.placement == (1, 0), "\(crop)")
        let pad = try ImageVerifier.verify(source: Self.photo, process: ImageProcess(parsing: "image/resize,m_pad,w_300,h_300,color_FF0000/format,png"), output: outputs[5])
        #expect(pad.placement == (0, 1), "\(pad)")
    }

    @Test("the same Pillow outputs are rejected for a process they do not answer")
    func rejectedForAnotherProcess() throws {
        let outputs = try Self.outputs.get()
        // Pillow's blur where a sharpen was asked; its bright where contrast was asked; its
        // quality-30 JPEG where Q_90 was asked; its sequential JPEG where interlace,1 was asked;
        // its text mark in the wrong corner.
        let pairs: [(Int, String, String)] = [
            (18, "image/sharpen,100", "sharpness"), (20, "image/contrast,50", "tone"),
            (26, "image/quality,Q_90", "quality"), (0, "image/resize,w_200/interlace,1", "interlace"),
            // Pillow's mark in the south-east corner where the north-west was asked.
            (30, "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ,g_nw", "watermark placement"),
        ]
        for (index, process, check) in pairs {
            let report = try ImageVerifier.verify(source: Self.photo, process: ImageProcess(parsing: process), output: outputs[index])
            #expect(report.checks.contains { $0.name == check && !$0.passed }, "\(process) <- \(Self.variants[index]): \(report)")
        }
    }
}
