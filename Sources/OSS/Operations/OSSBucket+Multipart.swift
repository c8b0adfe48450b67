import OSSCrypto
import OSSFileIO
import OSSHTTP

/// The part sizes and counts OSS allows.
enum MultipartLimits {
    /// Every part but the last must be at least 100 KiB.
    static let minimumPartSize: Int64 = 100 << 10
    /// No part may exceed 5 GiB.
    static let maximumPartSize: Int64 = 5 << 30
    /// Part numbers run from 1 to 10,000.
    static let maximumPartCount = 10_000
}

extension OSSBucket {
    /// Starts a multipart upload; the content type and metadata of `options` become the object's.
    public func initiateMultipartUpload(_ key: String, options: PutObjectOptions = PutObjectOptions()) async throws(OSSError) -> MultipartUpload {
        try validate(key)
        var headers = [HTTPHeaderField("Content-Type", options.contentType ?? MediaTypes.guess(forKey: key))]
        for (field, value) in options.metadata.sorted(by: { $0.key < $1.key }) {
            headers.append(HTTPHeaderField("x-oss-meta-\(field.lowercased())", value))
        }
        for (field, value) in options.headers.sorted(by: { $0.key < $1.key }) { headers.append(HTTPHeaderField(field, value)) }
        let response = try await call("InitiateMultipartUpload", "POST", key: key, query: [QueryItem("uploads")], headers: headers,
                                      options: options.request)
        let tree = try Self.xml(response, root: "InitiateMultipartUploadResult", operation: "InitiateMultipartUpload")
        guard let uploadId = tree.value("UploadId"), !uploadId.isEmpty else {
            throw .responseParse(ResponseParseError(operation: "InitiateMultipartUpload", problem: "no UploadId", requestId: response.requestId))
        }
        return MultipartUpload(bucket: name, key: key, uploadId: uploadId)
    }

    /// Uploads one part from memory, with `Content-MD5`, and checks the part's CRC-64.
    public func uploadPart(_ upload: MultipartUpload, partNumber: Int, data: [UInt8],
                           options: RequestOptions = RequestOptions()) async throws(OSSError) -> UploadedPart {
        try await uploadPart(upload, partNumber: partNumber, body: .bytes(data), md5: Crypto.md5(data), crc: CRC64.checksum(data), options: options)
    }

    /// Uploads `length` bytes of a file from `offset` as one part, streamed from disk; the range
    /// is read once first for its MD5 and CRC-64 (1 MiB at a time), so a file that changes under
    /// the upload fails the check instead of producing a silently different object.
    public func uploadPart(_ upload: MultipartUpload, partNumber: Int, fromFile path: String, offset: Int64, length: Int64,
                           options: RequestOptions = RequestOptions()) async throws(OSSError) -> UploadedPart {
        try await uploadPart(upload, partNumber: partNumber, fromFile: path, offset: offset, length: length, options: options, uploadProgress: nil)
    }

    /// ``uploadPart(_:partNumber:fromFile:offset:length:options:)``, telling `uploadProgress` the
    /// part's bytes as they are sent.
    func uploadPart(_ upload: MultipartUpload, partNumber: Int, fromFile path: String, offset: Int64, length: Int64,
                    options: RequestOptions, uploadProgress: UploadProgressHandler?) async throws(OSSError) -> UploadedPart {
        guard offset >= 0, length >= 0, offset <= Int64.max - length else {
            throw .invalidArgument(parameter: "offset", reason: "\(offset) and length \(length) do not describe a range of a file.")
        }
        let digests: (md5: [UInt8], crc: UInt64)
        do {
            digests = try await BlockingIO.run {
                let file = try POSIXFile(readingAt: path)
                var md5 = StreamingDigest(.md5)
                var crc = CRC64()
                var position = offset
                let end = offset + length
                while position < end {
                    let chunk = try file.read(at: position, count: Int(min(1 << 20, end - position)))
                    guard !chunk.isEmpty else { throw FileIOError("reading", path: path, code: 0) }
                    md5.update(chunk)
                    crc.update(chunk)
                    position += Int64(chunk.count)
                }
                return (md5.finalize(), crc.value)
            }
        } catch let error as FileIOError where error.code == 0 {
            throw .invalidArgument(parameter: "length", reason: "\(path) ends before byte \(offset + length).")
        } catch {
            throw DownloadPipeline.destinationError(error, path: path, while: "reading")
        }
        return try await uploadPart(upload, partNumber: partNumber, body: .file(path: path, offset: offset, length: length),
                                    md5: digests.md5, crc: digests.crc, options: options, uploadProgress: uploadProgress)
    }

    func uploadPart(_ upload: MultipartUpload, partNumber: Int, body: HTTPRequestBody, md5: [UInt8], crc: UInt64,
                    options: RequestOptions, uploadProgress: UploadProgressHandler? = nil) async throws(OSSError) -> UploadedPart {
        try checkUpload(upload)
        guard (1...MultipartLimits.maximumPartCount).contains(partNumber) else {
            throw .invalidArgument(parameter: "partNumber", reason: "\(partNumber) is outside 1...10000.")
        }
        guard body.length <= MultipartLimits.maximumPartSize else {
            throw .invalidArgument(parameter: "data", reason: "a part holds at most 5 GiB; this one is \(body.length) bytes.")
        }
        let response = try await call("UploadPart", "PUT", key: upload.key,
                                      query: [QueryItem("partNumber", String(partNumber)), QueryItem("uploadId", upload.uploadId)],
                                      headers: [HTTPHeaderField("Content-MD5", Base64.encode(md5))], body: body, options: options,
                                      uploadProgress: uploadProgress)
        guard let etag = response.header("ETag")?.unquoted else {
            throw .responseParse(ResponseParseError(operation: "UploadPart", problem: "no ETag header", requestId: response.requestId))
        }
        if let returned = response.header("x-oss-hash-crc64ecma").flatMap({ UInt64($0) }), returned != crc {
            throw .integrity(IntegrityError(kind: .crc64, expected: String(returned), actual: String(crc), requestId: response.requestId))
        }
        return UploadedPart(partNumber: partNumber, etag: etag, size: body.length, crc64: crc)
    }

    /// Copies bytes of an existing object, in this bucket or another of the region, as part
    /// `partNumber` of `upload` (UploadPartCopy), inside OSS: the bytes never pass through the
    /// client. It is how an object above CopyObject's limit is copied (``OSSBucket/copyObject(from:sourceBucket:to:options:)``
    /// does it on its own above ``CopyObjectOptions/multipartThreshold``), and how an object is
    /// assembled from ranges of others.
    ///
    /// `range` is inclusive, as `x-oss-copy-source-range: bytes=first-last` is, and must lie
    /// inside the source: OSS refuses a range past the source's end (EC 0042-00000306). Nil
    /// copies the whole source. A part holds at most 5 GiB, and every part but the last at least
    /// 100 KiB (OSS checks that at completion). `ifMatch` makes OSS copy only while the source's
    /// ETag is still that one (`x-oss-copy-source-if-match`), so parts copied at different times
    /// cannot come from two versions of the source; a changed source is a 412.
    ///
    /// The part's ``UploadedPart/size`` is the range's length and its ``UploadedPart/crc64`` the
    /// server's `x-oss-hash-crc64ecma` when it sends one; without a range the client knows
    /// neither (size 0, no CRC-64), and the completion then skips the combined CRC-64 check.
    public func uploadPartCopy(_ upload: MultipartUpload, partNumber: Int, from sourceKey: String, sourceBucket: String? = nil,
                               range: ClosedRange<Int64>? = nil, ifMatch: String? = nil,
                               options: RequestOptions = RequestOptions()) async throws(OSSError) -> UploadedPart {
        try checkUpload(upload)
        guard (1...MultipartLimits.maximumPartCount).contains(partNumber) else {
            throw .invalidArgument(parameter: "partNumber", reason: "\(partNumber) is outside 1...10000.")
        }
        let fromBucket = sourceBucket ?? name
        try OSSValidation.validateBucketName(fromBucket)
        try OSSValidation.validateObjectKey(sourceKey)
        var headers = [HTTPHeaderField("x-oss-copy-source", "/\(fromBucket)/" + OSSPercentEncoding.encodePath(sourceKey))]
        var size: Int64 = 0
        if let range {
            guard range.lowerBound >= 0 else {
                throw .invalidArgument(parameter: "range", reason: "\(range.lowerBound) is negative; a range starts at byte 0 or later.")
            }
            guard range.upperBound - range.lowerBound < MultipartLimits.maximumPartSize else {
                throw .invalidArgument(parameter: "range", reason: "a part holds at most 5 GiB; \(range.lowerBound)...\(range.upperBound) is more.")
            }
            size = range.upperBound - range.lowerBound + 1
            headers.append(HTTPHeaderField("x-oss-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound)"))
        }
        if let ifMatch { headers.append(HTTPHeaderField("x-oss-copy-source-if-match", "\"\(ifMatch.unquoted)\"")) }
        let response = try await call("UploadPartCopy", "PUT", key: upload.key,
                                      query: [QueryItem("partNumber", String(partNumber)), QueryItem("uploadId", upload.uploadId)],
                                      headers: headers, options: options)
        let tree = try Self.xml(response, root: "CopyPartResult", operation: "UploadPartCopy")
        guard let etag = (tree.value("ETag") ?? response.header("ETag"))?.unquoted, !etag.isEmpty else {
            throw .responseParse(ResponseParseError(operation: "UploadPartCopy", problem: "no ETag", requestId: response.requestId))
        }
        let crc = range == nil ? nil : response.header("x-oss-hash-crc64ecma").flatMap { UInt64($0) }
        return UploadedPart(partNumber: partNumber, etag: etag, size: size, crc64: crc)
    }

    /// Publishes the object from `parts` (sorted here by number), and checks its CRC-64 against
    /// the one combined from the parts' when every part has one: the proof that the object is the
    /// bytes the client sent, in order.
    @discardableResult
    public func completeMultipartUpload(_ upload: MultipartUpload, parts: [UploadedPart],
                                        options: RequestOptions = RequestOptions()) async throws(OSSError) -> CompleteMultipartUploadResult {
        try await completeMultipartUpload(upload, parts: parts, headers: [], options: options).result
    }

    /// CompleteMultipartUpload with extra headers (`x-oss-forbid-overwrite`), and the answer's
    /// `Date`, which a multipart copy reports as the copy's time.
    func completeMultipartUpload(_ upload: MultipartUpload, parts: [UploadedPart], headers extra: [HTTPHeaderField],
                                 options: RequestOptions) async throws(OSSError) -> (result: CompleteMultipartUploadResult, date: String?) {
        try checkUpload(upload)
        guard !parts.isEmpty else { throw .invalidArgument(parameter: "parts", reason: "a multipart upload is completed with at least one part.") }
        let sorted = parts.sorted { $0.partNumber < $1.partNumber }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.partNumber == next.partNumber {
            throw .invalidArgument(parameter: "parts", reason: "part \(next.partNumber) is listed twice.")
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUpload>"
        for part in sorted { xml += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\"\(XMLText.escape(part.etag))\"</ETag></Part>" }
        xml += "</CompleteMultipartUpload>"
        let (headers, body) = Self.xmlBody(xml)
        let response = try await call("CompleteMultipartUpload", "POST", key: upload.key, query: [QueryItem("uploadId", upload.uploadId)],
                                      headers: headers + extra, body: body, options: options)
        let tree = try Self.xml(response, root: "CompleteMultipartUploadResult", operation: "CompleteMultipartUpload")
        let returned = response.header("x-oss-hash-crc64ecma").flatMap { UInt64($0) }
        if let returned, let combined = Self.combinedCRC64(sorted), returned != combined {
            throw .integrity(IntegrityError(kind: .crc64, expected: String(returned), actual: String(combined), requestId: response.requestId))
        }
        return (CompleteMultipartUploadResult(etag: (tree.value("ETag") ?? response.header("ETag") ?? "").unquoted, crc64: returned,
                                              requestId: response.requestId), response.header("Date"))
    }

    /// The CRC-64 of the parts' bytes in order, from their CRCs alone; nil if one is unknown.
    static func combinedCRC64(_ sortedParts: [UploadedPart]) -> UInt64? {
        var crc: UInt64 = 0
        for part in sortedParts {
            guard let partCRC = part.crc64 else { return nil }
            crc = CRC64.combine(crc, partCRC, secondLength: part.size)
        }
        return crc
    }

    /// Abandons the upload and frees the parts stored so far (OSS bills them until then).
    public func abortMultipartUpload(_ upload: MultipartUpload, options: RequestOptions = RequestOptions()) async throws(OSSError) {
        try checkUpload(upload)
        _ = try await call("AbortMultipartUpload", "DELETE", key: upload.key, query: [QueryItem("uploadId", upload.uploadId)], options: options)
    }

    /// One page of the parts uploaded so far: what a resumed upload need not send again.
    public func listParts(_ upload: MultipartUpload, partNumberMarker: Int? = nil, maxParts: Int? = nil,
                          options: RequestOptions = RequestOptions()) async throws(OSSError) -> ListPartsPage {
        try checkUpload(upload)
        if let maxParts, !(1...1000).contains(maxParts) {
            throw .invalidArgument(parameter: "maxParts", reason: "\(maxParts) is outside 1...1000.")
        }
        var query = [QueryItem("uploadId", upload.uploadId)]
        if let partNumberMarker { query.append(QueryItem("part-number-marker", String(partNumberMarker))) }
        if let maxParts { query.append(QueryItem("max-parts", String(maxParts))) }
        let response = try await call("ListParts", "GET", key: upload.key, query: query, options: options)
        let tree = try Self.xml(response, root: "ListPartsResult", operation: "ListParts")
        let parts = tree.children("Part").compactMap { part -> UploadedPart? in
            guard let number = part.value("PartNumber").flatMap({ Int($0) }) else { return nil }
            return UploadedPart(partNumber: number, etag: (part.value("ETag") ?? "").unquoted, size: Int64(part.value("Size") ?? "") ?? 0,
                                crc64: part.value("HashCrc64ecma").flatMap { UInt64($0) })
        }
        return ListPartsPage(parts: parts, isTruncated: tree.value("IsTruncated") == "true",
                             nextPartNumberMarker: tree.value("NextPartNumberMarker").flatMap { Int($0) }, requestId: response.requestId)
    }

    /// The upload belongs to this bucket and names a valid key.
    func checkUpload(_ upload: MultipartUpload) throws(OSSError) {
        try validate(upload.key)
        guard upload.bucket == name else {
            throw .invalidArgument(parameter: "upload", reason: "the upload is in bucket '\(upload.bucket)', not '\(name)'.")
        }
        guard !upload.uploadId.isEmpty else { throw .invalidArgument(parameter: "upload", reason: "the upload id is empty.") }
    }
}
