import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSSConfinedFiles
import OSSFileIO
import OSSImage
import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole (small) file.
func readFile(_ path: String) throws -> [UInt8] {
    let file = try POSIXFile(readingAt: path)
    return try file.read(at: 0, count: Int(try file.status().size))
}

/// A failure at a local file, said in a line without temporary paths.
struct LocalFileError: Error, CustomStringConvertible {
    var description: String
}

/// Checks that `path` may be replaced (missing, a regular file, or a symlink to one), before
/// any work is spent on what would go there.
func checkDestination(_ path: String) async throws {
    try await BlockingIO.run {
        do {
            _ = try AtomicFileWriter.replaceableTarget(of: path)
        } catch {
            throw LocalFileError(error, path: path, while: "examining")
        }
    }
}

/// Writes a file atomically, with the download's rules: a symlink's target is replaced, a
/// special file is refused, and an interrupted command (SIGINT...) leaves the destination
/// untouched.
func writeFile(_ path: String, _ bytes: [UInt8]) async throws {
    try await BlockingIO.run {
        let writer: AtomicFileWriter
        do { writer = try AtomicFileWriter(replacing: path) } catch { throw LocalFileError(error, path: path, while: "creating a temporary file beside") }
        do { try writer.write(bytes) } catch { throw LocalFileError(error, path: path, while: "writing") }
        // Dropping the writer unlinks its temporary file.
        guard !Interruption.interrupted else { throw CancellationError() }
        do { try writer.commit() } catch { throw LocalFileError(error, path: path, while: "moving the new file into place at") }
    }
}

extension LocalFileError {
    /// What went wrong at `path` (as given), without the temporary file's name.
    init(_ error: any Error, path: String, while doing: String) {
        switch error {
        case let error as UnreplaceableDestinationError: description = error.description + "."
        case let error as FileIOError: description = "\(doing) \(path) failed: \(String(cString: strerror(error.code)))."
        default: description = "\(doing) \(path) failed: \(error)."
        }
    }
}

/// Runs a command body that writes local files: SIGINT/SIGTERM/SIGHUP leave no temporary file
/// (see ``Interruption``), and file errors become one `oss:` line and exit status 1.
func writingLocalFiles(_ body: @escaping @Sendable () async throws -> Void) async throws {
    try await Interruption.run {
        do {
            try await body()
        } catch let error as LocalFileError {
            writeStandardError("oss: \(error)\n")
            throw ExitCode(1)
        }
    }
}

struct Image: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply an image process to a local file, as OSS would.")

    @Argument(help: "Source image (jpg, png, webp, bmp, gif, tiff, heic, avif).") var source: String
    @Argument(help: "Destination file (missing, a regular file, or a symlink to one).") var destination: String
    @Option(help: "The process, such as image/circle,r_100/format,png.") var process: String
    @Option(help: "The folder that plays the bucket for image watermarks: image_ names a file in it (the source's folder by default).")
    var objects: String?

    func run() async throws {
        let (source, destination, process) = (self.source, self.destination, self.process)
        let objects = self.objects ?? Self.folder(of: source)
        try await writingLocalFiles {
            do {
                try await checkDestination(destination)
                let input = try await BlockingIO.run { try readFile(source) }
                let images = try await BlockingIO.run { try Self.watermarkImages(process, in: objects) }
                let result = try await BlockingIO.run { try ImageProcessor.process(process, source: input, watermarkImages: images) }
                try await writeFile(destination, result.bytes)
                writeStandardError("\(destination): \(result.width)x\(result.height) \(result.contentType), \(result.bytes.count) bytes\n")
            } catch let error as ImageError {
                writeStandardError("oss: \(error)\n")
                throw ExitCode(1)
            }
        }
    }
}

extension Image {
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The files image watermarks name, read beneath `folder` as objects of a bucket (never
    /// outside it: a key is confined to the folder). A missing one is left out: the engine answers
    /// 404 for it, as OSS does. Past OSS's three, none is read: the engine refuses the process.
    static func watermarkImages(_ process: String, in folder: String) throws -> [String: [UInt8]] {
        let keys = ImageProcessor.watermarkImageKeys(process)
        guard !keys.isEmpty, keys.count <= ImageProcessor.maximumImageWatermarks else { return [:] }
        let directory: ConfinedDirectory
        do { directory = try ConfinedDirectory(path: folder) } catch { throw LocalFileError(error, path: folder, while: "opening") }
        var images: [String: [UInt8]] = [:]
        for key in keys {
            let path = folder + "/" + key
            let file: POSIXFile
            do {
                // Looked at first: opening a FIFO for reading would wait for a writer.
                guard let status = try directory.status(key) else { continue }
                guard status.isRegularFile else { throw LocalFileError(description: "the watermark image \(path) is not a regular file.") }
                file = try directory.openForReading(key)
            } catch let error as LocalFileError {
                throw error
            } catch {
                throw LocalFileError(error, path: path, while: "opening")
            }
            do {
                let size = try file.status().size
                guard size <= Int64(ImageLimits.maximumSourceBytes) else {
                    throw LocalFileError(description: "the watermark image \(path) is \(size) bytes; image processing reads at most 20 MB.")
                }
                images[key] = try file.read(at: 0, count: Int(size))
            } catch let error as LocalFileError {
                throw error
            } catch {
                throw LocalFileError(error, path: path, while: "reading")
            }
        }
        return images
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
        let (destination, width, height, seed) = (self.destination, self.width, self.height, self.seed)
        try await writingLocalFiles {
            try await checkDestination(destination)
            try await writeFile(destination, try SyntheticPhoto.jpeg(width: width, height: height, seed: seed))
        }
    }
}
