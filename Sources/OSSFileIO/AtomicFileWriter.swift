#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either the old content or the complete new content, never a
/// mix and never a partial file: a temporary file beside the destination, `fsync`, `rename`, and an
/// `fsync` of the directory.
///
/// Until ``commit()`` the destination is untouched. ``abort()`` (or deinit without a commit)
/// removes the temporary file, so no failure path leaves debris behind. Blocking: use it through
/// ``BlockingIO``.
public final class AtomicFileWriter: @unchecked Sendable {
    /// Where the file will appear on commit.
    public let destination: String
    /// The temporary file being written.
    public let temporaryPath: String
    private let file: POSIXFile
    private var finished = false

    /// - Parameter temporaryDirectory: where the temporary file lives; by default the destination's
    ///   directory, which guarantees the final rename stays on one file system.
    public init(destination: String, temporaryDirectory: String? = nil) throws {
        self.destination = destination
        let directory = temporaryDirectory ?? Self.directoryOf(destination)
        let base = destination.split(separator: "/").last.map(String.init) ?? "file"
        var template = Array("\(directory)/.\(base.prefix(64)).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        guard fd >= 0 else { throw FileIOError("mkstemp", path: path) }
        fchmod(fd, 0o644)
        temporaryPath = path
        file = POSIXFile(descriptor: fd, path: path)
    }

    deinit {
        if !finished { unlink(temporaryPath) }
    }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try file.writeAll(bytes)
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try file.writeAll($0) }
    }

    /// Flushes what has been written so far to disk (`fdatasync`), from any thread, while writes
    /// continue: run during a long download, it leaves little for ``commit()``'s final sync.
    public func flushWritten() {
        #if canImport(Glibc)
        _ = fdatasync(file.descriptor)
        #else
        _ = fsync(file.descriptor)
        #endif
    }

    /// Makes the new content durable and visible at ``destination`` in one step.
    public func commit() throws {
        precondition(!finished, "AtomicFileWriter committed or aborted twice")
        do {
            try file.sync()
            try FileSystem.moveReplacing(temporaryPath, to: destination)
            finished = true
            try FileSystem.syncDirectory(Self.directoryOf(destination))
        } catch {
            if !finished { abort() }
            throw error
        }
    }

    /// Drops the temporary file; the destination is left as it was.
    public func abort() {
        guard !finished else { return }
        finished = true
        unlink(temporaryPath)
    }

    /// The directory part of a path ("." when there is none).
    public static func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
