#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with the call, the path and `errno`'s text.
public struct FileIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The system call that failed.
    public var operation: String
    /// The file it was called on.
    public var path: String
    /// `errno`.
    public var code: Int32

    /// Captures `errno` unless a code is given.
    public init(_ operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// The operation, the path and the system's reason.
    public var description: String {
        "\(operation) \(path): \(reason)"
    }

    /// `errno`'s text alone, without the path: what a server may show its clients.
    public var reason: String { String(cString: strerror(code)) }

    /// The file or directory does not exist.
    public var isNotFound: Bool { code == ENOENT || code == ENOTDIR }
}

/// An open file descriptor that closes itself. Blocking: call it through ``BlockingIO``.
public final class POSIXFile: @unchecked Sendable {
    /// The open descriptor; closed on deinit.
    public let descriptor: Int32
    /// The path it was opened from.
    public let path: String

    /// Opens for reading.
    public init(readingAt path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError("open", path: path) }
        descriptor = fd
        self.path = path
    }

    /// Opens for reading and writing at offsets, creating the file (mode 0644) when it is missing.
    /// A symlink at `path` is refused (`ELOOP`): a file written in place must be the one named,
    /// never wherever a link planted beside a destination points.
    public init(updatingAt path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw FileIOError("open", path: path) }
        descriptor = fd
        self.path = path
    }

    package init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// The size and modification time, from `fstat`.
    public func status() throws -> FileStatus {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileIOError("fstat", path: path) }
        return FileStatus(info)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    ///
    /// Into an uninitialised buffer: the kernel's copy is the first touch of each page, where
    /// zeroing it first touched (and faulted in) every page once more (a 3 MiB source was a
    /// millisecond of an `oss image` process).
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var failure: FileIOError?
        let buffer = [UInt8](unsafeUninitializedCapacity: count) { raw, initialized in
            var filled = 0
            while filled < count {
                let n = pread(descriptor, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = FileIOError("read", path: path)
                    break
                }
                if n == 0 { break }
                filled += n
            }
            initialized = failure == nil ? filled : 0
        }
        if let failure { throw failure }
        return buffer
    }

    /// Writes all of `bytes`, retrying short writes and interruptions.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var written = 0
        while written < bytes.count {
            let n = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("write", path: path)
            }
            written += n
        }
    }

    /// Writes all of `bytes` at `offset` (`pwrite`), leaving the file position alone, so several
    /// writers can fill different ranges of one file at once.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        var written = 0
        while written < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("write", path: path)
            }
            written += n
        }
    }

    /// Takes an exclusive advisory lock (`flock`) without waiting; false when another open file
    /// holds it. The lock goes with the descriptor, so a killed process never leaves it behind.
    public func lockExclusively() throws -> Bool {
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw FileIOError("flock", path: path)
        }
        return true
    }

    /// Sets the file's length (`ftruncate`): shorter drops the tail, longer adds a hole of zeros.
    public func truncate(to length: Int64) throws {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw FileIOError("ftruncate", path: path) }
    }

    /// Flushes data and metadata to stable storage.
    public func sync() throws {
        guard fsync(descriptor) == 0 else { throw FileIOError("fsync", path: path) }
    }
}

/// What `stat` says about a file.
public struct FileStatus: Sendable, Hashable {
    /// Bytes.
    public var size: Int64
    /// Modification time, nanoseconds since the epoch.
    public var modifiedNanoseconds: Int64
    /// Identity of the file: changes when it is replaced by a rename.
    public var inode: UInt64
    /// A folder.
    public var isDirectory: Bool
    /// A plain file.
    public var isRegularFile: Bool
    /// A symbolic link (only reported by calls that do not follow links, such as
    /// ``ConfinedDirectory/status(_:)``).
    public var isSymbolicLink: Bool

    package init(_ info: stat) {
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modifiedNanoseconds = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
        inode = UInt64(info.st_ino)
        isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
        isSymbolicLink = (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// `stat` of a path; nil when it does not exist.
    public static func of(_ path: String) throws -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw FileIOError("stat", path: path)
        }
        return FileStatus(info)
    }
}

/// Directory helpers used by the local OSS storage.
public enum FileSystem {
    /// `mkdir -p`.
    public static func createDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileIOError("mkdir", path: current)
            }
        }
    }

    /// Names in a directory, without `.` and `..`; empty when it does not exist.
    public static func entries(of path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw FileIOError("opendir", path: path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file; a missing file is not an error.
    public static func removeFile(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw FileIOError("unlink", path: path)
        }
    }

    /// Removes an empty directory; a missing or non-empty one is left alone.
    public static func removeEmptyDirectory(_ path: String) {
        _ = rmdir(path)
    }

    /// Atomically replaces `destination` with `source` (same file system).
    public static func moveReplacing(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else { throw FileIOError("rename", path: destination) }
    }

    /// fsyncs a directory, so that a rename inside it survives a crash.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError("open", path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileIOError("fsync", path: path) }
    }
}
