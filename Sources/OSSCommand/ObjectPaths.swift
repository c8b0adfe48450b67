import OSSCrypto
import OSSFileIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `oss cp -r` names local files after keys and keys after local files.
///
/// A key is the server's (or whoever wrote the bucket's) text, and a download must never write
/// outside the folder it was given: a key such as `avatars/../../.ssh/authorized_keys` or
/// `/etc/passwd` is refused for that object, with a line saying why, and the copy goes on.
enum ObjectPaths {
    /// Why a key cannot name a file under the destination folder.
    struct UnsafeKey: Error, CustomStringConvertible {
        var key: String
        var reason: String
        var description: String { "the key \(key) cannot be written under the destination folder: \(reason); nothing was written for it." }
    }

    /// The path below a folder for the part of a key after the listed prefix: every segment must
    /// be a plain name, so `..`, `.`, an empty segment (a leading `/`, `a//b`) and NUL are refused.
    static func relativePath(forKey key: String, prefix: String) throws(UnsafeKey) -> String {
        guard key.hasPrefix(prefix) else { throw UnsafeKey(key: key, reason: "it is not under the prefix \(prefix)") }
        let relative = String(key.dropFirst(prefix.count))
        guard !relative.isEmpty else { throw UnsafeKey(key: key, reason: "it names the prefix itself, not a file under it") }
        for segment in relative.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { throw UnsafeKey(key: key, reason: key.hasPrefix("/") ? "it would be an absolute path" : "it has an empty path segment") }
            if segment == ".." { throw UnsafeKey(key: key, reason: "a .. segment would climb out of the folder") }
            if segment == "." { throw UnsafeKey(key: key, reason: "it has a . segment") }
            if segment.utf8.contains(0) { throw UnsafeKey(key: key, reason: "it holds a NUL byte") }
        }
        return relative
    }

    /// A prefix as a folder: empty stays empty (the whole bucket), anything else ends with `/`,
    /// so that `oss://b/photos` means the objects under `photos/`, never `photos2/…`.
    static func folderPrefix(_ key: String) -> String {
        key.isEmpty || key.hasSuffix("/") ? key : key + "/"
    }

    /// The last segment of a path or key.
    static func lastSegment(_ text: String) -> String {
        String(text.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
    }

    /// A folder and a relative path joined with one slash.
    static func join(_ folder: String, _ relative: String) -> String {
        folder.hasSuffix("/") ? folder + relative : folder + "/" + relative
    }
}

/// A regular file found under a folder, by its path relative to the folder.
struct LocalFile: Sendable {
    var relativePath: String
    var path: String
    var size: Int64
}

enum LocalFiles {
    /// Every regular file under `folder` (symlinks to files followed, symlinks to folders not, so
    /// that a link cannot loop the walk or pull in a tree the user did not point at), in name order.
    /// Runs on the caller's thread: call it through `BlockingIO`.
    static func walk(_ folder: String) throws -> [LocalFile] {
        var files: [LocalFile] = []
        var pending: [String] = [""]
        while let relativeFolder = pending.popLast() {
            let absolute = relativeFolder.isEmpty ? folder : ObjectPaths.join(folder, relativeFolder)
            for name in try FileSystem.entries(of: absolute).sorted().reversed() {
                let relative = relativeFolder.isEmpty ? name : relativeFolder + "/" + name
                let path = ObjectPaths.join(folder, relative)
                var linkInfo = stat()
                guard lstat(path, &linkInfo) == 0 else { throw FileIOError("lstat", path: path) }
                let isLink = (linkInfo.st_mode & S_IFMT) == S_IFLNK
                guard let status = try FileStatus.of(path) else { continue } // a dangling link
                if status.isDirectory {
                    if !isLink { pending.append(relative) }
                } else if status.isRegularFile {
                    files.append(LocalFile(relativePath: relative, path: path, size: status.size))
                }
            }
        }
        return files.sorted { $0.relativePath < $1.relativePath }
    }

    /// The CRC-64/ECMA of a file, as OSS computes `x-oss-hash-crc64ecma`, read 1 MiB at a time.
    static func crc64(_ path: String) async throws -> UInt64 {
        try await BlockingIO.run {
            let file = try POSIXFile(readingAt: path)
            let size = try file.status().size
            var crc = CRC64()
            var offset: Int64 = 0
            while offset < size {
                let chunk = try file.read(at: offset, count: Int(min(1 << 20, size - offset)))
                if chunk.isEmpty { break }
                crc.update(chunk)
                offset += Int64(chunk.count)
            }
            return crc.value
        }
    }
}
