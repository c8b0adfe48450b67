import OSSCore
import OSSFileIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything the local OSS knows about an object besides its bytes, stored in the object's own
/// file so that data and metadata change together, in one rename.
///
/// Decoding tolerates missing fields (they take their defaults) and ignores unknown ones, so a
/// later version can add fields (versions, restore state, append position...) without a
/// migration, and an older one can still read what a newer one wrote.
struct ObjectRecord: Codable, Sendable, Equatable {
    /// The layout of this record; bumped only for an incompatible change.
    static let currentFormat = 1

    var format = ObjectRecord.currentFormat
    /// The key, exactly (its UTF-8 bytes are what the object is stored under).
    var key: String
    /// Bytes of data.
    var size: Int64
    /// The ETag without quotes: uppercase hex MD5 for a simple upload, as OSS writes it.
    var etag: String
    /// CRC-64/ECMA-182 of the data, as the decimal text `x-oss-hash-crc64ecma` carries.
    var crc64: String
    /// When the object was written, in milliseconds since the epoch.
    var lastModifiedMilliseconds: Int64
    /// `Content-Type`: as sent, `application/octet-stream` when none was.
    var contentType: String = "application/octet-stream"
    /// `x-oss-meta-*` headers, names lowercased.
    var userMetadata: [String: String] = [:]
    /// Other headers OSS stores and returns: Cache-Control, Content-Disposition,
    /// Content-Encoding, Content-Language, Expires.
    var storedHeaders: [String: String] = [:]
    /// `x-oss-storage-class`.
    var storageClass: String = "Standard"
    /// `x-oss-object-acl`; `default` inherits the bucket's.
    var acl: String = "default"
    /// Object tags, in the order given.
    var tags: [ObjectTag] = []
    /// `x-oss-object-type`: Normal, Multipart, Appendable or Symlink.
    var objectType: String = "Normal"
    /// For a symlink: the key it points to (its data is empty).
    var symlinkTarget: String?
    /// For an object of a cold storage class: where its restore stands.
    var restore: RestoreState?
    /// For a multipart object: how many parts it was completed from.
    var parts: Int?

    /// The ETag header value, quoted.
    var quotedETag: String { "\"\(etag)\"" }

    /// Unix seconds of ``lastModifiedMilliseconds``.
    var lastModifiedSeconds: Int64 { lastModifiedMilliseconds / 1000 }

    init(key: String, size: Int64, etag: String, crc64: String, lastModifiedMilliseconds: Int64) {
        self.key = key
        self.size = size
        self.etag = etag
        self.crc64 = crc64
        self.lastModifiedMilliseconds = lastModifiedMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case format, key, size, etag, crc64, lastModifiedMilliseconds, contentType, userMetadata, storedHeaders,
             storageClass, acl, tags, objectType, symlinkTarget, restore, parts
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decodeIfPresent(Int.self, forKey: .format) ?? 1
        key = try container.decode(String.self, forKey: .key)
        size = try container.decode(Int64.self, forKey: .size)
        etag = try container.decode(String.self, forKey: .etag)
        crc64 = try container.decode(String.self, forKey: .crc64)
        lastModifiedMilliseconds = try container.decode(Int64.self, forKey: .lastModifiedMilliseconds)
        contentType = try container.decodeIfPresent(String.self, forKey: .contentType) ?? "application/octet-stream"
        userMetadata = try container.decodeIfPresent([String: String].self, forKey: .userMetadata) ?? [:]
        storedHeaders = try container.decodeIfPresent([String: String].self, forKey: .storedHeaders) ?? [:]
        storageClass = try container.decodeIfPresent(String.self, forKey: .storageClass) ?? "Standard"
        acl = try container.decodeIfPresent(String.self, forKey: .acl) ?? "default"
        tags = try container.decodeIfPresent([ObjectTag].self, forKey: .tags) ?? []
        objectType = try container.decodeIfPresent(String.self, forKey: .objectType) ?? "Normal"
        symlinkTarget = try container.decodeIfPresent(String.self, forKey: .symlinkTarget)
        restore = try container.decodeIfPresent(RestoreState.self, forKey: .restore)
        parts = try container.decodeIfPresent(Int.self, forKey: .parts)
    }

    /// Whether the storage class keeps the data cold: a GET needs a completed restore first.
    var isCold: Bool { ["Archive", "ColdArchive", "DeepColdArchive"].contains(storageClass) }
}

/// A RestoreObject's progress: requested at one time, readable from another, until it expires.
/// Kept as times, not as a state, so that the restore completes without anything running: the
/// state follows from the clock.
struct RestoreState: Codable, Sendable, Equatable {
    /// When the restore becomes readable, in milliseconds since the epoch.
    var readyAtMilliseconds: Int64
    /// When the restored copy expires again.
    var expiresAtMilliseconds: Int64
    /// The priority asked for (Expedited, Standard, Bulk), if any.
    var tier: String?
}

/// One object tag. Tags are kept as an ordered list, not a dictionary: a `[String: String]`
/// would merge an NFC key with its NFD twin.
struct ObjectTag: Codable, Sendable, Equatable {
    var key: String
    var value: String
}

/// The on-disk form of an object: its data, then its record, then a fixed trailer.
///
/// ```
/// [data: size bytes][record: JSON, n bytes][n: UInt64 little-endian][magic: "OSSOBJ1\n"]
/// ```
///
/// The record goes last because the ETag, CRC-64 and size are known only once the body has
/// arrived: the data streams straight into the file, the record is appended, and the file is
/// synced and renamed into place whole. A reader opens the file once and reads the trailer, the
/// record and the data through that one descriptor, so it sees one version, never a mix.
enum ObjectFile {
    static let magic: [UInt8] = Array("OSSOBJ1\n".utf8)
    static let trailerSize = 16
    /// A record larger than this is not one of ours (OSS caps user metadata at 8 KB).
    static let maximumRecordSize = 1 << 20

    /// The record and trailer to append after the data.
    static func trailer(for record: ObjectRecord) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = Array(try encoder.encode(record))
        var length = UInt64(bytes.count).littleEndian
        withUnsafeBytes(of: &length) { bytes += $0 }
        return bytes + magic
    }

    /// An object file's record and data length; nil when the file is not a complete object file.
    static func read(_ file: POSIXFile) throws -> (record: ObjectRecord, dataLength: Int64)? {
        let size = try file.status().size
        guard size >= Int64(trailerSize) else { return nil }
        let trailer = try file.read(at: size - Int64(trailerSize), count: trailerSize)
        guard trailer.count == trailerSize, Array(trailer[8...]) == magic else { return nil }
        let length = trailer[..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(maximumRecordSize), Int64(length) <= size - Int64(trailerSize) else { return nil }
        let dataLength = size - Int64(trailerSize) - Int64(length)
        let bytes = try file.read(at: dataLength, count: Int(length))
        guard bytes.count == Int(length), let record = try? JSONDecoder().decode(ObjectRecord.self, from: Data(bytes)),
              record.size == dataLength else { return nil }
        return (record, dataLength)
    }
}
