import OSSCrypto
import OSSFileIO
import OSSHTTP
import OSSLocking

/// Uploads a large file as a multipart upload, several parts at a time.
///
/// Why not one PutObject: PutObject stops at 5 GiB, a dropped connection restarts it from byte 0,
/// and one stream rarely fills a fast link. Here at most ``concurrency`` parts are in flight; a
/// part body is streamed from the file by the transport, and its MD5 and CRC-64 are read first
/// 1 MiB at a time, so memory stays near `concurrency` MiB whatever the file size. Each part's
/// CRC-64 is checked against the server's, and the object's against the parts' combined with
/// `CRC64.combine`. A failed part is retried by the client's ``RetryPolicy``; a part that still
/// fails, or cancellation, aborts the upload so that no orphaned parts are left to bill.
public struct Uploader: Sendable {
    /// The bucket uploaded to.
    public var bucket: OSSBucket
    /// Bytes a part (the last may be shorter); grown when the file would need over 10,000 parts.
    public var partSize: Int64
    /// Parts in flight at once.
    public var concurrency: Int

    /// An uploader; `partSize` at least 100 KiB and at most 5 GiB, `concurrency` at least 1.
    public init(bucket: OSSBucket, partSize: Int64 = 8 << 20, concurrency: Int = 4) {
        self.bucket = bucket
        self.partSize = partSize
        self.concurrency = concurrency
    }

    /// The part size used for `size` bytes: ``partSize``, or the smallest whole MiB above it that
    /// fits the file in 10,000 parts.
    public func effectivePartSize(forFileSize size: Int64) -> Int64 {
        let (perPart, overflow) = size.addingReportingOverflow(Int64(MultipartLimits.maximumPartCount) - 1)
        let needed = overflow ? Int64.max / Int64(MultipartLimits.maximumPartCount) : perPart / Int64(MultipartLimits.maximumPartCount)
        guard needed > partSize else { return partSize }
        let mebibyte: Int64 = 1 << 20
        return min(MultipartLimits.maximumPartSize, (needed / mebibyte + (needed % mebibyte == 0 ? 0 : 1)) * mebibyte)
    }

    /// Uploads the file at `path` to `key`. `options.progress` is called as the parts' bytes are
    /// sent, with the bytes sent so far across the parts in flight and the file size.
    @discardableResult
    public func upload(fromFile path: String, to key: String,
                       options: PutObjectOptions = PutObjectOptions()) async throws(OSSError) -> CompleteMultipartUploadResult {
        try bucket.validate(key)
        guard (MultipartLimits.minimumPartSize...MultipartLimits.maximumPartSize).contains(partSize) else {
            throw .invalidArgument(parameter: "partSize", reason: "\(partSize) is outside 100 KiB...5 GiB.")
        }
        guard concurrency >= 1 else { throw .invalidArgument(parameter: "concurrency", reason: "\(concurrency) is below 1.") }
        let size: Int64
        do {
            size = try await BlockingIO.run { try POSIXFile(readingAt: path).status().size }
        } catch {
            throw DownloadPipeline.destinationError(error, path: path, while: "reading")
        }
        let partSize = effectivePartSize(forFileSize: size)
        guard size <= partSize * Int64(MultipartLimits.maximumPartCount) else {
            throw .invalidArgument(parameter: "file", reason: "\(path) is larger than 10,000 parts of 5 GiB.")
        }
        let ranges = Self.partRanges(size: size, partSize: partSize).enumerated().map { (number: $0.offset + 1, range: $0.element) }
        let upload = try await Self.initiate(key, bucket: bucket, options: options)
        let bucket = self.bucket
        let outcome = await Self.uploadParts(ranges, concurrency: concurrency, total: size, progress: options.progress) { number, range, sent throws(OSSError) in
            try await bucket.uploadPart(upload, partNumber: number, fromFile: path, offset: range.offset, length: range.length,
                                        options: options.request, uploadProgress: sent)
        }
        do throws(OSSError) {
            let parts = try outcome.get()
            if Task.isCancelled { throw .cancelled }
            return try await bucket.completeMultipartUpload(upload, parts: parts, options: options.request)
        } catch {
            await Self.abort(upload, bucket: bucket)
            throw error
        }
    }

    /// Offsets and lengths of the parts; one empty part for an empty file, which OSS needs to
    /// complete an upload at all.
    static func partRanges(size: Int64, partSize: Int64) -> [(offset: Int64, length: Int64)] {
        guard size > 0 else { return [(0, 0)] }
        var ranges: [(offset: Int64, length: Int64)] = []
        var offset: Int64 = 0
        while offset < size {
            let length = min(partSize, size - offset)
            ranges.append((offset, length))
            offset += length
        }
        return ranges
    }

    /// Runs `send` for every part with at most `concurrency` in flight; the first failure cancels
    /// the rest. `completed` sees each part as it finishes (a checkpoint records it). `send` gets
    /// the part's upload progress to hand to the transport; `progress` sees the bytes sent across
    /// the parts in flight, counted from `alreadyUploaded` (the parts a resumed upload need not send).
    static func uploadParts(_ ranges: [(number: Int, range: (offset: Int64, length: Int64))], concurrency: Int, total: Int64,
                            alreadyUploaded: Int64 = 0, progress: ProgressHandler?,
                            completed: @Sendable (UploadedPart) async -> Void = { _ in },
                            send: @escaping @Sendable (Int, (offset: Int64, length: Int64), UploadProgressHandler?) async throws(OSSError)
                                -> UploadedPart) async
        -> Result<[UploadedPart], OSSError> {
        let counter = ProgressCounter(start: alreadyUploaded, total: total, handler: progress)
        return await withTaskGroup(of: Result<UploadedPart, OSSError>.self) { group in
            var parts: [UploadedPart] = []
            parts.reserveCapacity(ranges.count)
            var next = 0
            var failure: OSSError?
            func startNext() {
                let (number, range) = ranges[next]
                next += 1
                group.addTask {
                    let part = PartProgress(counter)
                    let reporter: UploadProgressHandler? = progress == nil ? nil : { @Sendable bytes in part.sent(bytes) }
                    do throws(OSSError) {
                        let uploaded = try await send(number, range, reporter)
                        part.sent(uploaded.size)
                        return .success(uploaded)
                    } catch {
                        return .failure(error)
                    }
                }
            }
            while next < min(concurrency, ranges.count) { startNext() }
            while let result = await group.next() {
                switch result {
                case let .success(part):
                    parts.append(part)
                    await completed(part)
                    if failure == nil, next < ranges.count, !Task.isCancelled { startNext() }
                case let .failure(error):
                    if failure == nil {
                        failure = error
                        group.cancelAll()
                    }
                }
            }
            if let failure { return .failure(failure) }
            if Task.isCancelled || parts.count != ranges.count { return .failure(.cancelled) }
            return .success(parts.sorted { $0.partNumber < $1.partNumber })
        }
    }

    /// Initiates the upload to the end even when the caller's task is cancelled meanwhile: the
    /// server may create the upload all the same, and without its ID nothing could abort or
    /// resume it (a cancellation during the initiate left an open upload behind). The caller then
    /// sees the cancellation at its next step and aborts, or keeps the upload in its checkpoint.
    static func initiate(_ key: String, bucket: OSSBucket, options: PutObjectOptions) async throws(OSSError) -> MultipartUpload {
        let initiation = Task { () async -> Result<MultipartUpload, OSSError> in
            do throws(OSSError) {
                return .success(try await bucket.initiateMultipartUpload(key, options: options))
            } catch {
                return .failure(error)
            }
        }
        return try await initiation.value.get()
    }

    /// Aborts in a task of its own: the caller's may be cancelled, and the abort must still go out.
    static func abort(_ upload: MultipartUpload, bucket: OSSBucket) async {
        await Task {
            try? await bucket.abortMultipartUpload(upload, options: RequestOptions(maxAttempts: 3))
        }.value
    }
}

/// One part's bytes sent, added to the upload's count as they change: when a retried attempt
/// starts again from 0, the bytes of the failed one are taken back.
final class PartProgress: Sendable {
    private let reported = LockedValue<Int64>(0)
    private let counter: ProgressCounter

    init(_ counter: ProgressCounter) {
        self.counter = counter
    }

    /// The part's bytes sent so far (the transport's count, or its size once it is uploaded).
    func sent(_ bytes: Int64) {
        let change = reported.withLock { value -> Int64 in
            defer { value = bytes }
            return bytes - value
        }
        if change != 0 { counter.add(change) }
    }
}
