import OSSConfinedFiles
import OSSCore
import OSSFileIO

/// Writes that start from an object already stored: a changed record (ACL, tags, restore), an
/// append, a copy. Each builds a whole new object file and publishes it with one rename, like a
/// PUT, so a reader or a crash sees the old object or the new one, never a mix.
extension ObjectStore {
    /// Bytes moved per read and write when data is copied between files: 1 MiB, so a copy of any
    /// size holds one buffer.
    static let copyChunk = 1 << 20

    /// Copies `length` bytes of `source` from `offset` into `writer`, reporting each chunk to
    /// `observe` (for digests). Blocking.
    func copyData(from source: POSIXFile, offset: Int64, length: Int64, into writer: ConfinedFileWriter,
                  observe: ([UInt8]) -> Void = { _ in }) throws {
        var done: Int64 = 0
        while done < length {
            let count = Int(min(Int64(Self.copyChunk), length - done))
            let chunk = try source.read(at: offset + done, count: count)
            guard !chunk.isEmpty else { throw FileIOError("read", path: source.path, code: 5) }
            observe(chunk)
            try writer.write(chunk)
            done += Int64(chunk.count)
        }
    }

    /// Replaces an object's record, keeping its data: the data is copied into a new object file
    /// with the changed record. Fails with NoSuchKey when there is no object, and retries when a
    /// concurrent write replaced the object in the meantime, so no change is lost and no other
    /// write is undone. Blocking.
    @discardableResult
    func rewriteRecord(bucket: String, key: String, _ change: (inout ObjectRecord) throws -> Void) throws -> ObjectRecord {
        for _ in 0..<8 {
            guard let object = try open(bucket: bucket, key: key) else { throw ServiceError.noSuchKey(key) }
            var record = object.record
            let expected = IndexEntry(record)
            try change(&record)
            let writer = try beginWrite()
            do {
                try copyData(from: object.file, offset: 0, length: object.record.size, into: writer)
            } catch {
                writer.abort()
                throw error
            }
            if try commit(writer, bucket: bucket, record: record, expected: .some(expected)) { return record }
        }
        throw ServiceError(status: 409, code: "ConcurrentUpdateObjectLimit", message: "The object changed while it was being updated; try again.",
                           ec: "0016-00000104", details: [("Key", key)])
    }
}
