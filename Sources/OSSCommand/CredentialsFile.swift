import ArgumentParser
import OSSFileIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys read from `--credentials-file`, so that a secret never has to be on the command line,
/// where `ps` and `/proc/PID/cmdline` show it to every user of the machine.
///
/// The format is an env file, the names the environment uses:
///
/// ```
/// # comments and blank lines are ignored; `export ` and quotes around a value are allowed
/// OSS_ACCESS_KEY_ID=LTAI...
/// OSS_ACCESS_KEY_SECRET=...
/// OSS_SESSION_TOKEN=...        (optional, for STS)
/// ```
///
/// Other names are ignored, so one file can also hold, say, `OSS_REGION` for a shell. A file
/// others can write is refused (they could substitute keys); one others can read is used with a
/// warning. A FIFO works too: `--credentials-file <(pass show oss)`.
struct CredentialsFile: Sendable, Equatable {
    var accessKeyId: String?
    var accessKeySecret: String?
    var sessionToken: String?

    /// The help text of every `--credentials-file` option.
    static let help = ArgumentHelp(
        "A file of NAME=value lines: OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, optional OSS_SESSION_TOKEN (# comments). "
            + "Keep it private (chmod 600): a file others can write is refused. It takes precedence over the environment.",
        valueName: "file")

    /// The longest file read: credentials are a few hundred bytes, an STS token a few KiB.
    static let maximumSize = 64 << 10

    /// Reads and parses `path`. Blocking (small metadata and one read): call it through ``BlockingIO``.
    /// Errors name the file and the line, never a value.
    static func load(_ path: String, warn: (String) -> Void) throws -> CredentialsFile {
        let file: POSIXFile
        do {
            file = try POSIXFile(readingAt: path)
        } catch let error as FileIOError {
            throw ValidationError("Cannot read the credentials file \(path): \(String(cString: strerror(error.code))).")
        }
        var info = stat()
        guard fstat(file.descriptor, &info) == 0 else {
            throw ValidationError("Cannot read the credentials file \(path): \(String(cString: strerror(errno))).")
        }
        if (info.st_mode & S_IFMT) == S_IFREG {
            let mode = info.st_mode & 0o777
            if mode & 0o002 != 0 {
                throw ValidationError("The credentials file \(path) can be changed by any user (mode \(octal(mode))); run chmod 600 \(path).")
            }
            if mode & 0o044 != 0 {
                warn("oss: warning: the credentials file \(path) can be read by other users (mode \(octal(mode))); run chmod 600 \(path).\n")
            }
        }
        var bytes: [UInt8] = []
        while bytes.count <= maximumSize {
            let chunk: [UInt8]
            do {
                chunk = try file.read(at: Int64(bytes.count), count: 16 << 10)
            } catch let error as FileIOError {
                throw ValidationError("Cannot read the credentials file \(path): \(String(cString: strerror(error.code))).")
            }
            if chunk.isEmpty { break }
            bytes += chunk
        }
        guard bytes.count <= maximumSize else {
            throw ValidationError("The credentials file \(path) is larger than \(maximumSize / 1024) KiB; it should hold a few NAME=value lines.")
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses the NAME=value lines of a credentials file.
    static func parse(_ text: String, path: String) throws -> CredentialsFile {
        var result = CredentialsFile()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            while let last = line.last, last == "\r" || last == " " || last == "\t" { line = line.dropLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).trimmingPrefix(while: { $0 == " " }) }
            guard let equals = line.firstIndex(of: "=") else {
                // The line is not echoed: it may be a bare secret.
                throw ValidationError("The credentials file \(path), line \(index + 1), is not NAME=value.")
            }
            let name = line[..<equals].droppingTrailing(while: { $0 == " " })
            var value = line[line.index(after: equals)...].trimmingPrefix(while: { $0 == " " })
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = value.dropFirst().dropLast()
            }
            switch name {
            case "OSS_ACCESS_KEY_ID": result.accessKeyId = String(value)
            case "OSS_ACCESS_KEY_SECRET": result.accessKeySecret = String(value)
            case "OSS_SESSION_TOKEN": result.sessionToken = String(value)
            default: continue
            }
        }
        return result
    }

    private static func octal(_ mode: mode_t) -> String {
        "0" + String(mode, radix: 8)
    }
}

extension Substring {
    fileprivate func droppingTrailing(while predicate: (Character) -> Bool) -> Substring {
        var result = self
        while let last = result.last, predicate(last) { result = result.dropLast() }
        return result
    }
}

/// Where the credentials of a command come from: the options (only `oss serve` has them), then
/// `--credentials-file`, then the environment.
struct CredentialSources {
    var accessKeyId: String?
    var accessKeySecret: String?
    var sessionToken: String?

    /// Picks each value from the first source that has it, and warns on stderr when a secret
    /// came from the command line.
    static func resolve(options: CredentialSources, file path: String?, environment: [String: String]) async throws -> CredentialSources {
        if options.accessKeySecret != nil { warnCommandLine("--access-key-secret", variable: "OSS_ACCESS_KEY_SECRET") }
        if options.sessionToken != nil { warnCommandLine("--session-token", variable: "OSS_SESSION_TOKEN") }
        var file = CredentialsFile()
        if let path {
            file = try await BlockingIO.run { try CredentialsFile.load(path, warn: writeStandardError) }
        }
        func pick(_ values: String?...) -> String? {
            values.lazy.compactMap { $0?.trimmingWhitespace() }.first { !$0.isEmpty }
        }
        return CredentialSources(
            accessKeyId: pick(options.accessKeyId, file.accessKeyId, environment["OSS_ACCESS_KEY_ID"]),
            accessKeySecret: pick(options.accessKeySecret, file.accessKeySecret, environment["OSS_ACCESS_KEY_SECRET"]),
            sessionToken: pick(options.sessionToken, file.sessionToken, environment["OSS_SESSION_TOKEN"]))
    }

    static func warnCommandLine(_ option: String, variable: String) {
        writeStandardError("oss: warning: \(option) puts a secret on the command line, where ps and /proc show it to every user; "
            + "use \(variable) or --credentials-file instead.\n")
    }
}
