import ArgumentParser
import OSS
import OSSFileIO
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One side of `oss cp`: a local path or an `oss://` location.
enum CopyEndpoint: ExpressibleByArgument {
    case local(String)
    case remote(OSSLocation)

    init?(argument: String) {
        if argument.hasPrefix("oss://") {
            guard let location = OSSLocation(argument: argument) else { return nil }
            self = .remote(location)
        } else {
            guard !argument.isEmpty else { return nil }
            self = .local(argument)
        }
    }
}

struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy files to OSS or objects to files; with -r, a whole folder or prefix, several at a time.",
        discussion: """
        FILE oss://BUCKET/KEY uploads (a KEY ending in / takes the file's name); oss://BUCKET/KEY FILE downloads (into a \
        folder, the key's last segment names the file). With -r, a folder is uploaded under a prefix (keys are the paths \
        below the folder) or a prefix is downloaded into a folder (oss://BUCKET/photos means the objects under photos/). \
        Keys that would climb out of the folder (a .. segment), absolute ones and ones with an empty segment are refused, \
        each with its own error, and the rest are copied.

        A file or object already identical at the destination (the same size and CRC-64: the local file's against the \
        object's x-oss-hash-crc64ecma) is skipped; --overwrite copies it anyway. With --process nothing is skipped: a \
        processed image has no stored CRC-64 to compare with, so every object is downloaded again.

        Every file written follows oss get's rules: written beside the destination, verified, then renamed over it; a \
        special file is refused; SIGINT, SIGTERM and SIGHUP leave no partial file at the destination. Files of \
        --multipart-threshold bytes or more are uploaded as multipart uploads, parts in parallel; objects that large are \
        downloaded in ranged parts in parallel, and an interrupted one leaves .NAME.oss-download and its checkpoint \
        beside the destination, from which the next cp resumes. One line sums up: copied, skipped, failed; the exit \
        status is 1 when any object failed.
        """)

    @Argument(help: "A file or folder, or oss://BUCKET/KEY or oss://BUCKET/PREFIX.") var source: CopyEndpoint
    @Argument(help: "oss://BUCKET/KEY or oss://BUCKET/PREFIX/, or a file or folder.") var destination: CopyEndpoint
    @Flag(name: [.short, .long], help: "Copy a folder to a prefix, or a prefix to a folder.") var recursive = false
    @Option(help: "Objects copied at once.") var jobs = 4
    @Option(help: "An x-oss-process applied to every object downloaded, such as image/circle,r_100 (downloads only).")
    var process: String?
    @Flag(help: "Copy even what is already identical at the destination (no comparison request is made).") var overwrite = false
    @Option(name: .customLong("multipart-threshold"), help: "Upload files, and download objects, of this many bytes or more in parts (K, M, G suffixes: 64M).")
    var multipartThreshold: ByteSize = ByteSize(bytes: 64 << 20)
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be 1 to 256.") }
        switch (source, destination) {
        case (.local, .local): throw ValidationError("One of the two must be oss://BUCKET/...: cp copies between files and OSS.")
        case (.remote, .remote): throw ValidationError("Both are oss://: cp copies between files and OSS (for server-side work see oss process).")
        case (.local, .remote):
            if process != nil { throw ValidationError("--process applies to downloads (oss:// to a file), not uploads.") }
        case let (.remote, .local(path)):
            if path == "-" { throw ValidationError("cp writes files; for stdout use oss get oss://BUCKET/KEY -.") }
        }
    }

    func run() async throws {
        let command = self
        try await writingLocalFiles {
            let tally = try await reportingErrors { try await command.copy() }
            print("\(tally.copied) copied, \(tally.skipped) skipped, \(tally.failed) failed")
            if tally.failed > 0 { throw ExitCode(1) }
        }
    }

    private func copy() async throws -> CopyTally {
        let client = try await options.client()
        let progress = TransferProgress()
        defer { progress.finish() }
        let settings = CopySettings(jobs: jobs, process: process, overwrite: overwrite, multipartThreshold: multipartThreshold.bytes,
                                    progress: progress)
        switch (source, destination) {
        case let (.local(path), .remote(location)):
            let bucket = client.bucket(location.bucket)
            return try await recursive ? CopyPlan.uploadFolder(path, to: bucket, prefix: location.key, settings)
                : CopyPlan.uploadFile(path, to: bucket, key: location.key, settings)
        case let (.remote(location), .local(path)):
            let bucket = client.bucket(location.bucket)
            return try await recursive ? CopyPlan.downloadPrefix(location.key, from: bucket, to: path, settings)
                : CopyPlan.downloadSingle(location.key, from: bucket, to: path, settings)
        default:
            throw ValidationError("cp copies between files and OSS.")
        }
    }
}

/// A byte count with an optional K, M or G (binary) suffix.
struct ByteSize: ExpressibleByArgument, Sendable {
    var bytes: Int64

    init(bytes: Int64) { self.bytes = bytes }

    var defaultValueDescription: String { "\(bytes)" }

    init?(argument: String) {
        var digits = Substring(argument)
        var shift: Int64 = 0
        switch digits.last?.uppercased() {
        case "K": shift = 10
        case "M": shift = 20
        case "G": shift = 30
        default: break
        }
        if shift > 0 { digits = digits.dropLast() }
        guard let value = Int64(digits), value >= 0 else { return nil }
        let (scaled, overflow) = value.multipliedReportingOverflow(by: Int64(1) << shift)
        guard !overflow else { return nil }
        bytes = scaled
    }
}
