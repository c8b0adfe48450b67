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
    /// Set by ``init(replacing:temporaryDirectory:)``: the destination is checked again just
    /// before the rename, so a special file that appeared meanwhile is not replaced either.
    private var refusesSpecialDestination = false

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
            if refusesSpecialDestination { _ = try Self.replaceableTarget(of: destination) }
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

// MARK: Replacing only what may be replaced

/// A destination a download must not replace: a device, a FIFO, a socket, a folder, a dangling
/// or looping symlink. `path` is the path as the caller gave it.
public struct UnreplaceableDestinationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The destination as given.
    public var path: String
    /// What is there, or why it cannot be resolved ("a FIFO", "a symlink to a missing file"...).
    public var found: String

    /// The path that cannot be replaced, and what is there.
    public init(path: String, found: String) {
        self.path = path
        self.found = found
    }

    /// Names the path and what was found there, and says what could be replaced.
    public var description: String {
        "\(path) is \(found); only a regular file, or a symlink to one, can be replaced"
    }
}

extension AtomicFileWriter {
    /// A writer whose commit replaces what `path` *names*, never a special file:
    ///
    /// - nothing at `path`: the new file appears there;
    /// - a regular file: it is replaced;
    /// - a symlink, or a chain of them, ending at a regular file: that file is replaced (the
    ///   temporary file lives beside it, so the rename stays on its file system) and the links stay
    ///   links;
    /// - anything else (a device such as `/dev/null`, a FIFO, a socket, a folder, a dangling or
    ///   looping link): ``UnreplaceableDestinationError``, before anything is created.
    ///
    /// Renaming over `/dev/null` as root would replace the device with a regular file; this is
    /// what keeps a download from doing that.
    public convenience init(replacing path: String, temporaryDirectory: String? = nil) throws {
        let target = try Self.replaceableTarget(of: path)
        try self.init(destination: target, temporaryDirectory: temporaryDirectory)
        refusesSpecialDestination = true
    }

    /// The path a replacement of `path` must be renamed to: `path` itself when nothing or a
    /// regular file is there, the end of the chain when it is a symlink to a regular file.
    /// Throws ``UnreplaceableDestinationError`` for anything else, and ``FileIOError`` when the
    /// path cannot be examined (permissions). Blocking, but only metadata: no file is opened.
    public static func replaceableTarget(of path: String) throws -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return path }
            if errno == ENOTDIR { throw UnreplaceableDestinationError(path: path, found: "inside something that is not a folder") }
            throw FileIOError("lstat", path: path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return path
        case S_IFLNK:
            guard let resolved = realpath(path, nil) else {
                switch errno {
                case ENOENT: throw UnreplaceableDestinationError(path: path, found: "a symlink to a missing file")
                case ELOOP: throw UnreplaceableDestinationError(path: path, found: "a symlink loop")
                default: throw FileIOError("realpath", path: path)
                }
            }
            let target = String(cString: resolved)
            free(resolved)
            var targetInfo = stat()
            guard stat(target, &targetInfo) == 0 else { throw FileIOError("stat", path: target) }
            guard (targetInfo.st_mode & S_IFMT) == S_IFREG else {
                throw UnreplaceableDestinationError(path: path, found: "a symlink to \(Self.kindName(targetInfo.st_mode))")
            }
            return target
        default:
            throw UnreplaceableDestinationError(path: path, found: Self.kindName(info.st_mode))
        }
    }

    /// "a FIFO", "a character device"... for messages.
    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a folder"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symlink"
        default: "a special file"
        }
    }
}
