import OSSConfinedFiles
import OSSCore
import OSSCrypto
import OSSFileIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which version of a placed file was imported: a changed file (new inode, size or mtime) is
/// imported again, an unchanged one never is (so an object deleted through the API stays deleted).
struct FileIdentity: Codable, Sendable, Equatable {
    var inode: UInt64
    var size: Int64
    var modifiedNanoseconds: Int64

    init(_ status: FileStatus) {
        inode = status.inode
        size = status.size
        modifiedNanoseconds = status.modifiedNanoseconds
    }
}

/// Files placed by hand under a bucket's folder (`ROOT/BUCKET/dir/photo.jpg`) become objects
/// (`dir/photo.jpg`): the way fixtures have always been served. They are copied into the store
/// and left where they are; the copy is an ordinary object from then on.
///
/// Imports happen when the bucket is listed (every file new or changed since its last import),
/// and on GET or HEAD of a key whose path names such a file, so a file dropped in while the
/// server runs is served at once. When the key already holds an object, the newer of the two
/// wins: a file placed (or changed) after the object was written replaces it, an object written
/// through the API after the file was placed is kept. A symbolic link is never imported or followed. The content
/// type is guessed from the extension, since no one sent one; a record left by the previous
/// storage layout (`.oss/meta/`) supplies the content type and metadata it had.
enum InboxImport {
    static let ledgerFile = "imported.json"

    private struct LedgerEntry: Codable {
        var path: String
        var identity: FileIdentity
    }

    /// What the previous layout recorded about an object.
    private struct LegacyRecord: Decodable {
        var contentType: String?
        var userMetadata: [String: String]?
        var storedHeaders: [String: String]?
    }

    private struct Placed {
        var key: String
        var identity: FileIdentity
        /// The previous layout's folder marker (`KEY/` as a folder with a `.folder.json` record).
        var isFolderMarker: Bool
    }

    static func ledgerName(_ bucket: String) -> String { ObjectStore.stateFolder(bucket) + "/" + ledgerFile }

    static func readLedger(_ store: ObjectStore, bucket: String) throws -> [[UInt8]: FileIdentity] {
        guard try store.status(ledgerName(bucket))?.isRegularFile == true else { return [:] }
        let file = try store.directory.openForReading(ledgerName(bucket))
        let bytes = try file.read(at: 0, count: Int(min(try file.status().size, 256 << 20)))
        let entries = (try? JSONDecoder().decode([LedgerEntry].self, from: Data(bytes))) ?? []
        var ledger: [[UInt8]: FileIdentity] = [:]
        for entry in entries { ledger[Array(entry.path.utf8)] = entry.identity }
        return ledger
    }

    private static func writeLedger(_ store: ObjectStore, state: BucketState, bucket: String) throws {
        try state.withLedgerWriting {
            let ledger = try state.withLock { $0.ledger }
            let entries = ledger.map { LedgerEntry(path: String(decoding: $0.key, as: UTF8.self), identity: $0.value) }
                .sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let writer = try store.beginWrite()
            try writer.write(Array(try encoder.encode(entries)))
            try writer.commit(as: ledgerName(bucket))
        }
    }

    /// Imports every placed file that is new or changed.
    static func importAll(_ store: ObjectStore, state: BucketState, bucket: String) throws {
        let placed = try placedFiles(store, bucket: bucket)
        let pending = try state.withLock { contents in placed.filter { contents.ledger[Array($0.key.utf8)] != $0.identity } }
        guard !pending.isEmpty else { return }
        for item in pending { try importOne(store, state: state, bucket: bucket, item) }
        try writeLedger(store, state: state, bucket: bucket)
    }

    /// Imports the file a key names, when it is one and it is new or changed.
    static func importIfPlaced(_ store: ObjectStore, state: BucketState, bucket: String, key: String) throws {
        guard isPathLike(key), let status = try store.status(bucket + "/" + key), status.isRegularFile else { return }
        let identity = FileIdentity(status)
        guard try state.withLock({ $0.ledger[Array(key.utf8)] }) != identity else { return }
        try importOne(store, state: state, bucket: bucket, Placed(key: key, identity: identity, isFolderMarker: false))
        try writeLedger(store, state: state, bucket: bucket)
    }

    /// Whether a key can name a file under the bucket's folder.
    private static func isPathLike(_ key: String) -> Bool {
        key.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { $0 != "" && $0 != "." && $0 != ".." && $0.utf8.count <= 255 }
    }

    /// Regular files (and old folder markers) under the bucket's folder, recursively; symbolic
    /// links and names that are not UTF-8 or not valid keys are skipped.
    private static func placedFiles(_ store: ObjectStore, bucket: String) throws -> [Placed] {
        var found: [Placed] = []
        func walk(_ relative: String) throws {
            let folder = relative.isEmpty ? bucket : bucket + "/" + relative
            for entry in try store.directory.entries(folder) {
                guard let name = entry.name else { continue }
                let key = relative.isEmpty ? name : relative + "/" + name
                guard key.utf8.count < 1023, (try? Names.validateKey(key)) != nil else { continue }
                switch entry.kind {
                case .regularFile:
                    if let status = try store.status(bucket + "/" + key), status.isRegularFile {
                        found.append(Placed(key: key, identity: FileIdentity(status), isFolderMarker: false))
                    }
                case .directory:
                    let marker = ObjectStore.legacyMetadataFolder + "/" + bucket + "/" + key + ".folder.json"
                    if let status = try store.status(marker), status.isRegularFile {
                        found.append(Placed(key: key + "/", identity: FileIdentity(status), isFolderMarker: true))
                    }
                    try walk(key)
                default:
                    continue
                }
            }
        }
        try walk("")
        return found
    }

    /// Copies one placed file into the store. A write through the API that lands meanwhile wins.
    private static func importOne(_ store: ObjectStore, state: BucketState, bucket: String, _ item: Placed) throws {
        let keyBytes = Array(item.key.utf8)
        let (before, importedBefore) = try state.withLock { ($0.index.entry(for: keyBytes), $0.ledger[keyBytes] != nil) }
        // The newer wins: an object written through the API after the file was placed is kept.
        // Compared in whole seconds, the resolution of the service clock: a tie keeps an object
        // written through the API, and takes the file when it changed after its last import.
        if let before {
            let objectSecond = before.lastModifiedMilliseconds / 1000, fileSecond = item.identity.modifiedNanoseconds / 1_000_000_000
            if objectSecond > fileSecond || (objectSecond == fileSecond && !importedBefore) {
                try state.withLock { $0.ledger[keyBytes] = item.identity }
                return
            }
        }
        let writer = try store.beginWrite()
        var md5 = StreamingDigest(.md5)
        var crc = CRC64()
        var size: Int64 = 0
        if !item.isFolderMarker {
            let source: POSIXFile
            do {
                source = try store.directory.openForReading(bucket + "/" + item.key)
            } catch let error as FileIOError where error.isNotFound || error.isConfinementRefusal {
                writer.abort()
                return
            }
            // Changed since the walk: the next walk imports the version it finds.
            guard FileIdentity(try source.status()) == item.identity else {
                writer.abort()
                return
            }
            while true {
                let chunk = try source.read(at: size, count: 1 << 20)
                if chunk.isEmpty { break }
                md5.update(chunk)
                crc.update(chunk)
                try writer.write(chunk)
                size += Int64(chunk.count)
            }
        }
        var record = ObjectRecord(key: item.key, size: size, etag: md5.finalize().hexString.uppercased(), crc64: String(crc.value),
                                  lastModifiedMilliseconds: item.identity.modifiedNanoseconds / 1_000_000)
        let legacy = legacyRecord(store, bucket: bucket, key: item.key)
        record.contentType = legacy?.contentType ?? (item.isFolderMarker ? "application/octet-stream" : MediaTypes.guess(forKey: item.key))
        record.userMetadata = legacy?.userMetadata ?? [:]
        record.storedHeaders = legacy?.storedHeaders ?? [:]
        try store.commit(writer, bucket: bucket, record: record, expected: .some(before))
        try state.withLock { $0.ledger[keyBytes] = item.identity }
    }

    private static func legacyRecord(_ store: ObjectStore, bucket: String, key: String) -> LegacyRecord? {
        let name = ObjectStore.legacyMetadataFolder + "/" + bucket + "/" + (key.hasSuffix("/") ? String(key.dropLast()) + ".folder.json" : key + ".json")
        guard let file = try? store.directory.openForReading(name), let size = try? file.status().size, size < 1 << 20,
              let bytes = try? file.read(at: 0, count: Int(size)) else { return nil }
        return try? JSONDecoder().decode(LegacyRecord.self, from: Data(bytes))
    }
}
