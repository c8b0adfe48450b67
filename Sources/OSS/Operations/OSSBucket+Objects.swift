import OSSCrypto
import OSSHTTP

// MARK: Shared plumbing for the object and bucket calls

extension OSSBucket {
    /// One call through ``OSSClient/send(_:options:maximumBodyBytes:)``, with the bucket's name.
    func call(_ operation: String, _ method: String, key: String? = nil, query: [QueryItem] = [], headers: [HTTPHeaderField] = [],
              body: HTTPRequestBody = .none, options: RequestOptions, uploadProgress: UploadProgressHandler? = nil) async throws(OSSError) -> OSSResponse {
        try await client.send(OSSRequest(operationName: operation, method: method, bucket: name, key: key, query: query,
                                         headers: headers, body: body), options: options, reportingUpload: uploadProgress)
    }

    /// An XML body with its `Content-MD5`, which OSS requires for some calls (DeleteObjects) and
    /// which protects every other from a body changed on the way.
    static func xmlBody(_ xml: String) -> (headers: [HTTPHeaderField], body: HTTPRequestBody) {
        let bytes = Array(xml.utf8)
        return ([HTTPHeaderField("Content-Type", "application/xml"), HTTPHeaderField("Content-MD5", Base64.encode(Crypto.md5(bytes)))],
                .bytes(bytes))
    }

    /// A success body as XML with the given root, or a parse error naming the operation.
    static func xml(_ response: OSSResponse, root: String, operation: String) throws(OSSError) -> XMLTree {
        guard let tree = XMLTree.parse(response.body) else {
            throw .responseParse(ResponseParseError(operation: operation, problem: "the body is not well-formed XML", requestId: response.requestId))
        }
        guard tree.name == root else {
            throw .responseParse(ResponseParseError(operation: operation, problem: "the root element is <\(tree.name.prefix(64))>, not <\(root)>",
                                                    requestId: response.requestId))
        }
        return tree
    }
}

// MARK: CopyObject

extension OSSBucket {
    /// Copies an object inside OSS, from this bucket or another, without the bytes passing through
    /// the client. With ``MetadataDirective/replace`` it is also how metadata is changed in place.
    ///
    /// OSS documents CopyObject for objects up to 1 GiB (up to 5 GiB, or more within a bucket, in
    /// its current limits), and UploadPartCopy above. So a HEAD of the source comes first, and a
    /// source larger than ``CopyObjectOptions/multipartThreshold`` is copied as a multipart upload:
    /// InitiateMultipartUpload with the metadata the copy gets (with ``MetadataDirective/copy``,
    /// the source's content type, `x-oss-meta-*`, Cache-Control, Content-Disposition,
    /// Content-Encoding, Content-Language, Expires, storage class and tags, read from the HEAD and
    /// GetObjectTagging, since a multipart upload copies none of them), at most
    /// ``CopyObjectOptions/concurrency`` UploadPartCopy parts at once, each guarded by the
    /// source's ETag so that a source replaced meanwhile fails the copy (412) instead of mixing two
    /// versions, then CompleteMultipartUpload, whose CRC-64 is checked against the source's. A
    /// failed part is retried by the client's ``RetryPolicy``; one that still fails, or
    /// cancellation, aborts the upload, so no parts are left to bill. Sources up to the threshold
    /// keep the single CopyObject; so does every source when the HEAD fails, and CopyObject's own
    /// answer then says why.
    @discardableResult
    public func copyObject(from sourceKey: String, sourceBucket: String? = nil, to key: String,
                           options: CopyObjectOptions = CopyObjectOptions()) async throws(OSSError) -> CopyObjectResult {
        try validate(key)
        let fromBucket = sourceBucket ?? name
        try OSSValidation.validateBucketName(fromBucket)
        try OSSValidation.validateObjectKey(sourceKey)
        try Self.checkMultipartCopySettings(options)
        var headers = [HTTPHeaderField("x-oss-copy-source", "/\(fromBucket)/" + OSSPercentEncoding.encodePath(sourceKey)),
                       HTTPHeaderField("x-oss-metadata-directive", options.metadataDirective.rawValue)]
        if options.metadataDirective == .replace {
            headers.append(HTTPHeaderField("Content-Type", options.contentType ?? MediaTypes.guess(forKey: key)))
            for (field, value) in options.metadata.sorted(by: { $0.key < $1.key }) {
                headers.append(HTTPHeaderField("x-oss-meta-\(field.lowercased())", value))
            }
        } else if options.contentType != nil || !options.metadata.isEmpty {
            throw .invalidArgument(parameter: "options", reason: "a content type or metadata is applied only with metadataDirective .replace.")
        }
        if let ifMatch = options.ifMatch { headers.append(HTTPHeaderField("x-oss-copy-source-if-match", "\"\(ifMatch.unquoted)\"")) }
        if options.forbidOverwrite { headers.append(HTTPHeaderField("x-oss-forbid-overwrite", "true")) }
        for (field, value) in options.headers.sorted(by: { $0.key < $1.key }) { headers.append(HTTPHeaderField(field, value)) }
        if let threshold = options.multipartThreshold, let source = try await copySource(sourceKey, in: fromBucket, options: options.request),
           source.needsParts(above: threshold) {
            return try await copyObjectInParts(from: sourceKey, sourceBucket: fromBucket, to: key, source: source, options: options)
        }
        let response = try await call("CopyObject", "PUT", key: key, headers: headers, options: options.request)
        let tree = try Self.xml(response, root: "CopyObjectResult", operation: "CopyObject")
        return CopyObjectResult(etag: (tree.value("ETag") ?? response.header("ETag") ?? "").unquoted, lastModified: tree.value("LastModified") ?? "",
                                crc64: response.header("x-oss-hash-crc64ecma").flatMap { UInt64($0) }, requestId: response.requestId)
    }
}

// MARK: DeleteObjects

extension OSSBucket {
    /// Deletes up to 1,000 keys in one request (DeleteMultipleObjects), with the `Content-MD5`
    /// OSS requires. Keys come back URL-encoded (`encoding-type=url`) so that any key survives the
    /// answer (the request carries them XML-escaped, as OSS reads them). In `quiet` mode OSS lists only failures, which saves a large answer.
    @discardableResult
    public func deleteObjects(_ keys: [String], quiet: Bool = false, options: RequestOptions = RequestOptions()) async throws(OSSError) -> DeleteObjectsResult {
        try OSSValidation.validateBucketName(name)
        guard (1...1000).contains(keys.count) else {
            throw .invalidArgument(parameter: "keys", reason: "\(keys.count) keys; DeleteObjects takes 1 to 1000.")
        }
        for key in keys { try OSSValidation.validateObjectKey(key) }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>\(quiet)</Quiet>"
        for key in keys { xml += "<Object><Key>\(XMLText.escape(key))</Key></Object>" }
        xml += "</Delete>"
        let (headers, body) = Self.xmlBody(xml)
        let response = try await call("DeleteObjects", "POST", query: [QueryItem("delete"), QueryItem("encoding-type", "url")],
                                      headers: headers, body: body, options: options)
        let tree = try Self.xml(response, root: "DeleteResult", operation: "DeleteObjects")
        let encoded = tree.value("EncodingType") == "url"
        let deleted = tree.children("Deleted").compactMap { $0.value("Key") }.map { key in
            encoded ? OSSPercentEncoding.decode(Substring(key), plusIsSpace: false) ?? key : key
        }
        return DeleteObjectsResult(deleted: deleted, requestId: response.requestId)
    }
}

// MARK: AppendObject

extension OSSBucket {
    /// Appends bytes to an Appendable object at `position` (0 creates it), and checks the
    /// object's new CRC-64 against the one combined from `previousCRC64` and the bytes sent. Pass
    /// the previous result's ``AppendObjectResult/crc64`` as `previousCRC64` (0 for a new object);
    /// nil skips the check. A wrong position is OSS's `PositionNotEqualToLength`.
    @discardableResult
    public func appendObject(_ key: String, data: [UInt8], position: Int64, previousCRC64: UInt64? = 0,
                             options: PutObjectOptions = PutObjectOptions()) async throws(OSSError) -> AppendObjectResult {
        try validate(key)
        guard position >= 0 else { throw .invalidArgument(parameter: "position", reason: "\(position) is negative.") }
        var headers = [HTTPHeaderField("Content-MD5", Base64.encode(Crypto.md5(data)))]
        if position == 0 { headers.append(HTTPHeaderField("Content-Type", options.contentType ?? MediaTypes.guess(forKey: key))) }
        for (field, value) in options.metadata.sorted(by: { $0.key < $1.key }) {
            headers.append(HTTPHeaderField("x-oss-meta-\(field.lowercased())", value))
        }
        for (field, value) in options.headers.sorted(by: { $0.key < $1.key }) { headers.append(HTTPHeaderField(field, value)) }
        let response = try await call("AppendObject", "POST", key: key, query: [QueryItem("append"), QueryItem("position", String(position))],
                                      headers: headers, body: .bytes(data), options: options.request,
                                      uploadProgress: Self.uploadProgress(options.progress, total: Int64(data.count)))
        guard let next = response.header("x-oss-next-append-position").flatMap({ Int64($0) }) else {
            throw .responseParse(ResponseParseError(operation: "AppendObject", problem: "no x-oss-next-append-position header", requestId: response.requestId))
        }
        let crc = response.header("x-oss-hash-crc64ecma").flatMap { UInt64($0) }
        if let crc, let previousCRC64 {
            let expected = CRC64.combine(previousCRC64, CRC64.checksum(data), secondLength: Int64(data.count))
            if crc != expected {
                throw .integrity(IntegrityError(kind: .crc64, expected: String(crc), actual: String(expected), requestId: response.requestId))
            }
        }
        options.progress?(Int64(data.count), Int64(data.count))
        return AppendObjectResult(nextPosition: next, crc64: crc, requestId: response.requestId)
    }
}

// MARK: GetObjectMeta, exists

extension OSSBucket {
    /// Size, ETag, time and CRC-64 only (`HEAD ?objectMeta`): lighter than HeadObject, and allowed
    /// by policies that grant only `oss:GetObjectMeta`.
    public func getObjectMeta(_ key: String, options: RequestOptions = RequestOptions()) async throws(OSSError) -> ObjectMeta {
        try validate(key)
        let response = try await call("GetObjectMeta", "HEAD", key: key, query: [QueryItem("objectMeta")], options: options)
        let info = ObjectInfo(response)
        return ObjectMeta(contentLength: info.contentLength, etag: info.etag, lastModified: info.lastModified, crc64: info.crc64,
                          requestId: info.requestId)
    }

    /// Whether the key exists: false for `NoSuchKey`, every other failure thrown (a missing bucket
    /// or a refused signature is not "no such object").
    public func exists(_ key: String, options: RequestOptions = RequestOptions()) async throws(OSSError) -> Bool {
        do throws(OSSError) {
            _ = try await getObjectMeta(key, options: options)
            return true
        } catch let error where error.code == .noSuchKey {
            return false
        }
    }
}
