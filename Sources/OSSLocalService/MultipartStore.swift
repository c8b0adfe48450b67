import OSSConfinedFiles
import OSSCore
import OSSFileIO

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

/// A multipart upload in progress: the key it completes into and the object's record as
/// InitiateMultipartUpload described it (content type, metadata, ACL, storage class, tags).
struct UploadRecord: Codable, Sendable {
    var uploadId: String
    var key: String
    var initiatedMilliseconds: Int64
    /// The record the completed object starts from; size, ETag and CRC-64 are filled in then.
    var template: ObjectRecord
}

/// One uploaded part, as ListParts shows it.
struct PartInfo: Sendable, Equatable {
    var number: Int
    var size: Int64
    /// Uppercase hex MD5, unquoted.
    var etag: String
    var crc64: UInt64
    var lastModifiedMilliseconds: Int64
}

/// Multipart uploads on disk:
///
/// ```
/// .oss/buckets/BUCKET/uploads/UPLOADID/upload.json   the UploadRecord, written last on initiate
/// .oss/buckets/BUCKET/uploads/UPLOADID/NNNNN         part N: data, record, trailer (ObjectFile)
/// ```
///
/// Every file is written in `.oss/tmp`, synced and renamed into place, so a part is there whole
/// or not at all, and a part uploaded twice is replaced whole. An upload folder without its
/// `upload.json` (a crash during initiate, abort or complete) is no upload and is removed when
/// seen. Upload IDs are 32 uppercase hex digits; nothing else is ever used as a folder name.
extension ObjectStore {
    static let uploadRecordFile = "upload.json"

    static func uploadsFolder(_ bucket: String) -> String { stateFolder(bucket) + "/uploads" }
    static func uploadFolder(_ bucket: String, _ uploadId: String) -> String { uploadsFolder(bucket) + "/" + uploadId }
    static func partName(_ bucket: String, _ uploadId: String, _ number: Int) -> String {
        let digits = String(number)
        return uploadFolder(bucket, uploadId) + "/" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    static func isUploadId(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 32 && bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
    }

    static func newUploadId() -> String {
        (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255)
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// Creates an upload; returns its record.
    func initiateUpload(bucket: String, template: ObjectRecord, now: Int64) throws -> UploadRecord {
        let record = UploadRecord(uploadId: Self.newUploadId(), key: template.key, initiatedMilliseconds: now, template: template)
        let folder = Self.uploadFolder(bucket, record.uploadId)
        for created in try directory.createDirectories(folder) {
            try directory.syncDirectory(Self.parent(created))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let writer = try beginWrite()
        try writer.write(Array(try encoder.encode(record)))
        try writer.commit(as: folder + "/" + Self.uploadRecordFile)
        return record
    }

    /// The upload with this ID for this key, or NoSuchUpload.
    func upload(bucket: String, key: String?, uploadId: String) throws -> UploadRecord {
        guard Self.isUploadId(uploadId), let record = try readUpload(bucket: bucket, uploadId: uploadId),
              key.map({ Array($0.utf8) == Array(record.key.utf8) }) ?? true else {
            throw ServiceError.noSuchUpload(uploadId)
        }
        return record
    }

    private func readUpload(bucket: String, uploadId: String) throws -> UploadRecord? {
        let name = Self.uploadFolder(bucket, uploadId) + "/" + Self.uploadRecordFile
        guard try status(name)?.isRegularFile == true else { return nil }
        let file = try directory.openForReading(name)
        let bytes = try file.read(at: 0, count: Int(min(try file.status().size, 4 << 20)))
        return try? JSONDecoder().decode(UploadRecord.self, from: Data(bytes))
    }

    /// Every upload of the bucket, in key order then initiation order (as OSS lists them).
    /// Folders left without a record by a crash are removed on the way.
    func uploads(bucket: String) throws -> [UploadRecord] {
        var found: [UploadRecord] = []
        for entry in try directory.entries(Self.uploadsFolder(bucket)) where entry.kind == .directory {
            guard let name = entry.name, Self.isUploadId(name) else { continue }
            if let record = try readUpload(bucket: bucket, uploadId: name) {
                found.append(record)
            } else if !isBeingCreated(bucket: bucket, uploadId: name) {
                try? removeUploadFolder(bucket: bucket, uploadId: name)
            }
        }
        return found.sorted {
            let a = Array($0.key.utf8), b = Array($1.key.utf8)
            if a != b { return a.lexicographicallyPrecedes(b) }
            if $0.initiatedMilliseconds != $1.initiatedMilliseconds { return $0.initiatedMilliseconds < $1.initiatedMilliseconds }
            return $0.uploadId < $1.uploadId
        }
    }

    /// A folder younger than a minute may be an initiate in progress in this very moment.
    private func isBeingCreated(bucket: String, uploadId: String) -> Bool {
        guard let modified = try? status(Self.uploadFolder(bucket, uploadId))?.modifiedNanoseconds else { return false }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec) - modified < 60_000_000_000
    }

    /// Publishes a part written in `writer` (its data; the trailer is added here).
    func commitPart(_ writer: ConfinedFileWriter, bucket: String, uploadId: String, part: PartInfo) throws {
        var record = ObjectRecord(key: String(part.number), size: part.size, etag: part.etag, crc64: String(part.crc64),
                                  lastModifiedMilliseconds: part.lastModifiedMilliseconds)
        record.objectType = "Part"
        do {
            try writer.write(try ObjectFile.trailer(for: record))
        } catch {
            writer.abort()
            throw error
        }
        // The upload may have been aborted or completed while the part arrived.
        guard try readUpload(bucket: bucket, uploadId: uploadId) != nil else {
            writer.abort()
            throw ServiceError.noSuchUpload(uploadId)
        }
        try writer.commit(as: Self.partName(bucket, uploadId, part.number))
    }

    /// The parts uploaded so far, by part number.
    func parts(bucket: String, uploadId: String) throws -> [PartInfo] {
        var parts: [PartInfo] = []
        for entry in try directory.entries(Self.uploadFolder(bucket, uploadId)) where entry.kind == .regularFile {
            guard let name = entry.name, name.count == 5, let number = Int(name) else { continue }
            guard let file = try? directory.openForReading(Self.uploadFolder(bucket, uploadId) + "/" + name),
                  let (record, _) = try ObjectFile.read(file), let crc = UInt64(record.crc64) else { continue }
            parts.append(PartInfo(number: number, size: record.size, etag: record.etag, crc64: crc, lastModifiedMilliseconds: record.lastModifiedMilliseconds))
        }
        return parts.sorted { $0.number < $1.number }
    }

    /// Opens part N's file for reading its data.
    func openPart(bucket: String, uploadId: String, number: Int) throws -> POSIXFile {
        try directory.openForReading(Self.partName(bucket, uploadId, number))
    }

    /// Removes an upload: its record first (from then on it is gone, even if a crash stops the
    /// rest), then its parts and its folder.
    func removeUploadFolder(bucket: String, uploadId: String) throws {
        let folder = Self.uploadFolder(bucket, uploadId)
        if try status(folder + "/" + Self.uploadRecordFile) != nil {
            try directory.removeFile(folder + "/" + Self.uploadRecordFile)
            try directory.syncDirectory(folder)
        }
        for entry in try directory.entries(folder) {
            if let name = entry.name { try? directory.removeFile(folder + "/" + name) }
        }
        directory.removeEmptyDirectory(folder)
    }

    /// Whether the bucket has uploads in progress (a bucket with parts cannot be deleted).
    func hasUploads(bucket: String) throws -> Bool {
        try !uploads(bucket: bucket).isEmpty
    }
}

extension ServiceError {
    static func noSuchUpload(_ uploadId: String) -> ServiceError {
        ServiceError(status: 404, code: "NoSuchUpload",
                     message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
                     ec: "0042-00000002", details: [("UploadId", uploadId)])
    }
}
