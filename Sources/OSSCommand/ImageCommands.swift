import ArgumentParser
import OSS
import OSSConfinedFiles
import OSSFileIO
import OSSImage
import OSSImageProcess

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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
    static let configuration = CommandConfiguration(commandName: "image", abstract: "Apply an image process to a local file, as OSS would.")

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
        commandName: "verify",
        abstract: "Check a server's processed image against the local kernel, offline; or a whole folder of them.",
        discussion: """
            Runs the process on the source locally and compares the server's output with the result, \
            check by check: format, size (within 1 px where OSS leaves rounding open), placement, \
            shape and background, pad colour, pixel agreement, and each action's own check (tone, \
            sharpness, the watermark's ink, place and colour, quality, interlace; info and average-hue \
            as OSS's JSON). It prints a line \
            per check, or with --json one JSON object with every figure.
            Exit status 0 on a match, 1 on a mismatch, 2 on bad input (a file that cannot be read, \
            a process the local kernels refuse, an output that is not an image).

            When OUTPUT is a folder (what oss cp -r --process wrote), --source is the folder or \
            oss://BUCKET/PREFIX of the originals: each file under OUTPUT is checked against the source \
            at the same relative path, with one verdict line a file (MATCH, MISMATCH and the checks \
            that failed, or ERROR and why) and a summary. Exit status 0 when every file matches, 1 when \
            any mismatches, 2 when any could not be checked.
            """)

    @Option(help: "The original image the server processed; for a folder of outputs, the folder or oss://BUCKET/PREFIX of the originals.")
    var source: String
    @Option(help: "The process the server applied.") var process: String
    @Argument(help: "What the server returned: a file, or a folder of files.") var output: String
    @Flag(help: "Print the report as JSON (every check with its figures) instead of text.") var json = false
    @Option(help: "The folder that plays the bucket for image watermarks: image_ names a file in it (the source's folder by default).")
    var objects: String?
    @Option(help: "For a folder: files checked at once.") var jobs = 4
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be 1 to 256.") }
    }

    func run() async throws {
        let (source, process, output, json) = (self.source, self.process, self.output, self.json)
        let isFolder = (try? await BlockingIO.run { try FileStatus.of(output) })??.isDirectory ?? false
        if isFolder {
            try await verifyFolder()
            return
        }
        let objects = self.objects ?? Image.folder(of: source)
        let report: VerificationReport
        do {
            let sourceBytes = try await Self.read(source)
            report = try await Self.verify(sourceBytes, process: process, outputPath: output, objects: objects)
        } catch let error as ImageError {
            writeStandardError("oss: \(error)\n")
            throw ExitCode(2)
        } catch let error as LocalFileError {
            writeStandardError("oss: \(error)\n")
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report)
        }
        if !report.matches { throw ExitCode(1) }
    }

    /// One file's verification: the source's bytes, the process, the output read from `outputPath`.
    static func verify(_ sourceBytes: [UInt8], process: String, outputPath: String, objects: String) async throws -> VerificationReport {
        let parsed: ImageProcess
        do { parsed = try ImageProcess(parsing: process) } catch { throw ImageError(error) }
        let outputBytes = try await Self.read(outputPath)
        let images = try await BlockingIO.run { try Image.watermarkImages(process, in: objects) }
        // Image work stays off Swift's cooperative pool.
        return try await BlockingIO.run {
            try ImageVerifier.verify(source: sourceBytes, process: parsed, output: outputBytes, watermarkImages: images)
        }
    }

    /// A file's bytes, or a ``LocalFileError`` naming it.
    static func read(_ path: String) async throws -> [UInt8] {
        try await BlockingIO.run {
            do { return try readFile(path) } catch { throw LocalFileError(error, path: path, while: "reading") }
        }
    }
}
struct Sample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Write a generated photo-like JPEG (for demos and tests).")

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
