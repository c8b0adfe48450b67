import OSSConfinedFiles
import OSSCore
import OSSCrypto
import OSSFileIO
import OSSLocking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Objects with OSS's key semantics, stored crash-safely under a root folder.
///
/// ```
/// ROOT/BUCKET/                                    a bucket is a folder of the root; regular files
///                                                 placed under it by hand are imported as objects
/// ROOT/.oss/buckets/BUCKET/objects/XY/SHA256      one file per object: data, record, trailer
/// ROOT/.oss/buckets/BUCKET/imported.json          which hand-placed files were imported
/// ROOT/.oss/tmp/PID-RANDOM.tmp                    uploads in progress
/// ```
///
/// A key is never a path: its storage name is the SHA-256 of its UTF-8 bytes (`XY` are the first
/// two hex digits), so `a`, `a/` and `a/b` coexist and every key of 1 to 1023 bytes fits a file
/// name. The object file holds the data and the record (``ObjectFile``), so a PUT is one file
/// written in `.oss/tmp`, synced, and renamed over the old one: a reader, a crash or `kill -9`
/// sees the old object or the new one, whole. Listings come from an in-memory ``BucketIndex``
/// rebuilt from those files when a bucket is first used.
///
/// Every file is reached through a ``ConfinedDirectory``: no symbolic link leads out of the root.
/// One store per root per process (``open(root:)`` shares it); two processes serving one root
/// do not see each other's writes in listings until restarted.
///
/// Every method blocks; the service calls them through ``BlockingIO``.
final class ObjectStore: Sendable {
    /// The root, opened once: every name below is relative to it.
    let directory: ConfinedDirectory
    private let buckets = LockedValue<[String: BucketState]>([:])

    static let temporaryFolder = ".oss/tmp"
    static let bucketsFolder = ".oss/buckets"
    /// The record folder of the layout before this one, read when its files are imported.
    static let legacyMetadataFolder = ".oss/meta"

    private static let openStores = LockedValue<[String: WeakStore]>([:])

    /// The store of a root, shared by every service of this process that serves it, so that all
    /// of them see one index.
    static func open(root: String) throws -> ObjectStore {
        let canonical = realpath(root, nil).map { pointer -> String in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? root
        // The folder now at that path, to tell a shared store from one of a folder since removed
        // and made again (its descriptor names the removed folder, where every write fails).
        let current = try? FileStatus.of(canonical)
        return try openStores.withLock { stores in
            if let existing = stores[canonical]?.store, let current, (try? existing.directory.status("."))?.inode == current.inode {
                return existing
            }
            let store = try ObjectStore(root: root)
            stores[canonical] = WeakStore(store)
            return store
        }
    }

    /// Opens a root folder, creating `.oss/` and removing the temporary files of dead processes.
    private init(root: String) throws {
        directory = try ConfinedDirectory(path: root)
        try directory.createDirectories(Self.temporaryFolder)
        try directory.createDirectories(Self.bucketsFolder)
        try removeLeftovers()
    }

    /// Temporary files of processes that are gone are garbage: the objects they were meant to
    /// replace are intact. Those of a live process (another server on this root) are left alone.
    private func removeLeftovers() throws {
        for entry in try directory.entries(Self.temporaryFolder) {
            guard let name = entry.name else { continue }
            if let dash = name.firstIndex(of: "-"), let pid = Int32(name[..<dash]), pid != getpid(), kill(pid, 0) == 0 || errno == EPERM {
                continue
            }
            try? directory.removeFile(Self.temporaryFolder + "/" + name)
        }
    }

    // MARK: Names

    static func stateFolder(_ bucket: String) -> String { bucketsFolder + "/" + bucket }

    /// `.oss/buckets/BUCKET/objects/XY/SHA256-OF-KEY`.
    static func objectName(bucket: String, key: [UInt8]) -> String {
        let hex = Crypto.sha256(key).hexString
        return stateFolder(bucket) + "/objects/" + hex.prefix(2) + "/" + hex
    }

    static func parent(_ name: String) -> String {
        name.split(separator: "/").dropLast().joined(separator: "/")
    }

    /// `lstat` of a name, where a refused symbolic link (one that leads out of the root) counts
    /// as nothing there.
    func status(_ name: String) throws -> FileStatus? {
        do {
            return try directory.status(name)
        } catch let error as FileIOError where error.isConfinementRefusal {
            return nil
        }
    }

    // MARK: Buckets

    /// Whether the bucket's folder exists (a symbolic link is not a bucket).
    func bucketExists(_ bucket: String) throws -> Bool {
        try status(bucket)?.isDirectory == true
    }

    /// The buckets: folders of the root with valid bucket names, sorted.
    func bucketNames() throws -> [String] {
        try directory.entries("").compactMap { entry -> String? in
            guard entry.kind == .directory, let name = entry.name, (try? Names.validateBucket(name)) != nil else { return nil }
            return name
        }.sorted()
    }

    /// Creates the bucket's folder and its state folder (no error when they exist).
    func createBucket(_ bucket: String) throws {
        try Names.validateBucket(bucket)
        for created in try directory.createDirectories(bucket) + directory.createDirectories(Self.stateFolder(bucket) + "/objects") {
            try? directory.syncDirectory(Self.parent(created))
        }
    }

    /// Deletes a bucket that holds no object, with its state. A folder that still holds files
    /// placed in it by hand is never emptied: that answers 409 and nothing is removed.
    func deleteBucket(_ bucket: String) throws {
        try importPlacedFiles(bucket: bucket)
        let state = try loadedState(bucket)
        try state.withLock { contents in
            guard contents.index.isEmpty else {
                throw ServiceError(status: 409, code: "BucketNotEmpty", message: "The bucket you tried to delete is not empty.", ec: "0015-00000301",
                                   details: [("BucketName", bucket)])
            }
            guard try directory.entries(bucket).isEmpty else {
                throw ServiceError(status: 409, code: "BucketNotEmpty",
                                   message: "The bucket holds no object, but its folder still holds files placed in it by hand; this local OSS does not delete them.",
                                   ec: "0015-00000301", details: [("BucketName", bucket)])
            }
            let objects = Self.stateFolder(bucket) + "/objects"
            for entry in try directory.entries(objects) {
                if let name = entry.name { directory.removeEmptyDirectory(objects + "/" + name) }
            }
            directory.removeEmptyDirectory(objects)
            try directory.removeFile(Self.stateFolder(bucket) + "/" + InboxImport.ledgerFile)
            directory.removeEmptyDirectory(Self.stateFolder(bucket))
            directory.removeEmptyDirectory(bucket)
        }
        _ = buckets.withLock { $0.removeValue(forKey: bucket) }
    }

    // MARK: Index

    /// The bucket's state, its index loaded from the object files on first use.
    func loadedState(_ bucket: String) throws -> BucketState {
        let state = buckets.withLock { buckets in
            if let existing = buckets[bucket] { return existing }
            let created = BucketState()
            buckets[bucket] = created
            return created
        }
        try state.withLock { contents in
            guard !contents.loaded else { return }
            contents.index = BucketIndex(unsorted: try scanObjects(bucket))
            contents.ledger = try InboxImport.readLedger(self, bucket: bucket)
            contents.loaded = true
        }
        return state
    }

    /// Every complete object file of a bucket. A file whose name is not the hash of the key its
    /// record holds is not an object (it was not written by this store).
    private func scanObjects(_ bucket: String) throws -> [IndexEntry] {
        let objects = Self.stateFolder(bucket) + "/objects"
        var entries: [IndexEntry] = []
        for fanout in try directory.entries(objects) where fanout.kind == .directory {
            guard let fanoutName = fanout.name else { continue }
            for file in try directory.entries(objects + "/" + fanoutName) where file.kind == .regularFile {
                guard let name = file.name else { continue }
                let path = objects + "/" + fanoutName + "/" + name
                guard let opened = try? directory.openForReading(path), let (record, _) = try ObjectFile.read(opened),
                      Self.objectName(bucket: bucket, key: Array(record.key.utf8)) == path else { continue }
                entries.append(IndexEntry(record))
            }
        }
        return entries
    }

    /// Whether the bucket holds no object (files placed by hand are imported first).
    func isEmpty(bucket: String) throws -> Bool {
        try importPlacedFiles(bucket: bucket)
        return try loadedState(bucket).withLock { $0.index.isEmpty }
    }

    // MARK: Objects

    /// An object opened for reading: its record and its data, through one descriptor.
    struct StoredObject: Sendable {
        var file: POSIXFile
        var record: ObjectRecord
    }

    /// Opens an object; nil when there is none. A file placed by hand under the bucket's folder
    /// since it was last imported is imported first.
    func open(bucket: String, key: String) throws -> StoredObject? {
        let state = try loadedState(bucket)
        try InboxImport.importIfPlaced(self, state: state, bucket: bucket, key: key)
        let name = Self.objectName(bucket: bucket, key: Array(key.utf8))
        let file: POSIXFile
        do {
            file = try directory.openForReading(name)
        } catch let error as FileIOError where error.isNotFound {
            return nil
        }
        guard let (record, _) = try ObjectFile.read(file), Array(record.key.utf8) == Array(key.utf8) else { return nil }
        return StoredObject(file: file, record: record)
    }

    /// Starts writing an object's data in the temporary folder; nothing is visible until
    /// ``commit(_:bucket:record:forbidOverwrite:)``. `capacity` simulates a nearly full disk.
    func beginWrite(capacity: Int64? = nil) throws -> ConfinedFileWriter {
        try ConfinedFileWriter(in: directory, temporaryFolder: Self.temporaryFolder, capacity: capacity)
    }

    /// Publishes a completed upload: appends the record, syncs, renames the file over the old
    /// object under the bucket's lock (so the index changes with it), then syncs the folder, so
    /// the object survives a crash once this returns. On any failure the old object stays.
    /// `expected`, when given, is the index entry the commit must replace (nil: no object may
    /// exist), for writes that lose to a concurrent one instead of overwriting it.
    @discardableResult
    func commit(_ writer: ConfinedFileWriter, bucket: String, record: ObjectRecord, forbidOverwrite: Bool = false,
                expected: IndexEntry?? = .none) throws -> Bool {
        let name = Self.objectName(bucket: bucket, key: Array(record.key.utf8))
        let folder = Self.parent(name)
        do {
            try writer.write(try ObjectFile.trailer(for: record))
            try writer.temporaryFile.sync()
            for created in try directory.createDirectories(folder) {
                try directory.syncDirectory(Self.parent(created))
            }
        } catch {
            writer.abort()
            throw error
        }
        let state = try loadedState(bucket)
        let published = try state.withLock { contents -> Bool in
            let current = contents.index.entry(for: Array(record.key.utf8))
            if forbidOverwrite, current != nil {
                writer.abort()
                throw ServiceError(status: 409, code: "FileAlreadyExists", message: "The object you specified already exists and can not be overwritten.",
                                   ec: "0016-00000101", details: [("Key", record.key)])
            }
            if let expected, current != expected {
                writer.abort()
                return false
            }
            try writer.publish(as: name)
            contents.index.upsert(IndexEntry(record))
            return true
        }
        if published { try directory.syncDirectory(folder) }
        return published
    }

    /// Deletes an object; a missing one is not an error.
    func delete(bucket: String, key: String) throws {
        let state = try loadedState(bucket)
        let name = Self.objectName(bucket: bucket, key: Array(key.utf8))
        let removed = try state.withLock { contents -> Bool in
            contents.index.remove(Array(key.utf8))
            // The file, not the index, says whether there is an object (another process may
            // have written it).
            guard try status(name) != nil else { return false }
            try directory.removeFile(name)
            return true
        }
        if removed { try directory.syncDirectory(Self.parent(name)) }
    }

    /// One page of a listing, with the index entries of the keys on it.
    func list(bucket: String, query: ListingQuery) throws -> (page: ListingPage, entries: [IndexEntry]) {
        try importPlacedFiles(bucket: bucket)
        return try loadedState(bucket).withLock { contents in
            let page = query.page(over: contents.index.keys)
            return (page, page.keyIndices.map { contents.index.entries[$0] })
        }
    }

    /// Imports the files placed by hand under the bucket's folder that are new or changed
    /// since they were last imported.
    func importPlacedFiles(bucket: String) throws {
        try InboxImport.importAll(self, state: try loadedState(bucket), bucket: bucket)
    }
}

/// The mutable part of one bucket, behind one lock: its index and its import ledger.
final class BucketState: Sendable {
    struct Contents {
        var loaded = false
        var index = BucketIndex()
        /// Hand-placed files already imported, by path bytes, with the identity they had.
        var ledger: [[UInt8]: FileIdentity] = [:]
    }

    private let contents = LockedValue(Contents())
    /// Serializes writes of the import ledger, so that an older snapshot never replaces a newer one.
    private let ledgerWriting = LockedValue()

    func withLock<T: Sendable>(_ body: (inout Contents) throws -> T) throws -> T {
        try contents.withLock { try body(&$0) }
    }

    func withLedgerWriting(_ body: () throws -> Void) throws {
        try ledgerWriting.withLock { try body() }
    }

    /// Serializes changes of the bucket's record (``BucketRecord``) and of its uploads' records.
    private let recordWriting = LockedValue()

    func withRecordWriting<T>(_ body: () throws -> T) throws -> T {
        try recordWriting.withLock { try body() }
    }
}

/// A store kept weakly, so a root's store goes away with its last service.
private final class WeakStore: @unchecked Sendable {
    weak var store: ObjectStore?
    init(_ store: ObjectStore) { self.store = store }
}
