import OSSCrypto
import OSSFileIO
import OSSHTTP
import OSSLocking

/// Downloads a large object as ranged parts, several at a time, into a file that appears whole
/// and verified or not at all; an interrupted download resumes from its checkpoint.
///
/// Why not one GetObject: a single stream rarely fills a link whose every connection is capped,
/// and a dropped connection restarts it at byte 0. Here a HEAD learns the size, ETag and CRC-64;
/// at most ``concurrency`` ranged GETs are in flight, each with `If-Match` the ETag, so an object
/// replaced mid-download is an error rather than a file stitched from two versions. Each part is
/// written at its offset in a temporary file beside the destination (`pwrite`, on
/// `BlockingIO`'s threads) chunk by chunk as it arrives, so memory stays near `concurrency`
/// transport buffers whatever the part size. The parts' CRC-64s, combined with
/// `CRC64.combine`, must equal the object's `x-oss-hash-crc64ecma`; then the file is synced and
/// renamed over the destination in one step, exactly as ``OSSBucket/getObject(_:process:toFile:options:)-(_,String?,_,_)``
/// does. Until then the destination is untouched, whatever fails.
///
/// Files beside the destination `NAME` (or beside the file a symlink `NAME` resolves to):
/// - `.NAME.oss-download`: the temporary file, the object's size from the start;
/// - `.NAME.oss-download.json`: the checkpoint (``DownloadOptions/resumable`` only), rewritten
///   atomically after every part.
///
/// A failed or cancelled resumable download keeps both, and the next ``download(_:toFile:options:)``
/// of the same key to the same path fetches only the parts still missing, provided the object's
/// ETag and size and the part size are unchanged (otherwise it starts over). A failure that makes
/// resuming pointless (a wrong CRC-64, an object changed under the download) removes them. A
/// failed part is retried by the client's ``RetryPolicy``.
public struct Downloader: Sendable {
    /// The bucket downloaded from.
    public var bucket: OSSBucket
    /// Bytes a ranged GET asks for (the last may be shorter).
    public var partSize: Int64
    /// Parts in flight at once.
    public var concurrency: Int

    /// A downloader; `partSize` at least 100 KiB and at most 5 GiB (the bounds of an upload's
    /// parts), `concurrency` at least 1.
    public init(bucket: OSSBucket, partSize: Int64 = 8 << 20, concurrency: Int = 4) {
        self.bucket = bucket
        self.partSize = partSize
        self.concurrency = concurrency
    }

    /// The part size used for an object of `size` bytes: ``partSize``, or, as for uploads, the
    /// smallest whole MiB above it that covers the object in 10,000 parts, so that the list of
    /// parts and the checkpoint stay small.
    public func effectivePartSize(forObjectSize size: Int64) -> Int64 {
        Uploader(bucket: bucket, partSize: partSize).effectivePartSize(forFileSize: size)
    }

    /// Downloads `key` to the file at `path`, resuming an earlier interrupted download of it.
    @discardableResult
    public func download(_ key: String, toFile path: String,
                         options: DownloadOptions = DownloadOptions()) async throws(OSSError) -> DownloadResult {
        try bucket.validate(key)
        guard (MultipartLimits.minimumPartSize...MultipartLimits.maximumPartSize).contains(partSize) else {
            throw .invalidArgument(parameter: "partSize", reason: "\(partSize) is outside 100 KiB...5 GiB.")
        }
        guard concurrency >= 1 else { throw .invalidArgument(parameter: "concurrency", reason: "\(concurrency) is below 1.") }
        try await OSSBucket.validateDestination(path)
        let files: DownloadFiles
        do {
            files = try await BlockingIO.run { try DownloadFiles(target: AtomicFileWriter.replaceableTarget(of: path)) }
        } catch {
            throw DownloadPipeline.destinationError(error, path: path, while: "examining")
        }
        let head = try await bucket.headObject(key, options: GetObjectOptions(request: options.request))
        guard let size = head.contentLength, size >= 0, let etag = head.etag, !etag.isEmpty else {
            throw .responseParse(ResponseParseError(operation: "HeadObject", problem: "no Content-Length or ETag for \(key)", requestId: head.requestId))
        }
        // No object is larger than 10,000 parts of 5 GiB; a size above it is no answer to trust
        // (and would ask for billions of parts).
        guard size <= MultipartLimits.maximumPartSize * Int64(MultipartLimits.maximumPartCount) else {
            throw .responseParse(ResponseParseError(operation: "HeadObject", problem: "Content-Length \(size) is larger than any object", requestId: head.requestId))
        }
        let partSize = effectivePartSize(forObjectSize: size)
        let object = DownloadCheckpoint.Object(bucket: bucket.name, key: key, destination: files.target, etag: etag, size: size,
                                               crc64: head.crc64.map { String($0) }, partSize: partSize)
        let ranges = Self.partRanges(size: size, partSize: partSize)
        let state = try await DownloadState.prepare(files, object: object, ranges: ranges, resumable: options.resumable, path: path)
        do throws(OSSError) {
            let result = try await finish(state, key: key, etag: etag, head: head, ranges: ranges, options: options, path: path)
            await state.removeCheckpoint()
            return result
        } catch {
            if !options.resumable || Self.makesResumingPointless(error) {
                await state.discard()
            }
            throw error
        }
    }

    /// Fetches the missing parts, checks the CRC-64 and moves the file into place.
    private func finish(_ state: DownloadState, key: String, etag: String, head: ObjectInfo, ranges: [PartRange],
                        options: DownloadOptions, path: String) async throws(OSSError) -> DownloadResult {
        let size = head.contentLength ?? 0
        let resumed = await state.doneParts
        let missing = ranges.indices.filter { resumed[$0] == nil }
        let already = ranges.indices.reduce(Int64(0)) { resumed[$1] == nil ? $0 : $0 + ranges[$1].length }
        let counter = ProgressCounter(start: already, total: size, handler: options.progress)
        if already > 0 { counter.add(0) }
        let bucket = self.bucket
        let file = state.file
        let request = options.request
        let outcome = await Self.fetchParts(missing, ranges: ranges, concurrency: concurrency, completed: { index, crc in
            await state.record(index, crc64: crc)
        }, fetch: { range throws(OSSError) in
            try await Self.fetch(range, of: key, etag: etag, size: size, bucket: bucket, into: file, path: path,
                                 request: request, progress: counter)
        })
        try outcome.get()
        let done = await state.doneParts
        guard done.count == ranges.count else { throw .cancelled }
        var combined: UInt64 = 0
        for (index, range) in ranges.enumerated() {
            guard let crc = done[index] else { throw .cancelled }
            combined = index == 0 ? crc : CRC64.combine(combined, crc, secondLength: range.length)
        }
        if let expected = head.crc64, expected != combined {
            throw .integrity(IntegrityError(kind: .crc64, expected: String(expected), actual: String(combined), requestId: head.requestId))
        }
        if Task.isCancelled { throw .cancelled }
        try await state.commit(path: path)
        return DownloadResult(size: size, crc64: combined, etag: etag, fetchedParts: missing.count, resumedParts: resumed.count)
    }

    /// A wrong CRC-64 or an object replaced under the download (412 on `If-Match`): the bytes on
    /// disk cannot become the object, so nothing is kept to resume from.
    static func makesResumingPointless(_ error: OSSError) -> Bool {
        if error.integrityError?.kind == .crc64 { return true }
        if let server = error.serverError, server.status == 412 { return true }
        return false
    }

    /// A part: where it starts and how long it is.
    typealias PartRange = (offset: Int64, length: Int64)

    /// The parts of `size` bytes; none for an empty object, which needs no GET at all.
    static func partRanges(size: Int64, partSize: Int64) -> [PartRange] {
        var ranges: [PartRange] = []
        var offset: Int64 = 0
        while offset < size {
            let length = min(partSize, size - offset)
            ranges.append((offset, length))
            offset += length
        }
        return ranges
    }

    /// Runs `fetch` for the parts at `indices` with at most `concurrency` in flight; the first
    /// failure cancels the rest. `completed` sees each part's CRC-64 as it finishes.
    static func fetchParts(_ indices: [Int], ranges: [PartRange], concurrency: Int,
                           completed: @Sendable (Int, UInt64) async -> Void,
                           fetch: @escaping @Sendable (PartRange) async throws(OSSError) -> UInt64) async -> Result<Void, OSSError> {
        await withTaskGroup(of: PartOutcome.self) { group in
            var next = 0
            var finished = 0
            var failure: OSSError?
            func startNext() {
                let index = indices[next]
                let range = ranges[index]
                next += 1
                group.addTask {
                    do throws(OSSError) {
                        return PartOutcome(index: index, crc64: try await fetch(range), error: nil)
                    } catch {
                        return PartOutcome(index: index, crc64: 0, error: error)
                    }
                }
            }
            while next < min(concurrency, indices.count) { startNext() }
            while let outcome = await group.next() {
                if let error = outcome.error {
                    if failure == nil {
                        failure = error
                        group.cancelAll()
                    }
                    continue
                }
                finished += 1
                // The next part starts before the checkpoint is written, so the write never
                // leaves a connection idle.
                if failure == nil, next < indices.count, !Task.isCancelled { startNext() }
                await completed(outcome.index, outcome.crc64)
            }
            if let failure { return .failure(failure) }
            if Task.isCancelled || finished != indices.count { return .failure(.cancelled) }
            return .success(())
        }
    }

    /// How one part's fetch ended.
    struct PartOutcome: Sendable {
        var index: Int
        var crc64: UInt64
        var error: OSSError?
    }

    /// One ranged GET with `If-Match`, streamed into the file at the part's offset; returns the
    /// part's CRC-64. A body cut short, or one that does not answer the range asked for, is
    /// retried by the client like any broken body; the progress it reported is taken back first.
    static func fetch(_ range: PartRange, of key: String, etag: String, size: Int64, bucket: OSSBucket, into file: POSIXFile,
                      path: String, request: RequestOptions, progress: ProgressCounter) async throws(OSSError) -> UInt64 {
        let last = range.offset + range.length - 1
        let operation = try bucket.getOperation(key, process: nil, options: GetObjectOptions(range: .bytes(range.offset...last), ifMatch: etag))
        return try await bucket.client.perform(operation, options: request) { response, _ throws(OSSError) in
            let info = ObjectInfo(response)
            guard response.status == 206, info.contentRange == "bytes \(range.offset)-\(last)/\(size)" else {
                response.body.cancel()
                throw .integrity(IntegrityError(kind: .length, expected: "bytes \(range.offset)-\(last)/\(size)",
                                                actual: info.contentRange ?? "HTTP \(response.status) without Content-Range",
                                                requestId: info.requestId))
            }
            var crc = CRC64()
            var received: Int64 = 0
            do throws(OSSError) {
                do {
                    var iterator = response.body.makeAsyncIterator()
                    while let chunk = try await iterator.next() {
                        let count = Int64(chunk.count)
                        guard count <= range.length - received else {
                            response.body.cancel()
                            throw OSSError.integrity(IntegrityError(kind: .length, expected: String(range.length), actual: "more",
                                                                    requestId: info.requestId))
                        }
                        let offset = range.offset + received
                        crc = try await BlockingIO.run { [crc] in
                            var updated = crc
                            updated.update(chunk)
                            try chunk.withUnsafeBytes { try file.writeAll($0, at: offset) }
                            return updated
                        }
                        received += count
                        progress.add(count)
                    }
                } catch let error as FileIOError {
                    response.body.cancel()
                    throw DownloadPipeline.destinationError(error, path: path, while: "writing")
                } catch let error as OSSError {
                    throw error
                } catch {
                    throw DownloadPipeline.bodyError(error, received: received, info: info)
                }
                guard received == range.length else {
                    throw .integrity(IntegrityError(kind: .length, expected: String(range.length), actual: String(received), requestId: info.requestId))
                }
                return crc.value
            } catch {
                progress.add(-received)
                throw error
            }
        }
    }
}

/// What ``Downloader/download(_:toFile:options:)`` may change.
public struct DownloadOptions: Sendable {
    /// Keep the temporary file and a checkpoint on failure, and resume from them (the default).
    /// Off: nothing is left behind on failure, and nothing earlier is resumed.
    public var resumable: Bool
    /// Attempts and timeouts for each request (the HEAD and every part).
    public var request: RequestOptions
    /// Called as bytes arrive, from any part, with the bytes on disk so far (resumed parts
    /// included) and the object's size.
    public var progress: ProgressHandler?

    /// Resumable, the client's retries and timeouts, no progress.
    public init(resumable: Bool = true, request: RequestOptions = RequestOptions(), progress: ProgressHandler? = nil) {
        self.resumable = resumable
        self.request = request
        self.progress = progress
    }
}

/// A finished download.
public struct DownloadResult: Sendable, Hashable {
    /// Bytes in the file.
    public var size: Int64
    /// The file's CRC-64, equal to the object's `x-oss-hash-crc64ecma` when the server sent one.
    public var crc64: UInt64
    /// The ETag every part was fetched under.
    public var etag: String
    /// Parts fetched by this call.
    public var fetchedParts: Int
    /// Parts taken from an earlier interrupted download (checked again against their CRC-64).
    public var resumedParts: Int
}

/// Bytes done across parts in flight, reported as they arrive.
final class ProgressCounter: Sendable {
    private let done: LockedValue<Int64>
    private let total: Int64
    private let handler: ProgressHandler?

    init(start: Int64, total: Int64, handler: ProgressHandler?) {
        done = LockedValue(start)
        self.total = total
        self.handler = handler
    }

    /// Adds `bytes` (negative when a failed attempt's bytes are taken back) and reports. The
    /// handler is called under the lock, so parts finishing together report in the order they
    /// added and the last call carries the final count.
    func add(_ bytes: Int64) {
        guard let handler else { return }
        done.withLock { value in
            value += bytes
            handler(value, total)
        }
    }
}
