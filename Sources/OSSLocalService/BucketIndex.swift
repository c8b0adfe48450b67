/// What a listing shows of an object, kept in memory per bucket.
struct IndexEntry: Sendable, Equatable {
    /// The key's UTF-8 bytes: the sort order and the identity.
    var key: [UInt8]
    var size: Int64
    var etag: String
    var lastModifiedMilliseconds: Int64
    var storageClass: String
    var objectType: String

    init(_ record: ObjectRecord) {
        key = Array(record.key.utf8)
        size = record.size
        etag = record.etag
        lastModifiedMilliseconds = record.lastModifiedMilliseconds
        storageClass = record.storageClass
        objectType = record.objectType
    }

    var keyText: String { String(decoding: key, as: UTF8.self) }
}

/// The keys of one bucket, sorted by bytes, as OSS lists them.
///
/// Derived data: rebuilt from the object files when a bucket is first used, and kept in step
/// with every commit and delete under the bucket's lock. Nothing of it is persisted, so a crash
/// cannot leave it disagreeing with the files. A sorted array: a binary search finds a key or a
/// page start, and an insert moves at most n entries (microseconds for tens of thousands).
struct BucketIndex: Sendable {
    private(set) var entries: [IndexEntry] = []

    init(unsorted: [IndexEntry] = []) {
        entries = unsorted.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// The keys, for ``ListingQuery/page(over:)``.
    var keys: LazyMapCollection<[IndexEntry], [UInt8]> { entries.lazy.map(\.key) }

    var isEmpty: Bool { entries.isEmpty }

    private func position(of key: [UInt8]) -> (index: Int, found: Bool) {
        let index = keys.partitioningIndex(from: 0) { !$0.lexicographicallyPrecedes(key) }
        return (index, index < entries.count && entries[index].key == key)
    }

    func entry(for key: [UInt8]) -> IndexEntry? {
        let (index, found) = position(of: key)
        return found ? entries[index] : nil
    }

    mutating func upsert(_ entry: IndexEntry) {
        let (index, found) = position(of: entry.key)
        if found { entries[index] = entry } else { entries.insert(entry, at: index) }
    }

    mutating func remove(_ key: [UInt8]) {
        let (index, found) = position(of: key)
        if found { entries.remove(at: index) }
    }
}
