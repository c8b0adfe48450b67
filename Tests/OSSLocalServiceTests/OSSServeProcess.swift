import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `oss` executable that `swift build --build-tests` puts beside the test bundle.
enum OSSBinary {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "the oss executable is not at \(path): build it with `swift build --build-tests` (or `swift build --product oss`)" }
    }

    static func path() throws -> String {
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oss").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else { throw Missing(path: candidate) }
        return candidate
    }
}

/// A real `oss serve` process (possibly started through a wrapper such as `unshare`), its base
/// URL read from the first line of its stdout.
final class OSSServeProcess: @unchecked Sendable {
    static let accessKeyId = "serve-test-ak"
    static let accessKeySecret = "serve-test-secret"

    let process = Process()
    /// The base URL, or nil when the process ended before printing one.
    private(set) var url: String?
    private let errorPipe = Pipe()

    /// `oss serve --root ROOT --bucket examplebucket` and `extra`.
    convenience init(root: String, extra: [String] = []) throws {
        try self.init(executable: try OSSBinary.path(), arguments: ["serve", "--root", root, "--bucket", "examplebucket"] + extra)
    }

    init(executable: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OSS_ACCESS_KEY_ID"] = Self.accessKeyId
        environment["OSS_ACCESS_KEY_SECRET"] = Self.accessKeySecret
        environment.removeValue(forKey: "OSS_SESSION_TOKEN")
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errorPipe
        try process.run()
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self)
        url = text.hasPrefix("http://") ? text : nil
    }

    /// What the process wrote to stderr, once it has ended.
    var errorOutput: String {
        guard !process.isRunning else { return "" }
        return String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// SIGTERM, then wait.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// SIGKILL: no cleanup of any kind runs in the server.
    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
