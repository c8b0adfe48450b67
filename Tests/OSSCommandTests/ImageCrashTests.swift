import Foundation
import Testing

/// `oss image`, `oss verify` and `oss sample` on inputs that used to kill the process with a trap:
/// each now exits on its own with a status and an error line (or answers, where the input is fine).
@Suite("The image commands on hostile input")
struct ImageCrashTests {
    struct Outcome {
        var status: Int32
        var signalled: Bool
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A folder with a generated JPEG and the same JPEG behind an APP1 segment of length 6 that is
    /// followed by the rest of "Exif\0\0" (the old EXIF reader cut an inverted range there).
    final class Files {
        let folder: String
        var jpeg: String { folder + "/photo.jpg" }
        var shortEXIF: String { folder + "/short-exif.jpg" }
        var bomb: String { folder + "/bomb.png" }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-image-crash-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let sample = try ImageCrashTests.run(["sample", folder + "/photo.jpg", "--width", "64", "--height", "48"])
            guard sample.status == 0 else { throw CocoaError(.fileWriteUnknown) }
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: jpeg)))
            let hostile: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06] + Array("Exif".utf8) + [0, 0] + bytes.dropFirst(2)
            try Data(hostile).write(to: URL(fileURLWithPath: shortEXIF))
            // A PNG whose IHDR claims 30000 x 8000 pixels, with a few bytes of image data.
            try Data(Self.pngBomb()).write(to: URL(fileURLWithPath: bomb))
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        static func pngBomb() -> [UInt8] {
            func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
                let length = UInt32(data.count)
                // The CRC is left wrong: the header is refused before anyone reads it.
                return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + Array(type.utf8) + data + [0, 0, 0, 0]
            }
            let ihdr: [UInt8] = [0, 0, 0x75, 0x30, 0, 0, 0x1F, 0x40, 8, 2, 0, 0, 0]
            return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x01, 0x03, 0x00]) + chunk("IEND", [])
        }
    }

    @Test("oss image: an Int.max crop offset is an error line and exit 1; a short EXIF segment is read as no orientation")
    func image() throws {
        let files = try Files()
        let crop = try Self.run(["image", files.jpeg, files.folder + "/crop.png", "--process", "image/crop,w_50,x_9223372036854775807,g_center"])
        #expect(!crop.signalled, "\(crop.stderr)")
        #expect(crop.status == 1)
        // OSS's answer to a crop that starts outside the image, naming the parameter.
        #expect(crop.stderr.hasPrefix("oss: BadRequest: Advance cut's position is out of image") && crop.stderr.contains("crop parameter x"), "\(crop.stderr)")

        let info = try Self.run(["image", files.shortEXIF, files.folder + "/info.json", "--process", "image/info"])
        #expect(!info.signalled && info.status == 0, "\(info.stderr)")
        let json = try String(contentsOfFile: files.folder + "/info.json", encoding: .utf8)
        // A segment too short for a TIFF header is no EXIF at all: OSS's info then has no EXIF fields.
        #expect(json.contains("\"ImageWidth\": {\"value\": \"64\"}") && !json.contains("Orientation"), "\(json)")

        let orient = try Self.run(["image", files.shortEXIF, files.folder + "/upright.png", "--process", "image/auto-orient,1/format,png"])
        #expect(!orient.signalled && orient.status == 0, "\(orient.stderr)")
        #expect(orient.stderr.contains("64x48"))

        let bomb = try Self.run(["image", files.bomb, files.folder + "/bomb-out.png", "--process", "image/resize,w_10"])
        #expect(!bomb.signalled)
        #expect(bomb.status == 1)
        #expect(bomb.stderr.hasPrefix("oss: BadRequest:") && bomb.stderr.contains("truncated"), "\(bomb.stderr)")
    }

    @Test("oss verify: the same inputs exit 2 with an error line, or verify")
    func verify() throws {
        let files = try Files()
        let reference = try Self.run(["image", files.shortEXIF, files.folder + "/upright.png", "--process", "image/auto-orient,1/format,png"])
        #expect(reference.status == 0, "\(reference.stderr)")

        let crop = try Self.run(["verify", "--source", files.jpeg, "--process", "image/crop,w_50,x_9223372036854775807,g_center", files.folder + "/upright.png"])
        #expect(!crop.signalled, "\(crop.stderr)")
        #expect(crop.status == 2)
        // OSS's answer to a crop that starts outside the image, naming the parameter.
        #expect(crop.stderr.hasPrefix("oss: BadRequest: Advance cut's position is out of image") && crop.stderr.contains("crop parameter x"), "\(crop.stderr)")

        let matched = try Self.run(["verify", "--source", files.shortEXIF, "--process", "image/auto-orient,1/format,png", files.folder + "/upright.png"])
        #expect(!matched.signalled && matched.status == 0, "\(matched.stderr)")
        #expect(matched.stdout.hasPrefix("MATCH"))

        // The server's "output" is the bomb: refused from its header, not decoded.
        let bomb = try Self.run(["verify", "--source", files.jpeg, "--process", "image/format,png", files.bomb])
        #expect(!bomb.signalled)
        #expect(bomb.status == 2)
        #expect(bomb.stderr.contains("truncated"), "\(bomb.stderr)")
    }

    @Test("oss sample: sizes no image has are refused, not divided by", arguments: [["--width", "0"], ["--height", "-5"], ["--width", "40000"]])
    func sample(size: [String]) throws {
        let files = try Files()
        let sample = try Self.run(["sample", files.folder + "/bad.jpg"] + size)
        #expect(!sample.signalled, "\(sample.stderr)")
        #expect(sample.status != 0)
        #expect(sample.stderr.contains("Error:") || sample.stderr.contains("oss:"), "\(sample.stderr)")
        #expect(!FileManager.default.fileExists(atPath: files.folder + "/bad.jpg"))
    }
}
