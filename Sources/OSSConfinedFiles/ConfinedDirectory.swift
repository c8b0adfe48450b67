import CFileIOShim
import OSSFileIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory that file operations cannot leave: every path is resolved beneath it, and no
/// symbolic link leads out of it.
///
/// A server that stores files under a root folder must not be steered outside that folder by a
/// symbolic link someone planted inside it (`ROOT/bucket -> /etc`), nor by `..` in a name. Plain
/// `open(root + "/" + name)` follows both. Here every call starts from a descriptor of the root:
///
/// - with ``Resolution/openat2`` (Linux 5.6 and later), the kernel resolves the whole path with
///   `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`: `..`, absolute links and links that point outside
///   the root fail with `EXDEV`; a link that stays inside the root may be crossed on the way;
/// - with ``Resolution/walk`` (older kernels, seccomp profiles that refuse openat2, Darwin), each
///   component is opened with `openat(..., O_NOFOLLOW)` from the previous one, so no symbolic
///   link is crossed at all.
///
/// Either way the last component of a path is never followed when it is a symbolic link
/// (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`): it is reported as a link, and opening it fails with
/// `ELOOP`. Names are relative, `/`-separated, and may not contain empty, `.` or `..` components.
///
/// Blocking, like everything in this module: call it through ``BlockingIO``.
public final class ConfinedDirectory: Sendable {
    /// How paths are resolved beneath the root.
    public enum Resolution: String, Sendable, Hashable {
        /// `openat2(2)` with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`.
        case openat2
        /// A component-by-component `openat(2)` walk with `O_NOFOLLOW`.
        case walk
    }

    /// How this directory resolves paths.
    public let resolution: Resolution
    private let descriptor: Int32

    /// Opens `path` (which itself may be reached through symbolic links: it is the caller's
    /// choice of root). By default `openat2` is used when the kernel allows it.
    public init(path: String, resolution: Resolution? = nil) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError("open", path: path) }
        descriptor = fd
        let available = Self.openat2Works(on: fd)
        if resolution == .openat2 && !available {
            close(fd)
            throw FileIOError("openat2", path: path, code: ENOSYS)
        }
        self.resolution = resolution ?? (available ? .openat2 : .walk)
    }

    deinit {
        close(descriptor)
    }

    /// Whether `openat2` answers at all: ENOSYS on old kernels, EPERM under some seccomp filters.
    private static func openat2Works(on directory: Int32) -> Bool {
        #if os(Linux)
        let fd = swift_oss_openat2(directory, ".", UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0,
                                   UInt64(SWIFT_OSS_RESOLVE_BENEATH | SWIFT_OSS_RESOLVE_NO_MAGICLINKS))
        guard fd >= 0 else { return false }
        close(fd)
        return true
        #else
        return false
        #endif
    }

    // MARK: Names

    /// The components of a relative name; empty for the root itself ("" or ".").
    static func components(_ relative: String) throws -> [String] {
        if relative.isEmpty || relative == "." { return [] }
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            guard !part.isEmpty, part != ".", part != "..", !part.utf8.contains(0) else {
                throw FileIOError("resolve", path: relative, code: EINVAL)
            }
        }
        return parts
    }

    /// Splits a name into its parent's name and its last component.
    static func split(_ relative: String) throws -> (parent: String, name: String) {
        let parts = try components(relative)
        guard let name = parts.last else { throw FileIOError("resolve", path: relative, code: EINVAL) }
        return (parts.dropLast().joined(separator: "/"), name)
    }

    // MARK: Opening

    /// Opens a name beneath the root with `open(2)` flags (`O_CLOEXEC` and `O_NOFOLLOW` are
    /// always added). Returns the descriptor, which the caller owns.
    public func openDescriptor(_ relative: String, flags: Int32, mode: mode_t = 0) throws -> Int32 {
        let parts = try Self.components(relative)
        let flags = flags | O_CLOEXEC | O_NOFOLLOW
        switch resolution {
        case .openat2:
            #if os(Linux)
            let path = parts.isEmpty ? "." : parts.joined(separator: "/")
            while true {
                let fd = swift_oss_openat2(descriptor, path, UInt64(UInt32(bitPattern: flags)), UInt64(mode),
                                           UInt64(SWIFT_OSS_RESOLVE_BENEATH | SWIFT_OSS_RESOLVE_NO_MAGICLINKS))
                if fd >= 0 { return fd }
                if errno == EINTR || errno == EAGAIN { continue }
                throw FileIOError("openat2", path: relative)
            }
            #else
            throw FileIOError("openat2", path: relative, code: ENOSYS)
            #endif
        case .walk:
            guard let last = parts.last else {
                return try retrying("openat", relative) { swift_oss_openat(descriptor, ".", flags, UInt32(mode)) }
            }
            var current = descriptor
            defer { if current != descriptor { close(current) } }
            for part in parts.dropLast() {
                let next = try retrying("openat", relative) {
                    swift_oss_openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
                }
                if current != descriptor { close(current) }
                current = next
            }
            return try retrying("openat", relative) { swift_oss_openat(current, last, flags, UInt32(mode)) }
        }
    }

    private func retrying(_ operation: String, _ relative: String, _ call: () -> Int32) throws -> Int32 {
        while true {
            let fd = call()
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw FileIOError(operation, path: relative)
        }
    }

    /// A directory beneath the root, opened for the `*at` calls.
    private func openDirectory(_ relative: String) throws -> Int32 {
        try openDescriptor(relative, flags: O_RDONLY | O_DIRECTORY)
    }

    /// Runs `body` with the descriptor of `relative`'s parent directory and its last component.
    private func inParent<T>(_ relative: String, _ body: (Int32, String) throws -> T) throws -> T {
        let (parent, name) = try Self.split(relative)
        let fd = try openDirectory(parent)
        defer { close(fd) }
        return try body(fd, name)
    }

    /// Opens a regular file for reading. A symbolic link fails with `ELOOP`.
    public func openForReading(_ relative: String) throws -> POSIXFile {
        POSIXFile(descriptor: try openDescriptor(relative, flags: O_RDONLY), path: relative)
    }

    /// Creates a new file for writing; fails with `EEXIST` when the name is taken.
    public func createFile(_ relative: String, mode: mode_t = 0o644) throws -> POSIXFile {
        POSIXFile(descriptor: try openDescriptor(relative, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode), path: relative)
    }

    // MARK: Inspecting

    /// `lstat` of a name beneath the root; nil when it (or a parent) does not exist. A symbolic
    /// link is described, not followed.
    public func status(_ relative: String) throws -> FileStatus? {
        if try Self.components(relative).isEmpty {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw FileIOError("fstat", path: ".") }
            return FileStatus(info)
        }
        do {
            return try inParent(relative) { parent, name in
                var info = stat()
                guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                    if errno == ENOENT || errno == ENOTDIR { return nil }
                    throw FileIOError("fstatat", path: relative)
                }
                return FileStatus(info)
            }
        } catch let error as FileIOError where error.isNotFound {
            return nil
        }
    }

    /// The entries of a directory beneath the root, without `.` and `..`; empty when it does not
    /// exist. Names are raw bytes: a file system name need not be UTF-8.
    public func entries(_ relative: String) throws -> [DirectoryEntry] {
        let fd: Int32
        do {
            fd = try openDirectory(relative)
        } catch let error as FileIOError where error.isNotFound {
            return []
        }
        guard let dir = fdopendir(fd) else {
            let error = FileIOError("fdopendir", path: relative)
            close(fd)
            throw error
        }
        defer { closedir(dir) }
        var result: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw FileIOError("readdir", path: relative) }
                break
            }
            let name: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            var kind = DirectoryEntry.Kind(type: entry.pointee.d_type)
            if kind == .unknown {
                var info = stat()
                let cName = name.map { CChar(bitPattern: $0) } + [0]
                if fstatat(dirfd(dir), cName, &info, AT_SYMLINK_NOFOLLOW) == 0 { kind = FileStatus(info).kind }
            }
            result.append(DirectoryEntry(nameBytes: name, kind: kind))
        }
        return result
    }

    // MARK: Changing

    /// `mkdir` of one directory; returns false when it already existed.
    @discardableResult
    public func createDirectory(_ relative: String, mode: mode_t = 0o755) throws -> Bool {
        try inParent(relative) { parent, name in
            if mkdirat(parent, name, mode) == 0 { return true }
            if errno == EEXIST { return false }
            throw FileIOError("mkdirat", path: relative)
        }
    }

    /// `mkdir -p` beneath the root; returns the names of the directories it created, outermost
    /// first (their parents need an `fsync` for the new entries to survive a crash).
    @discardableResult
    public func createDirectories(_ relative: String) throws -> [String] {
        var created: [String] = []
        var prefix: [String] = []
        for part in try Self.components(relative) {
            prefix.append(part)
            let name = prefix.joined(separator: "/")
            if try createDirectory(name) { created.append(name) }
        }
        return created
    }

    /// Removes a file (or a symbolic link itself, never its target); a missing one is not an error.
    public func removeFile(_ relative: String) throws {
        do {
            try inParent(relative) { parent, name in
                if unlinkat(parent, name, 0) != 0 && errno != ENOENT {
                    throw FileIOError("unlinkat", path: relative)
                }
            }
        } catch let error as FileIOError where error.code == ENOENT {
            return
        }
    }

    /// Removes an empty directory; returns false when it is missing or not empty.
    @discardableResult
    public func removeEmptyDirectory(_ relative: String) -> Bool {
        (try? inParent(relative) { parent, name in unlinkat(parent, name, AT_REMOVEDIR) == 0 }) ?? false
    }

    /// Atomically replaces `destination` with `source` (both beneath the root).
    public func rename(_ source: String, to destination: String) throws {
        try inParent(source) { sourceParent, sourceName in
            try inParent(destination) { destinationParent, destinationName in
                guard renameat(sourceParent, sourceName, destinationParent, destinationName) == 0 else {
                    throw FileIOError("renameat", path: destination)
                }
            }
        }
    }

    /// `fsync` of a directory, so that the entries just created, renamed or removed in it
    /// survive a crash.
    public func syncDirectory(_ relative: String) throws {
        let fd = try openDirectory(relative)
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileIOError("fsync", path: relative) }
    }
}

/// One name in a directory.
public struct DirectoryEntry: Sendable, Hashable {
    /// What kind of file an entry is.
    public enum Kind: Sendable, Hashable {
        case regularFile, directory, symbolicLink, other, unknown

        init(type: UInt8) {
            switch Int32(type) {
            case Int32(DT_REG): self = .regularFile
            case Int32(DT_DIR): self = .directory
            case Int32(DT_LNK): self = .symbolicLink
            case Int32(DT_UNKNOWN): self = .unknown
            default: self = .other
            }
        }
    }

    /// The name exactly as the file system holds it.
    public var nameBytes: [UInt8]
    /// What it is (a symbolic link is reported as one, never followed).
    public var kind: Kind

    /// The name as text, or nil when it is not valid UTF-8.
    public var name: String? { String(validating: nameBytes, as: UTF8.self) }
}

extension FileStatus {
    /// The entry kind this status describes.
    public var kind: DirectoryEntry.Kind {
        if isRegularFile { return .regularFile }
        if isDirectory { return .directory }
        if isSymbolicLink { return .symbolicLink }
        return .other
    }
}

extension FileIOError {
    /// The call refused to follow a symbolic link or to leave the root (`ELOOP`, `EXDEV`).
    public var isConfinementRefusal: Bool { code == ELOOP || code == EXDEV }

    /// The storage is full: no space (`ENOSPC`) or over quota (`EDQUOT`).
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }
}
