import OSSHTTP

// MARK: CopyObject above the threshold: a multipart upload of UploadPartCopy parts

/// What a multipart copy needs to know of its source, from one HEAD: the size that chooses the
/// path, the ETag every part is guarded by, the CRC-64 the copy is checked against, and the
/// metadata a multipart upload does not copy by itself.
struct CopySourceProperties: Sendable {
    var size: Int64
    var etag: String?
    var crc64: UInt64?
    var contentType: String?
    /// `x-oss-meta-*`, the prefix removed, names lowercased.
    var metadata: [String: String]
    /// Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires.
    var storedHeaders: [String: String]
    var storageClass: String?
    var taggingCount: Int
    /// `x-oss-object-type`: a symlink is copied as itself by CopyObject (OSS copies the link, not
    /// its target), so it never takes the multipart path whatever its target's size.
    var objectType: String?

    /// Whether the copy goes multipart above `threshold`.
    func needsParts(above threshold: Int64) -> Bool { size > threshold && objectType?.lowercased() != "symlink" }

    /// The headers a copy with ``MetadataDirective/copy`` keeps, as OSS's CopyObject and the
    /// official SDKs' copiers keep them.
    static let copiedHeaders = ["Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"]
    /// Client-side encryption's metadata, which OSS keeps even with ``MetadataDirective/replace``:
    /// without it the copy could not be decrypted.
    static let encryptionMetadataPrefix = "client-side-encryption-"

    init(_ response: OSSResponse) {
        size = response.header("Content-Length").flatMap { Int64($0) } ?? 0
        etag = response.header("ETag")?.unquoted
        crc64 = response.header("x-oss-hash-crc64ecma").flatMap { UInt64($0) }
        contentType = response.header("Content-Type")
        var metadata: [String: String] = [:]
        for field in response.headers where field.name.lowercased().hasPrefix("x-oss-meta-") {
            metadata[String(field.name.lowercased().dropFirst("x-oss-meta-".count))] = field.value
        }
        self.metadata = metadata
        var stored: [String: String] = [:]
        for name in Self.copiedHeaders { if let value = response.header(name) { stored[name] = value } }
        storedHeaders = stored
        storageClass = response.header("x-oss-storage-class")
        taggingCount = response.header("x-oss-tagging-count").flatMap { Int($0) } ?? 0
        objectType = response.header("x-oss-object-type")
    }
}

extension OSSBucket {
    /// The multipart settings of `options`, checked before anything is sent.
    static func checkMultipartCopySettings(_ options: CopyObjectOptions) throws(OSSError) {
        if let threshold = options.multipartThreshold, threshold < 0 {
            throw .invalidArgument(parameter: "multipartThreshold", reason: "\(threshold) is negative.")
        }
        guard (MultipartLimits.minimumPartSize...MultipartLimits.maximumPartSize).contains(options.partSize) else {
            throw .invalidArgument(parameter: "partSize", reason: "\(options.partSize) is outside 100 KiB...5 GiB.")
        }
        guard options.concurrency >= 1 else {
            throw .invalidArgument(parameter: "concurrency", reason: "\(options.concurrency) is below 1.")
        }
    }

    /// A HEAD of the copy source, or nil when it fails for any reason but cancellation: the
    /// single CopyObject then goes out as it always did, and its answer (NoSuchKey,
    /// AccessDenied...) is the caller's error, so a failed HEAD never changes what a copy reports.
    func copySource(_ key: String, in bucket: String, options: RequestOptions) async throws(OSSError) -> CopySourceProperties? {
        do throws(OSSError) {
            let response = try await OSSBucket(client: client, name: bucket).call("HeadObject", "HEAD", key: key, options: options)
            return CopySourceProperties(response)
        } catch let error where error.kind == .cancelled {
            throw error
        } catch {
            if Task.isCancelled { throw .cancelled }
            return nil
        }
    }

    /// The value of a header of `headers`, whatever its case.
    static func header(_ name: String, in headers: [String: String]) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// Initiate (with the metadata the copy gets), the parts at most `concurrency` at once, each
    /// guarded by the source's ETag, then Complete, checked against the source's CRC-64. Any
    /// failure or cancellation aborts the upload.
    func copyObjectInParts(from sourceKey: String, sourceBucket: String, to key: String, source: CopySourceProperties,
                           options: CopyObjectOptions) async throws(OSSError) -> CopyObjectResult {
        let initiate = try await multipartCopyInitiateOptions(from: sourceKey, sourceBucket: sourceBucket, to: key, source: source,
                                                              options: options)
        let partSize = Uploader(bucket: self, partSize: options.partSize).effectivePartSize(forFileSize: source.size)
        let ranges = Uploader.partRanges(size: source.size, partSize: partSize).enumerated().map { (number: $0.offset + 1, range: $0.element) }
        // Run to its answer even when cancelled, so the upload it makes can be aborted.
        let upload = try await Uploader.initiate(key, bucket: self, options: initiate)
        let guardETag = options.ifMatch ?? source.etag
        let request = options.request
        let bucket = self
        let concurrency = options.concurrency
        let outcome = await Uploader.uploadParts(ranges, concurrency: concurrency, total: source.size, progress: nil) { number, range, _ throws(OSSError) in
            try await bucket.uploadPartCopy(upload, partNumber: number, from: sourceKey, sourceBucket: sourceBucket,
                                            range: range.offset...(range.offset + range.length - 1), ifMatch: guardETag, options: request)
        }
        let completed: (result: CompleteMultipartUploadResult, date: String?)
        do throws(OSSError) {
            let parts = try outcome.get()
            if Task.isCancelled { throw .cancelled }
            let extra = options.forbidOverwrite ? [HTTPHeaderField("x-oss-forbid-overwrite", "true")] : []
            completed = try await completeMultipartUpload(upload, parts: parts, headers: extra, options: request)
        } catch {
            await Uploader.abort(upload, bucket: self)
            throw error
        }
        let result = completed.result
        // The object is the source's bytes only if its CRC-64 is the source's: the one check that
        // covers the whole copy, whatever the parts reported.
        if let expected = source.crc64, let actual = result.crc64, expected != actual {
            throw .integrity(IntegrityError(kind: .crc64, expected: String(expected), actual: String(actual), requestId: result.requestId))
        }
        let lastModified = completed.date.flatMap { SigningTime(httpDate: $0) }?.iso8601Extended ?? ""
        return CopyObjectResult(etag: result.etag, lastModified: lastModified, crc64: result.crc64, requestId: result.requestId,
                                parts: ranges.count)
    }

    /// What InitiateMultipartUpload must say so that the multipart copy gets the metadata a single
    /// CopyObject would give it: with ``MetadataDirective/copy`` the source's (a multipart upload
    /// copies nothing by itself), with ``MetadataDirective/replace`` the request's; the tags of
    /// the source unless `x-oss-tagging-directive: REPLACE`; the source's storage class unless
    /// the request names one. The copy-only headers stay out.
    func multipartCopyInitiateOptions(from sourceKey: String, sourceBucket: String, to key: String, source: CopySourceProperties,
                                      options: CopyObjectOptions) async throws(OSSError) -> PutObjectOptions {
        var headers: [String: String] = [:]
        for (field, value) in options.headers {
            let lower = field.lowercased()
            if lower.hasPrefix("x-oss-copy-source") || lower == "x-oss-metadata-directive" || lower == "x-oss-tagging-directive"
                || lower == "x-oss-tagging" {
                continue
            }
            headers[field] = value
        }
        let contentType: String
        var metadata: [String: String]
        switch options.metadataDirective {
        case .copy:
            contentType = source.contentType ?? "application/octet-stream"
            metadata = source.metadata
            for (name, value) in source.storedHeaders where Self.header(name, in: headers) == nil { headers[name] = value }
        case .replace:
            contentType = options.contentType ?? MediaTypes.guess(forKey: key)
            metadata = [:]
            for (name, value) in options.metadata { metadata[name.lowercased()] = value }
            for (name, value) in source.metadata where name.hasPrefix(CopySourceProperties.encryptionMetadataPrefix) && metadata[name] == nil {
                metadata[name] = value
            }
        }
        if Self.header("x-oss-storage-class", in: headers) == nil, let storageClass = source.storageClass {
            headers["x-oss-storage-class"] = storageClass
        }
        if Self.header("x-oss-tagging-directive", in: options.headers)?.uppercased() == "REPLACE" {
            if let tagging = Self.header("x-oss-tagging", in: options.headers) { headers["x-oss-tagging"] = tagging }
        } else if source.taggingCount > 0 {
            let tags = try await OSSBucket(client: client, name: sourceBucket).getObjectTagging(sourceKey, options: options.request)
            headers["x-oss-tagging"] = tags.sorted { $0.key < $1.key }
                .map { OSSPercentEncoding.encodeQueryComponent($0.key) + "=" + OSSPercentEncoding.encodeQueryComponent($0.value) }
                .joined(separator: "&")
        }
        if options.forbidOverwrite { headers["x-oss-forbid-overwrite"] = "true" }
        return PutObjectOptions(contentType: contentType, metadata: metadata, headers: headers, request: options.request)
    }
}
