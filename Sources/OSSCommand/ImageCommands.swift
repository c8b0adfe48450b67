import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSSFileIO
import OSSImage
import OSSImageProcess

/// Reads a whole (small) file.
func readFile(_ path: String) throws -> [UInt8] {
    let file = try POSIXFile(readingAt: path)
    return try file.read(at: 0, count: Int(try file.status().size))
}

/// Writes a file atomically.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let writer = try AtomicFileWriter(destination: path)
    try writer.write(bytes)
    try writer.commit()
}

struct Image: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply an image process to a local file, as OSS would.")

    @Argument(help: "Source image (jpg, png, webp, bmp).") var source: String
    @Argument(help: "Destination file.") var destination: String
    @Option(help: "The process, such as image/circle,r_100/format,png.") var process: String

    func run() async throws {
        do {
            let result = try ImageProcessor.process(process, source: try readFile(source))
            try writeFile(destination, result.bytes)
            writeStandardError("\(destination): \(result.width)x\(result.height) \(result.contentType), \(result.bytes.count) bytes\n")
        } catch let error as ImageError {
            writeStandardError("oss: \(error)\n")
            throw ExitCode(1)
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a server's processed image against the local kernel, offline.",
        discussion: "Exit status 0 on a match, 1 on a mismatch, 2 on bad input.")

    @Option(help: "The original image the server processed.") var source: String
    @Option(help: "The process the server applied.") var process: String
    @Argument(help: "What the server returned.") var output: String

    func run() async throws {
        do {
            let parsed: ImageProcess
            do { parsed = try ImageProcess(parsing: process) } catch { throw ImageError(error) }
            let report = try ImageVerifier.verify(source: try readFile(source), process: parsed, output: try readFile(output))
            print(report)
            if !report.matches { throw ExitCode(1) }
        } catch let error as ImageError {
            writeStandardError("oss: \(error)\n")
            throw ExitCode(2)
        }
    }
}

struct Sample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a generated photo-like JPEG (for demos and tests).")

    @Argument(help: "Destination file.") var destination: String
    @Option var width = 1200
    @Option var height = 800
    @Option var seed: UInt64 = 1

    func run() async throws {
        try writeFile(destination, try SyntheticPhoto.jpeg(width: width, height: height, seed: seed))
    }
}
