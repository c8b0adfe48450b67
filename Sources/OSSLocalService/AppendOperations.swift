import OSSCore
import OSSCrypto
import OSSFileIO
import OSSSigner

/// AppendObject: POST `?append&position=N`. The first append (position 0, no object) creates an
/// Appendable object with the request's metadata; each later one must give the current length
/// as its position (409 PositionNotEqualToLength otherwise, with the length in
/// `x-oss-next-append-position`), and a Normal or Multipart object is not appendable (409
/// ObjectNotAppendable).
///
/// Each append writes the whole new object (old data copied, new data streamed after it) and
/// publishes it with one rename, only if the object is still the one it started from: a reader
/// or a crash sees the object before or after the append, and of two appends racing at one
/// position one wins and the other gets PositionNotEqualToLength. The reply's
/// `x-oss-hash-crc64ecma` is the CRC-64 of the whole object, combined from the old CRC-64 and
/// that of the appended bytes.
extension LocalOSSService {
    func appendObject(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks, capacity: Int64?) async throws -> ServiceResponse {
        let positionText = request.queryValue("position") ?? ""
        guard let position = Int64(positionText), position >= 0 else {
            throw ServiceError.invalidArgument("The position must be an integer of 0 or more.", name: "position", value: String(positionText.prefix(32)),
                                               ec: "0016-00000203")
        }
        let store = self.store
        let current = try await BlockingIO.run { try store.open(bucket: bucket, key: key) }
        if let current, current.record.objectType != "Appendable" {
            throw ServiceError(status: 409, code: "ObjectNotAppendable", message: "The object is not appendable.", ec: "0016-00000204",
                               details: [("Key", key)])
        }
        let length = current?.record.size ?? 0
        guard position == length else {
            throw ServiceError(status: 409, code: "PositionNotEqualToLength", message: "Position is not equal to file length.", ec: "0026-00000016",
                               headers: [("x-oss-next-append-position", String(length)), ("x-oss-hash-crc64ecma", current?.record.crc64 ?? "0")])
        }
        var record: ObjectRecord
        if let current {
            record = current.record
            // Metadata given with a later append is ignored, as OSS does; only the data grows.
        } else {
            record = try uploadRecord(request, key: key)
            record.objectType = "Appendable"
        }
        let writer = try await BlockingIO.run { try store.beginWrite(capacity: capacity) }
        if let current {
            do {
                try await BlockingIO.run { try store.copyData(from: current.file, offset: 0, length: current.record.size, into: writer) }
            } catch {
                writer.abort()
                throw error
            }
        }
        let maximum = Self.maximumObjectSize - length
        let received = try await receive(body, request: request, into: writer, maximum: maximum)
        let oldCRC = UInt64(current?.record.crc64 ?? "0") ?? 0
        let crc = length == 0 ? received.crc64 : CRC64.combine(oldCRC, received.crc64, secondLength: received.size)
        record.size = length + received.size
        record.crc64 = String(crc)
        record.lastModifiedMilliseconds = configuration.clock().unixSeconds * 1000
        // OSS gives an appendable object an ETag that is not the MD5 of its data.
        record.etag = Crypto.md5(Array("\(key)\u{0}\(record.size)\u{0}\(crc)".utf8)).hexString.uppercased()
        let expected: IndexEntry?? = .some(current.map { IndexEntry($0.record) })
        let published = try await BlockingIO.run { [record] in try store.commit(writer, bucket: bucket, record: record, expected: expected) }
        guard published else {
            let now = try await BlockingIO.run { try store.open(bucket: bucket, key: key) }
            throw ServiceError(status: 409, code: "PositionNotEqualToLength", message: "Position is not equal to file length.", ec: "0026-00000016",
                               headers: [("x-oss-next-append-position", String(now?.record.size ?? 0)), ("x-oss-hash-crc64ecma", now?.record.crc64 ?? "0")])
        }
        return ServiceResponse(status: 200, headers: [("ETag", record.quotedETag), ("x-oss-next-append-position", String(record.size)),
                                                      ("x-oss-hash-crc64ecma", record.crc64)])
    }
}
