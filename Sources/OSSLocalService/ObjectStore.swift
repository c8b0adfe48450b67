#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSSCrypto
import OSSFileIO
import OSSHTTP

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
/// Every method blocks; the service calls them through ``BlockingIO``.
public struct ObjectStore: Sendable {
    /// The folder served.
    public let root: String

    /// Opens a root folder, creating `.oss/` and clearing crash leftovers.
    public init(root: String) throws {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        try FileSystem.createDirectories(temporaryDirectory)
        try FileSystem.createDirectories(root + "/.oss/meta")
        // Temporary files left by a crash are garbage: the objects they were meant to replace are intact.
        for name in try FileSystem.entries(of: temporaryDirectory) {
            try? FileSystem.removeFile(temporaryDirectory + "/" + name)
        }
    }

    var temporaryDirectory: String { root + "/.oss/tmp" }

    /// Checks a key can be stored as a path under its bucket and cannot escape it.
    public static func validateKey(_ key: String) throws(ServiceError) {
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

    func bucketPath(_ bucket: String) -> String { root + "/" + bucket }

    func objectPath(bucket: String, key: String) -> String {
        bucketPath(bucket) + "/" + (key.hasSuffix("/") ? String(key.dropLast()) : key)
    }

    func metadataPath(bucket: String, key: String) -> String {
        root + "/.oss/meta/" + bucket + "/" + (key.hasSuffix("/") ? String(key.dropLast()) + ".folder.json" : key + ".json")
    }

    /// Whether the bucket's folder exists.
    public func bucketExists(_ bucket: String) throws -> Bool {
        try FileStatus.of(bucketPath(bucket))?.isDirectory == true
    }

    /// Creates the bucket's folder (`mkdir -p`).
    public func createBucket(_ bucket: String) throws {
        try FileSystem.createDirectories(bucketPath(bucket))
    }

    /// The object's metadata, rebuilt from the file when missing or stale; nil when there is no object.
    public func metadata(bucket: String, key: String) throws -> ObjectMetadata? {
        let path = objectPath(bucket: bucket, key: key)
        guard let status = try FileStatus.of(path) else { return nil }
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
        let file = try POSIXFile(readingAt: path)
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

    func readMetadata(bucket: String, key: String) throws -> ObjectMetadata? {
        let path = metadataPath(bucket: bucket, key: key)
        guard try FileStatus.of(path) != nil else { return nil }
        let file = try POSIXFile(readingAt: path)
        let bytes = try file.read(at: 0, count: Int(try file.status().size))
        return try? JSONDecoder().decode(ObjectMetadata.self, from: Data(bytes))
    }

    func writeMetadata(_ metadata: ObjectMetadata, bucket: String, key: String) throws {
        let path = metadataPath(bucket: bucket, key: key)
        try FileSystem.createDirectories(AtomicFileWriter.directoryOf(path))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let writer = try AtomicFileWriter(destination: path, temporaryDirectory: temporaryDirectory)
        try writer.write(Array(try encoder.encode(metadata)))
        try writer.commit()
    }

    /// Starts writing an object; the old one stays until ``commitObject``.
    func beginWrite(bucket: String, key: String) throws -> AtomicFileWriter {
        let path = objectPath(bucket: bucket, key: key)
        return try AtomicFileWriter(destination: path, temporaryDirectory: temporaryDirectory)
    }

    /// Publishes a completed upload: rename into place, then record its metadata.
    func commitObject(_ writer: AtomicFileWriter, bucket: String, key: String, metadata: ObjectMetadata) throws -> ObjectMetadata {
        let path = objectPath(bucket: bucket, key: key)
        let directory = AtomicFileWriter.directoryOf(path)
        if let existing = try FileStatus.of(directory), !existing.isDirectory {
            writer.abort()
            throw ServiceError.invalidArgument("This local OSS stores keys as paths, and '\(AtomicFileWriter.directoryOf(key))' is already an object.", name: "key", value: key)
        }
        if try FileStatus.of(path)?.isDirectory == true {
            writer.abort()
            throw ServiceError.invalidArgument("This local OSS stores keys as paths, and '\(key)/' holds other objects.", name: "key", value: key)
        }
        try FileSystem.createDirectories(directory)
        try writer.commit()
        let status = try FileStatus.of(path)!
        var metadata = metadata
        metadata.inode = status.inode
        metadata.modifiedNanoseconds = status.modifiedNanoseconds
        metadata.size = status.size
        try writeMetadata(metadata, bucket: bucket, key: key)
        return metadata
    }

    /// Records a folder marker (an empty object whose key ends in `/`).
    func putFolder(bucket: String, key: String, metadata: ObjectMetadata) throws -> ObjectMetadata {
        let path = objectPath(bucket: bucket, key: key)
        if let existing = try FileStatus.of(path), !existing.isDirectory {
            throw ServiceError.invalidArgument("'\(key.dropLast())' is already an object.", name: "key", value: key)
        }
        try FileSystem.createDirectories(path)
        var metadata = metadata
        metadata.isFolder = true
        try writeMetadata(metadata, bucket: bucket, key: key)
        return metadata
    }

    /// Deletes an object and its record, and prunes folders it leaves empty. Missing is not an error.
    func delete(bucket: String, key: String) throws {
        let path = objectPath(bucket: bucket, key: key)
        if key.hasSuffix("/") {
            try FileSystem.removeFile(metadataPath(bucket: bucket, key: key))
            FileSystem.removeEmptyDirectory(path)
        } else {
            if let status = try FileStatus.of(path), status.isRegularFile {
                try FileSystem.removeFile(path)
            }
            try FileSystem.removeFile(metadataPath(bucket: bucket, key: key))
        }
        // Prune empty parent folders (data and metadata) that are not folder objects themselves.
        var parent = AtomicFileWriter.directoryOf(key.hasSuffix("/") ? String(key.dropLast()) : key)
        while parent != "." && parent != "/" && !parent.isEmpty {
            FileSystem.removeEmptyDirectory(root + "/.oss/meta/" + bucket + "/" + parent)
            if try readMetadata(bucket: bucket, key: parent + "/") != nil { break }
            FileSystem.removeEmptyDirectory(bucketPath(bucket) + "/" + parent)
            parent = AtomicFileWriter.directoryOf(parent)
        }
    }

    /// Every key in the bucket, sorted by UTF-8 bytes, as OSS lists them.
    func allKeys(bucket: String, prefix: String) throws -> [String] {
        var keys: [String] = []
        func walk(_ relative: String) throws {
            let directory = relative.isEmpty ? bucketPath(bucket) : bucketPath(bucket) + "/" + relative
            for name in try FileSystem.entries(of: directory) {
                let key = relative.isEmpty ? name : relative + "/" + name
                // Skip whole subtrees that cannot hold a key with the prefix.
                guard prefix.isEmpty || key.hasPrefix(prefix) || prefix.hasPrefix(key) else { continue }
                guard let status = try FileStatus.of(directory + "/" + name) else { continue }
                if status.isDirectory {
                    if try readMetadata(bucket: bucket, key: key + "/") != nil { keys.append(key + "/") }
                    try walk(key)
                } else if status.isRegularFile {
                    keys.append(key)
                }
            }
        }
        try walk("")
        return keys.filter { $0.hasPrefix(prefix) }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
