import OSSFileIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a resumable upload records after every part, so that a restarted process continues where
/// the last one stopped instead of at byte 0. It names the file by size and modification time:
/// a file changed since is uploaded afresh rather than stitched from two versions.
struct UploadCheckpoint: Codable, Sendable, Hashable {
    var version = 1
    var upload: MultipartUpload
    var fileSize: Int64
    var fileModifiedNanoseconds: Int64
    var partSize: Int64
    var parts: [UploadedPart]

    /// The checkpoint at `path`; nil when there is none or it cannot be read as one (it is then
    /// replaced, never trusted).
    static func load(_ path: String) async -> UploadCheckpoint? {
        let bytes = try? await BlockingIO.run { () -> [UInt8]? in
            guard let status = try FileStatus.of(path), status.isRegularFile, status.size <= 8 << 20 else { return nil }
            let file = try POSIXFile(readingAt: path)
            return try file.read(at: 0, count: Int(status.size))
        }
        guard let bytes else { return nil }
        return try? JSONDecoder().decode(UploadCheckpoint.self, from: Data(bytes))
    }

    /// Writes the checkpoint atomically: a crash leaves the previous one or this one, whole.
    func save(_ path: String) async throws(OSSError) {
        let bytes: [UInt8]
        do {
            bytes = Array(try JSONEncoder().encode(self))
        } catch {
            throw .invalidArgument(parameter: "checkpoint", reason: "could not be encoded")
        }
        do {
            try await BlockingIO.run {
                let writer = try AtomicFileWriter(destination: path)
                try writer.write(bytes)
                try writer.commit()
            }
        } catch {
            throw DownloadPipeline.destinationError(error, path: path, while: "writing")
        }
    }

    /// Removes the checkpoint once the object is complete.
    static func remove(_ path: String) async {
        _ = try? await BlockingIO.run { try FileSystem.removeFile(path) }
    }
}

extension Uploader {
    /// Uploads the file at `path` to `key`, resumably: after every part the state is written to
    /// `checkpoint`, and a later call with the same checkpoint, file and key uploads only the
    /// parts the server does not already hold (checked with ListParts, so a checkpoint never
    /// vouches for a part by itself). On success the checkpoint is removed.
    ///
    /// Unlike ``upload(fromFile:to:options:)``, a failure or a cancellation keeps the multipart
    /// upload and the checkpoint, since resuming is the point; ``abandon(checkpoint:)`` aborts it.
    @discardableResult
    public func upload(fromFile path: String, to key: String, checkpoint: String,
                       options: PutObjectOptions = PutObjectOptions()) async throws(OSSError) -> CompleteMultipartUploadResult {
        try bucket.validate(key)
        guard (MultipartLimits.minimumPartSize...MultipartLimits.maximumPartSize).contains(partSize) else {
            throw .invalidArgument(parameter: "partSize", reason: "\(partSize) is outside 100 KiB...5 GiB.")
        }
        guard concurrency >= 1 else { throw .invalidArgument(parameter: "concurrency", reason: "\(concurrency) is below 1.") }
        let status: FileStatus
        do {
            status = try await BlockingIO.run { try POSIXFile(readingAt: path).status() }
        } catch {
            throw DownloadPipeline.destinationError(error, path: path, while: "reading")
        }
        let partSize = effectivePartSize(forFileSize: status.size)
        guard status.size <= partSize * Int64(MultipartLimits.maximumPartCount) else {
            throw .invalidArgument(parameter: "file", reason: "\(path) is larger than 10,000 parts of 5 GiB.")
        }
        let ranges = Self.partRanges(size: status.size, partSize: partSize)
        var state = await resumableState(checkpoint: checkpoint, key: key, status: status, partSize: partSize)
        if state == nil {
            let upload = try await Self.initiate(key, bucket: bucket, options: options)
            state = UploadCheckpoint(upload: upload, fileSize: status.size, fileModifiedNanoseconds: status.modifiedNanoseconds,
                                     partSize: partSize, parts: [])
            try await state?.save(checkpoint)
        }
        guard var current = state else { throw .cancelled }
        let done = Set(current.parts.map(\.partNumber))
        let remaining = ranges.enumerated().filter { !done.contains($0.offset + 1) }.map { (number: $0.offset + 1, range: $0.element) }
        let upload = current.upload
        let bucket = self.bucket
        let already = current.parts.reduce(Int64(0)) { $0 + $1.size }
        let recorder = CheckpointRecorder(current)
        let outcome = await Self.uploadParts(remaining, concurrency: concurrency, total: status.size, alreadyUploaded: already,
                                             progress: options.progress, completed: { part in await recorder.record(part, to: checkpoint) },
                                             send: { number, range, sent throws(OSSError) in
            try await bucket.uploadPart(upload, partNumber: number, fromFile: path, offset: range.offset, length: range.length,
                                        options: options.request, uploadProgress: sent)
        })
        _ = try outcome.get()
        current = await recorder.state
        let result = try await bucket.completeMultipartUpload(upload, parts: current.parts, options: options.request)
        await UploadCheckpoint.remove(checkpoint)
        return result
    }

    /// Aborts the upload a checkpoint records and removes the checkpoint.
    public func abandon(checkpoint: String) async throws(OSSError) {
        guard let state = await UploadCheckpoint.load(checkpoint) else { return }
        do throws(OSSError) {
            try await bucket.abortMultipartUpload(state.upload)
        } catch let error where error.code == "NoSuchUpload" {
            // Already gone: nothing to free.
        }
        await UploadCheckpoint.remove(checkpoint)
    }

    /// The checkpoint's state when it is for this file, key and part size and its upload is still
    /// open, keeping only the parts the server lists with the same ETag and size.
    func resumableState(checkpoint: String, key: String, status: FileStatus, partSize: Int64) async -> UploadCheckpoint? {
        guard var state = await UploadCheckpoint.load(checkpoint), state.version == 1, state.upload.bucket == bucket.name,
              state.upload.key == key, state.fileSize == status.size, state.fileModifiedNanoseconds == status.modifiedNanoseconds,
              state.partSize == partSize else { return nil }
        var listed: [Int: UploadedPart] = [:]
        var marker: Int?
        while true {
            guard let page = try? await bucket.listParts(state.upload, partNumberMarker: marker, maxParts: 1000) else { return nil }
            for part in page.parts { listed[part.partNumber] = part }
            guard page.isTruncated, let next = page.nextPartNumberMarker, next != marker else { break }
            marker = next
        }
        state.parts = state.parts.filter { part in
            guard let server = listed[part.partNumber] else { return false }
            return server.etag == part.etag && server.size == part.size
        }
        return state
    }
}

/// The checkpoint as parts complete, saved after each one. An actor, so that parts finishing
/// together are recorded one after the other; each save is atomic, so the file always holds a
/// whole state (at worst one missing the latest part, which a resume then sends again).
actor CheckpointRecorder {
    private(set) var state: UploadCheckpoint

    init(_ state: UploadCheckpoint) { self.state = state }

    func record(_ part: UploadedPart, to path: String) async {
        state.parts.removeAll { $0.partNumber == part.partNumber }
        state.parts.append(part)
        state.parts.sort { $0.partNumber < $1.partNumber }
        // A checkpoint that cannot be written costs only the resume, not the upload.
        try? await state.save(path)
    }
}
