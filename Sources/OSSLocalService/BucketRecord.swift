import OSSCore
import OSSLocking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the local OSS knows about a bucket besides its objects: when it was created, its ACL,
/// storage class, tags and image styles. Stored as `.oss/buckets/BUCKET/bucket.json`, replaced
/// whole (temporary file, sync, rename) on every change.
///
/// A bucket folder made by hand has no record until something is set; it then reads as created
/// when its folder was last modified, private (or public-read when `oss serve --public-read`
/// names it), Standard.
struct BucketRecord: Codable, Sendable, Equatable {
    /// When the bucket was created, in milliseconds since the epoch.
    var creationMilliseconds: Int64
    /// `x-oss-acl`: private, public-read or public-read-write; nil until set (then the server's
    /// configuration decides).
    var acl: String?
    /// The bucket's default storage class.
    var storageClass: String = "Standard"
    /// LRS or ZRS.
    var dataRedundancyType: String = "LRS"
    /// Bucket tags, in the order given.
    var tags: [ObjectTag] = []
    /// Image styles, by name, in creation order.
    var styles: [ImageStyle] = []

    init(creationMilliseconds: Int64) {
        self.creationMilliseconds = creationMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case creationMilliseconds, acl, storageClass, dataRedundancyType, tags, styles
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        creationMilliseconds = try container.decodeIfPresent(Int64.self, forKey: .creationMilliseconds) ?? 0
        acl = try container.decodeIfPresent(String.self, forKey: .acl)
        storageClass = try container.decodeIfPresent(String.self, forKey: .storageClass) ?? "Standard"
        dataRedundancyType = try container.decodeIfPresent(String.self, forKey: .dataRedundancyType) ?? "LRS"
        tags = try container.decodeIfPresent([ObjectTag].self, forKey: .tags) ?? []
        styles = try container.decodeIfPresent([ImageStyle].self, forKey: .styles) ?? []
    }
}

/// A named image style: `x-oss-process=style/NAME` runs its content.
struct ImageStyle: Codable, Sendable, Equatable {
    var name: String
    var content: String
    var category: String
    var createdMilliseconds: Int64
    var modifiedMilliseconds: Int64
}

extension ObjectStore {
    static let bucketRecordFile = "bucket.json"

    static func bucketRecordName(_ bucket: String) -> String { stateFolder(bucket) + "/" + bucketRecordFile }

    /// The bucket's record; a default one (dated by the folder) when none was written.
    func bucketRecord(_ bucket: String) throws -> BucketRecord {
        let name = Self.bucketRecordName(bucket)
        if try status(name)?.isRegularFile == true {
            let file = try directory.openForReading(name)
            let bytes = try file.read(at: 0, count: Int(min(try file.status().size, 4 << 20)))
            if let record = try? JSONDecoder().decode(BucketRecord.self, from: Data(bytes)) { return record }
        }
        let modified = try status(bucket)?.modifiedNanoseconds ?? 0
        return BucketRecord(creationMilliseconds: modified / 1_000_000)
    }

    /// Changes the bucket's record atomically: read, change, write whole, under the bucket's
    /// lock for records so that two changes never lose one another.
    @discardableResult
    func updateBucketRecord<T: Sendable>(_ bucket: String, _ change: (inout BucketRecord) throws -> T) throws -> T {
        let state = try loadedState(bucket)
        return try state.withRecordWriting {
            var record = try bucketRecord(bucket)
            let result = try change(&record)
            try writeBucketRecord(bucket, record)
            return result
        }
    }

    func writeBucketRecord(_ bucket: String, _ record: BucketRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try directory.createDirectories(Self.stateFolder(bucket))
        let writer = try beginWrite()
        try writer.write(Array(try encoder.encode(record)))
        try writer.commit(as: Self.bucketRecordName(bucket))
    }
}
