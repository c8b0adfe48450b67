#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSSCrypto
import OSSFileIO
import OSSHTTP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the local OSS keeps about an object besides its bytes.
public struct ObjectMetadata: Codable, Sendable, Hashable {
    /// Returned as `Content-Type`.
    public var contentType: String
    /// `x-oss-meta-*` headers, names lowercased, in sorted order.
    public var userMetadata: [String: String]
    /// Other headers OSS stores and returns: Cache-Control, Content-Disposition, Content-Encoding, Expires.
    public var storedHeaders: [String: String]
    /// Uppercase hex MD5, without quotes, as OSS writes ETags of simple uploads.
    public var etag: String
    /// CRC-64/ECMA-182 as a decimal string, as `x-oss-hash-crc64ecma` carries it.
    public var crc64: String
    /// Bytes of the data file.
    public var size: Int64
    /// Unix seconds, returned as `Last-Modified`.
    public var lastModified: Int64
    /// Identity of the data file this record describes; a mismatch means the file was replaced
    /// behind our back (or a crash came between the two renames) and the record is rebuilt.
    public var inode: UInt64
    /// The data file's modification time when recorded.
    public var modifiedNanoseconds: Int64
    /// The object is a folder marker (a key ending in `/`).
    public var isFolder: Bool

    /// The ETag header value, quoted.
    public var quotedETag: String { "\"\(etag)\"" }
}

/// Objects as files under a root folder: `ROOT/BUCKET/KEY`. Metadata and temporary files live
/// under `ROOT/.oss/`, which no bucket name can reach (bucket names cannot start with a dot).
///
/// Every file is reached through a ``ConfinedDirectory`` on the root: nothing is opened, listed,
/// written or removed through a symbolic link that leads out of it, and a symbolic link inside a
/// bucket is not an object. Every method blocks; the service calls them through ``BlockingIO``.
struct ObjectStore: Sendable {
    /// The folder served.
    let root: String
    /// The root, opened once: every path below is relative to it.
    let directory: ConfinedDirectory
    static let temporaryFolder = ".oss/tmp"
    static let metadataFolder = ".oss/meta"

    /// Opens a root folder, creating `.oss/` and clearing crash leftovers.
    init(root: String) throws {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        directory = try ConfinedDirectory(path: root)
        try directory.createDirectories(Self.temporaryFolder)
        try directory.createDirectories(Self.metadataFolder)
        try Self.removeLeftovers(in: directory)
    }

    /// Temporary files of dead processes are garbage: the objects they were meant to replace are
    /// intact. Those of a live process (another service on this root) are left alone.
    static func removeLeftovers(in directory: ConfinedDirectory) throws {
        for entry in try directory.entries(temporaryFolder) {
            guard let name = entry.name else { continue }
            if let dash = name.firstIndex(of: "-"), let pid = Int32(name[..<dash]), pid != getpid(), kill(pid, 0) == 0 || errno == EPERM {
                continue
            }
            try? directory.removeFile(temporaryFolder + "/" + name)
        }
    }

    /// Checks a bucket name as PutBucket does: 3 to 63 of `a-z`, `0-9` and `-`, not starting or
    /// ending with `-`. Every bucket taken from input passes here, save-as targets included.
    static func validateBucket(_ name: String) throws(ServiceError) {
        let bytes = Array(name.utf8)
        let valid = (3...63).contains(bytes.count) && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
            && bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
        guard valid else {
            throw ServiceError(status: 400, code: "InvalidBucketName", message: "The specified bucket is not valid.", ec: "0015-00000001", details: [("BucketName", name)])
        }
    }

    /// Checks a key can be stored as a path under its bucket and cannot escape it.
    static func validateKey(_ key: String) throws(ServiceError) {
        guard !key.isEmpty, key.utf8.count <= 1023 else {
            throw .invalidArgument("The object key must be 1 to 1023 bytes long.", name: "key", value: key, ec: "0016-00000801")
        }
        guard !key.utf8.contains(0) else {
            throw .invalidArgument("The object key must not contain NUL.", name: "key", ec: "0016-00000801")
        }
        guard !key.hasPrefix("/"), !key.hasPrefix("\\") else {
            throw .invalidArgument("The object key must not start with '/' or '\\'.", name: "key", value: key, ec: "0016-00000801")
        }
        let body = key.hasSuffix("/") ? String(key.dropLast()) : key
        for component in body.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component != ".", component != ".." else {
                throw .invalidArgument("This local OSS stores keys as paths, so a key may not contain '.', '..' or empty path segments.", name: "key", value: key, ec: "0016-00000801")
            }
        }
    }

    func objectName(bucket: String, key: String) -> String {
        bucket + "/" + (key.hasSuffix("/") ? String(key.dropLast()) : key)
    }

    func metadataName(bucket: String, key: String) -> String {
        Self.metadataFolder + "/" + bucket + "/" + (key.hasSuffix("/") ? String(key.dropLast()) + ".folder.json" : key + ".json")
    }

    /// `lstat` of a name, where a refused symbolic link (one that leads out of the root) counts as
    /// nothing there.
    func status(_ name: String) throws -> FileStatus? {
        do {
            return try directory.status(name)
        } catch let error as FileIOError where error.isConfinementRefusal {
            return nil
        }
    }

    /// Whether the bucket's folder exists (a symbolic link is not a bucket).
    func bucketExists(_ bucket: String) throws -> Bool {
        try status(bucket)?.isDirectory == true
    }

    /// The buckets: folders of the root with valid bucket names.
    func bucketNames() throws -> [String] {
        try directory.entries("").compactMap { entry -> String? in
            guard entry.kind == .directory, let name = entry.name, (try? Self.validateBucket(name)) != nil else { return nil }
            return name
        }.sorted()
    }

    /// Creates the bucket's folder.
    func createBucket(_ bucket: String) throws {
        try Self.validateBucket(bucket)
        try directory.createDirectories(bucket)
    }

    /// Removes an empty bucket's folder.
    func removeBucket(_ bucket: String) {
        directory.removeEmptyDirectory(bucket)
    }

    /// The object's metadata, rebuilt from the file when missing or stale; nil when there is no object.
    func metadata(bucket: String, key: String) throws -> ObjectMetadata? {
        let name = objectName(bucket: bucket, key: key)
        guard let status = try status(name) else { return nil }
        let recorded = try readMetadata(bucket: bucket, key: key)
        if key.hasSuffix("/") {
            guard status.isDirectory, let recorded, recorded.isFolder else { return nil }
            return recorded
        }
        guard status.isRegularFile else { return nil }
        if let recorded, recorded.inode == status.inode, recorded.size == status.size, recorded.modifiedNanoseconds == status.modifiedNanoseconds {
            return recorded
        }
        // A file dropped in by hand, or a record that lost a race: derive it from the bytes.
        let file = try directory.openForReading(name)
        var md5 = StreamingDigest(.md5)
        var crc = CRC64()
        var offset: Int64 = 0
        while true {
            let chunk = try file.read(at: offset, count: 1 << 20)
            if chunk.isEmpty { break }
            md5.update(chunk)
            crc.update(chunk)
            offset += Int64(chunk.count)
        }
        let fresh = try file.status()
        let rebuilt = ObjectMetadata(
            contentType: recorded?.contentType ?? MediaTypes.guess(forKey: key),
            userMetadata: recorded?.userMetadata ?? [:], storedHeaders: recorded?.storedHeaders ?? [:],
            etag: md5.finalize().hexString.uppercased(), crc64: String(crc.value), size: fresh.size,
            lastModified: fresh.modifiedNanoseconds / 1_000_000_000, inode: fresh.inode,
            modifiedNanoseconds: fresh.modifiedNanoseconds, isFolder: false)
        try? writeMetadata(rebuilt, bucket: bucket, key: key)
        return rebuilt
    }

    /// Opens an object's data file for reading; nil when it is not a regular file.
    func openObject(bucket: String, key: String) throws -> POSIXFile? {
        do {
            let file = try directory.openForReading(objectName(bucket: bucket, key: key))
            return try file.status().isRegularFile ? file : nil
        } catch let error as FileIOError where error.isNotFound || error.isConfinementRefusal {
            return nil
        }
    }

    func readMetadata(bucket: String, key: String) throws -> ObjectMetadata? {
        let name = metadataName(bucket: bucket, key: key)
        guard try status(name)?.isRegularFile == true else { return nil }
        let file = try directory.openForReading(name)
        let bytes = try file.read(at: 0, count: Int(try file.status().size))
        return try? JSONDecoder().decode(ObjectMetadata.self, from: Data(bytes))
    }

    func writeMetadata(_ metadata: ObjectMetadata, bucket: String, key: String) throws {
        let name = metadataName(bucket: bucket, key: key)
        try directory.createDirectories(name.split(separator: "/").dropLast().joined(separator: "/"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let writer = try ConfinedFileWriter(in: directory, temporaryFolder: Self.temporaryFolder)
        try writer.write(Array(try encoder.encode(metadata)))
        try writer.commit(as: name)
    }

    /// Starts writing an object; the old one stays until ``commitObject``. `capacity` simulates
    /// a nearly full disk (fault injection).
    func beginWrite(capacity: Int64? = nil) throws -> ConfinedFileWriter {
        try ConfinedFileWriter(in: directory, temporaryFolder: Self.temporaryFolder, capacity: capacity)
    }

    /// Publishes a completed upload: rename into place, then record its metadata.
    func commitObject(_ writer: ConfinedFileWriter, bucket: String, key: String, metadata: ObjectMetadata) throws -> ObjectMetadata {
        let name = objectName(bucket: bucket, key: key)
        let parent = name.split(separator: "/").dropLast().joined(separator: "/")
        if let existing = try status(parent), !existing.isDirectory {
            writer.abort()
            throw ServiceError.invalidArgument("This local OSS stores keys as paths, and a parent of this key is already an object.", name: "key", value: key)
        }
        if try status(name)?.isDirectory == true {
            writer.abort()
            throw ServiceError.invalidArgument("This local OSS stores keys as paths, and '\(key)/' holds other objects.", name: "key", value: key)
        }
        try directory.createDirectories(parent)
        try writer.commit(as: name)
        guard let status = try status(name) else { throw FileIOError("stat", path: name, code: ENOENT) }
        var metadata = metadata
        metadata.inode = status.inode
        metadata.modifiedNanoseconds = status.modifiedNanoseconds
        metadata.size = status.size
        try writeMetadata(metadata, bucket: bucket, key: key)
        return metadata
    }

    /// Records a folder marker (an empty object whose key ends in `/`).
    func putFolder(bucket: String, key: String, metadata: ObjectMetadata) throws -> ObjectMetadata {
        let name = objectName(bucket: bucket, key: key)
        if let existing = try status(name), !existing.isDirectory {
            throw ServiceError.invalidArgument("'\(key.dropLast())' is already an object.", name: "key", value: key)
        }
        try directory.createDirectories(name)
        var metadata = metadata
        metadata.isFolder = true
        try writeMetadata(metadata, bucket: bucket, key: key)
        return metadata
    }

    /// Deletes an object and its record, and prunes folders it leaves empty. Missing is not an
    /// error; a symbolic link is never deleted through.
    func delete(bucket: String, key: String) throws {
        let name = objectName(bucket: bucket, key: key)
        if key.hasSuffix("/") {
            try directory.removeFile(metadataName(bucket: bucket, key: key))
            directory.removeEmptyDirectory(name)
        } else {
            if let status = try status(name), status.isRegularFile {
                try directory.removeFile(name)
            }
            try directory.removeFile(metadataName(bucket: bucket, key: key))
        }
        // Prune empty parent folders (data and metadata) that are not folder objects themselves.
        var parent = key.hasSuffix("/") ? String(key.dropLast()) : key
        while let slash = parent.lastIndex(of: "/") {
            parent = String(parent[..<slash])
            directory.removeEmptyDirectory(Self.metadataFolder + "/" + bucket + "/" + parent)
            if try readMetadata(bucket: bucket, key: parent + "/") != nil { break }
            directory.removeEmptyDirectory(bucket + "/" + parent)
        }
    }

    /// Every key in the bucket with the prefix, sorted by UTF-8 bytes, as OSS lists them.
    /// Symbolic links are neither listed nor walked into.
    func allKeys(bucket: String, prefix: String) throws -> [[UInt8]] {
        let prefixBytes = Array(prefix.utf8)
        var keys: [[UInt8]] = []
        func walk(_ relative: [UInt8]) throws {
            let folder = relative.isEmpty ? bucket : bucket + "/" + String(decoding: relative, as: UTF8.self)
            for entry in try directory.entries(folder) {
                guard entry.name != nil else { continue }
                let key = relative.isEmpty ? entry.nameBytes : relative + [UInt8(ascii: "/")] + entry.nameBytes
                // Skip whole subtrees that cannot hold a key with the prefix.
                guard key.starts(with: prefixBytes) || prefixBytes.starts(with: key) else { continue }
                switch entry.kind {
                case .directory:
                    if try readMetadata(bucket: bucket, key: String(decoding: key, as: UTF8.self) + "/") != nil { keys.append(key + [UInt8(ascii: "/")]) }
                    try walk(key)
                case .regularFile:
                    keys.append(key)
                default:
                    continue
                }
            }
        }
        try walk([])
        return keys.filter { $0.starts(with: prefixBytes) }.sorted(by: [UInt8].byteOrder)
    }
}
