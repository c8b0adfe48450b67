import OSSCore
import OSSCrypto
import OSSFileIO
import OSSLocking
import OSSSigner

/// GetObject, HeadObject, PutObject and ProcessObject.
extension LocalOSSService {
    func objectHeaders(_ record: ObjectRecord) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", record.contentType),
            ("ETag", record.quotedETag),
            ("Last-Modified", SigningTime(unixSeconds: record.lastModifiedSeconds).httpDate),
            ("x-oss-hash-crc64ecma", record.crc64),
            ("x-oss-object-type", record.objectType),
            ("x-oss-storage-class", record.storageClass),
            ("Accept-Ranges", "bytes"),
        ]
        if !record.tags.isEmpty { headers.append(("x-oss-tagging-count", String(record.tags.count))) }
        // An appendable object tells where the next append goes, as OSS's HEAD and GET do.
        if record.objectType == "Appendable" { headers.append(("x-oss-next-append-position", String(record.size))) }
        for (name, value) in record.storedHeaders.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        for (name, value) in record.userMetadata.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        return headers
    }

    func getObject(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        let store = self.store
        // The record and the bytes come through one descriptor of one object file: a PUT that
        // replaces the object meanwhile changes neither.
        try Self.checkVersion(request)
        guard var object = try await BlockingIO.run({ try store.open(bucket: bucket, key: key) }) else { throw ServiceError.noSuchKey(key) }
        var symlink: ObjectRecord?
        if object.record.objectType == "Symlink", let target = object.record.symlinkTarget {
            // Through a symlink: the target's data and headers, once (no chain is followed).
            guard let resolved = try await BlockingIO.run({ try store.open(bucket: bucket, key: target) }), resolved.record.objectType != "Symlink" else {
                throw ServiceError.symlinkTargetNotExist(target)
            }
            symlink = object.record
            object = resolved
        }
        let record = object.record
        let now = configuration.clock()
        if request.method == "GET" { try checkReadable(record, now: now) }

        if let notModified = try evaluateConditions(request, record: record) {
            return notModified
        }

        var headers = objectHeaders(record)
        if let symlink {
            headers.removeAll { $0.name == "x-oss-object-type" }
            headers.append(("x-oss-object-type", "Symlink"))
            if symlink.lastModifiedMilliseconds > record.lastModifiedMilliseconds {
                headers.removeAll { $0.name == "Last-Modified" }
                headers.append(("Last-Modified", SigningTime(unixSeconds: symlink.lastModifiedSeconds).httpDate))
            }
        }
        if let restore = restoreHeader(record, now: now) { headers.append(("x-oss-restore", restore)) }
        let trafficLimit = try TrafficLimit.of(request)
        // response-* overrides.
        let overrides = ["response-content-type": "Content-Type", "response-content-language": "Content-Language",
                         "response-expires": "Expires", "response-cache-control": "Cache-Control",
                         "response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding"]
        for item in request.query {
            if let header = overrides[item.name] {
                headers.removeAll { HTTPHeaderName.equal($0.name, header) }
                headers.append((header, item.value))
            }
        }

        if let requested = request.queryValue("x-oss-process") {
            let process = try await resolveStyle(requested, bucket: bucket)
            guard record.size <= Int64(Self.maximumProcessSourceSize) else {
                throw ServiceError.invalidArgument("The source of image processing must be at most 20 MB.", name: "x-oss-process", ec: "0040-00000004")
            }
            let source = try await BlockingIO.run { [object] in try object.file.read(at: 0, count: Int(record.size)) }
            let processed = try await configuration.processor.process(process, source: source, sourceContentType: record.contentType,
                                                                      bucketObjects: objectLoader(bucket: bucket))
            var processedHeaders: [(name: String, value: String)] = [("Content-Type", processed.contentType),
                                                                      ("Last-Modified", SigningTime(unixSeconds: record.lastModifiedSeconds).httpDate)]
            processedHeaders += headers.filter { $0.name.lowercased().hasPrefix("x-oss-meta-") }
            return ServiceResponse(status: 200, headers: processedHeaders,
                                   body: request.method == "HEAD" ? .empty : ByteChunks(processed.bytes),
                                   contentLength: Int64(processed.bytes.count))
        }

        var status = 200
        var offset: Int64 = 0
        var length = record.size
        if let rangeHeader = request.header("Range"), let range = Self.parseRange(rangeHeader, size: record.size) {
            switch range {
            case let .satisfiable(start, end):
                status = 206
                offset = start
                length = end - start + 1
                headers.append(("Content-Range", "bytes \(start)-\(end)/\(record.size)"))
            case .unsatisfiable:
                if request.header("x-oss-range-behavior")?.lowercased() == "standard" {
                    throw ServiceError(status: 416, code: "InvalidRange", message: "The requested range cannot be satisfied.", ec: "0017-00000101",
                                       headers: [("Content-Range", "bytes */\(record.size)")])
                }
                // OSS ignores a range it cannot satisfy and returns the whole object.
            }
        }
        let gzip = status == 200 && GzipTransfer.applies(request: request, record: record)
        if gzip { headers = GzipTransfer.headers(headers) }
        if request.method == "HEAD" || length == 0 {
            return ServiceResponse(status: status, headers: headers, body: .empty, contentLength: gzip ? nil : length)
        }
        var body = Self.fileChunks(object.file, offset: offset, length: length)
        var contentLength: Int64? = length
        if gzip {
            body = GzipTransfer.compress(body)
            contentLength = nil
        }
        if let trafficLimit { body = trafficLimit.pace(body) }
        return ServiceResponse(status: status, headers: headers, body: body, contentLength: contentLength)
    }

    enum ByteRange: Equatable {
        case satisfiable(Int64, Int64)
        case unsatisfiable
    }

    /// `bytes=a-b`, `bytes=a-`, `bytes=-n`; nil when the header is malformed or names several
    /// ranges (OSS then ignores it).
    static func parseRange(_ header: String, size: Int64) -> ByteRange? {
        let text = header.trimmingWhitespace(lineBreaks: false)
        guard text.hasPrefix("bytes="), !text.contains(",") else { return nil }
        let spec = text.dropFirst(6)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Int64(last), suffix > 0 else { return nil }
            guard size > 0 else { return .unsatisfiable }
            return .satisfiable(max(0, size - suffix), size - 1)
        }
        guard let start = Int64(first), start >= 0 else { return nil }
        var end = size - 1
        if !last.isEmpty {
            guard let value = Int64(last), value >= start else { return nil }
            end = min(value, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .satisfiable(start, end)
    }

    /// The bytes `offset..<offset+length` of an open object file, pulled in 256 KiB chunks.
    static func fileChunks(_ file: POSIXFile, offset: Int64, length: Int64) -> ByteChunks {
        let position = LockedValue<Int64>(0)
        let chunkSize: Int64 = 256 << 10
        return ByteChunks {
            let done = position.load()
            guard done < length else { return nil }
            let count = Int(min(chunkSize, length - done))
            let chunk = try await BlockingIO.run { try file.read(at: offset + done, count: count) }
            guard !chunk.isEmpty else { throw FileIOError("read", path: file.path, code: 5) }
            position.store(done + Int64(chunk.count))
            return chunk
        }
    }

    /// If-Match / If-Unmodified-Since give 412; If-None-Match / If-Modified-Since give 304.
    func evaluateConditions(_ request: ParsedRequest, record: ObjectRecord) throws -> ServiceResponse? {
        func etagMatches(_ header: String) -> Bool {
            header.split(separator: ",").contains { (candidate: Substring) -> Bool in
                let value = String(candidate).trimmingWhitespace(lineBreaks: false)
                return value == "*" || value == record.quotedETag || value == record.etag || value.uppercased() == record.quotedETag
            }
        }
        let lastModified = record.lastModifiedSeconds
        if let ifMatch = request.header("If-Match") {
            if !etagMatches(ifMatch) { throw preconditionFailed() }
        } else if let since = request.header("If-Unmodified-Since"), let time = SigningTime(httpDate: since.trimmingWhitespace(lineBreaks: false)), lastModified > time.unixSeconds {
            throw preconditionFailed()
        }
        if let ifNoneMatch = request.header("If-None-Match") {
            if etagMatches(ifNoneMatch) { return notModified(record) }
        } else if let since = request.header("If-Modified-Since"), let time = SigningTime(httpDate: since.trimmingWhitespace(lineBreaks: false)), lastModified <= time.unixSeconds {
            return notModified(record)
        }
        return nil
    }

    private func preconditionFailed() -> ServiceError {
        ServiceError(status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold.", ec: "0026-00000010")
    }

    private func notModified(_ record: ObjectRecord) -> ServiceResponse {
        ServiceResponse(status: 304, headers: [("ETag", record.quotedETag), ("Last-Modified", SigningTime(unixSeconds: record.lastModifiedSeconds).httpDate)],
                        body: .empty, contentLength: nil)
    }

    /// GetObjectMeta (HEAD or GET `?objectMeta`): the ETag, size, CRC-64 and time, no body.
    func getObjectMeta(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        try Self.checkVersion(request)
        let store = self.store
        guard let record = try await BlockingIO.run({ try store.open(bucket: bucket, key: key)?.record }) else { throw ServiceError.noSuchKey(key) }
        let modified = SigningTime(unixSeconds: record.lastModifiedSeconds).httpDate
        return ServiceResponse(status: 200, headers: [("ETag", record.quotedETag), ("x-oss-hash-crc64ecma", record.crc64), ("Last-Modified", modified),
                                                      ("x-oss-last-access-time", modified)],
                               body: .empty, contentLength: request.method == "HEAD" ? record.size : 0)
    }

    // MARK: PutObject

    /// The record a PutObject describes, before its body is read: content type (as sent, else
    /// `application/octet-stream`, never guessed from the name), `x-oss-meta-*`, the stored
    /// headers, storage class, ACL and tags.
    func uploadRecord(_ request: ParsedRequest, key: String) throws(ServiceError) -> ObjectRecord {
        var record = ObjectRecord(key: key, size: 0, etag: "", crc64: "0", lastModifiedMilliseconds: configuration.clock().unixSeconds * 1000)
        if let contentType = request.header("Content-Type")?.trimmingWhitespace(lineBreaks: false), !contentType.isEmpty {
            record.contentType = contentType
        }
        for field in request.headers {
            let lower = field.name.lowercased()
            if lower.hasPrefix("x-oss-meta-") { record.userMetadata[lower] = field.value.trimmingWhitespace(lineBreaks: false) }
            if let stored = ["cache-control": "Cache-Control", "content-disposition": "Content-Disposition",
                             "content-encoding": "Content-Encoding", "expires": "Expires", "content-language": "Content-Language"][lower] {
                record.storedHeaders[stored] = field.value.trimmingWhitespace(lineBreaks: false)
            }
        }
        if let storageClass = request.header("x-oss-storage-class")?.trimmingWhitespace(lineBreaks: false) {
            guard let canonical = ["standard": "Standard", "ia": "IA", "archive": "Archive", "coldarchive": "ColdArchive",
                                   "deepcoldarchive": "DeepColdArchive"][storageClass.lowercased()] else {
                throw .invalidArgument("The storage class you specified is not valid.", name: "x-oss-storage-class", value: storageClass, ec: "0016-00000601")
            }
            record.storageClass = canonical
        }
        if let acl = request.header("x-oss-object-acl")?.trimmingWhitespace(lineBreaks: false) {
            guard ["default", "private", "public-read", "public-read-write"].contains(acl) else {
                throw .invalidArgument("The ACL you specified is not valid.", name: "x-oss-object-acl", value: acl, ec: "0016-00000701")
            }
            record.acl = acl
        }
        if let tagging = request.header("x-oss-tagging") {
            record.tags = try Self.parseTagging(tagging)
        }
        return record
    }

    /// `x-oss-tagging: k1=v1&k2=v2`, URL-encoded: at most 10 tags, keys of 1 to 128 characters,
    /// values of at most 256, no key twice (compared as bytes).
    static func parseTagging(_ header: String) throws(ServiceError) -> [ObjectTag] {
        var tags: [ObjectTag] = []
        for pair in header.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = OSSPercentEncoding.decode(parts[0], plusIsSpace: true),
                  let value = parts.count > 1 ? OSSPercentEncoding.decode(parts[1], plusIsSpace: true) : "",
                  (1...128).contains(key.count), value.count <= 256,
                  !tags.contains(where: { Array($0.key.utf8) == Array(key.utf8) }) else {
                throw .invalidArgument("The x-oss-tagging header is not valid.", name: "x-oss-tagging", value: String(header.prefix(512)), ec: "0016-00000901")
            }
            tags.append(ObjectTag(key: key, value: value))
        }
        guard tags.count <= 10 else {
            throw .invalidArgument("An object can have at most 10 tags.", name: "x-oss-tagging", ec: "0016-00000902")
        }
        return tags
    }

    func putObject(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks, capacity: Int64? = nil) async throws -> ServiceResponse {
        // Every write validates its names, whoever chose them (the path, or a save-as target).
        try Names.validateBucket(bucket)
        try Names.validateKey(key)
        let declaredLength = request.header("Content-Length").flatMap { Int64($0.trimmingWhitespace(lineBreaks: false)) }
        if let declaredLength, declaredLength > Self.maximumObjectSize {
            throw ServiceError(status: 400, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed object size.", ec: "0006-00000001")
        }
        var expectedMD5: [UInt8]?
        if let contentMD5 = request.header("Content-MD5") {
            guard let decoded = Base64.decodeURLSafe(contentMD5.trimmingWhitespace(lineBreaks: false).utf8), decoded.count == 16 else {
                throw ServiceError(status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified is not valid.", ec: "0016-00000401")
            }
            expectedMD5 = decoded
        }
        var record = try uploadRecord(request, key: key)
        let forbidOverwrite = request.header("x-oss-forbid-overwrite")?.trimmingWhitespace(lineBreaks: false).lowercased() == "true"

        let store = self.store
        let writer = try await BlockingIO.run { try store.beginWrite(capacity: capacity) }
        let received = try await write(body, into: writer, maximum: Self.maximumObjectSize,
                                       declaredLength: declaredLength, expectedMD5: expectedMD5)
        let digest = received.md5
        record.etag = digest.hexString.uppercased()
        record.crc64 = String(received.crc64)
        record.size = received.size
        _ = try await BlockingIO.run { [record] in try store.commit(writer, bucket: bucket, record: record, forbidOverwrite: forbidOverwrite) }
        return ServiceResponse(status: 200, headers: [("ETag", record.quotedETag), ("x-oss-hash-crc64ecma", record.crc64),
                                                      ("Content-MD5", Base64.encode(digest))])
    }

    /// Reads objects of `bucket` for a processor (image watermarks), through one descriptor each,
    /// off the cooperative pool. A key OSS would refuse is a 400; an object over the 20 MB image
    /// processing reads is a 400 with OSS's EC; a missing one is nil.
    func objectLoader(bucket: String) -> BucketObjectLoader {
        let store = self.store
        return BucketObjectLoader { key in
            try Names.validateKey(key)
            return try await BlockingIO.run {
                guard let object = try store.open(bucket: bucket, key: key) else { return nil }
                guard object.record.size <= Int64(Self.maximumProcessSourceSize) else {
                    throw ServiceError.invalidArgument("The watermark image '\(key)' is over the 20 MB image processing reads.", name: "x-oss-process", ec: "0040-00000004")
                }
                return try object.file.read(at: 0, count: Int(object.record.size))
            }
        }
    }

    // MARK: ProcessObject

    func processObject(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks, capacity: Int64?) async throws -> ServiceResponse {
        guard let value = try await Self.formValue(body, field: "x-oss-process") else {
            throw ServiceError.invalidArgument("The body must be x-oss-process=<process>|sys/saveas,o_<object>,b_<bucket>.", name: "x-oss-process")
        }
        let saveAs = try SaveAsTarget.parse(value, defaultBucket: bucket)
        let processed = try await processAndSave(saveAs, bucket: bucket, key: key, capacity: capacity)
        let json = "{\"bucket\": \"\(saveAs.bucketGiven ? jsonEscape(saveAs.bucket) : "")\", \"fileSize\": \(processed.bytes.count), \"object\": \"\(jsonEscape(saveAs.key))\", \"status\": \"OK\"}"
        return Self.jsonResponse(json)
    }

    /// The value of `field` in a form body (`field=<percent-encoded value>`), as ProcessObject and
    /// AsyncProcessObject send it; nil when the body does not start with the field. A value that is
    /// not valid percent-encoding is taken as written, as apps that send it unencoded expect.
    static func formValue(_ body: ByteChunks, field: String) async throws -> String? {
        let form = String(decoding: try await body.collect(limit: 64 << 10), as: UTF8.self)
        guard form.hasPrefix(field + "=") else { return nil }
        let raw = form.dropFirst(field.count + 1)
        return OSSPercentEncoding.decode(raw, plusIsSpace: true) ?? String(raw)
    }

    /// The work of ProcessObject and AsyncProcessObject once the target is read: the target's
    /// names validated and its bucket found, the source read (at most 20 MB), `style/NAME`
    /// resolved, the process run by the configured processor (the image work on its bounded
    /// pool, within its limits) and the result stored as the target. Nothing is stored unless
    /// the process succeeded: a process the processor does not implement is its 501, and changes
    /// nothing.
    func processAndSave(_ saveAs: SaveAsTarget, bucket: String, key: String, capacity: Int64?,
                        field: String = "x-oss-process") async throws -> ProcessedObject {
        // The target is input like any bucket and key in a path: validated before it is used.
        try Names.validateBucket(saveAs.bucket)
        try Names.validateKey(saveAs.key)
        let store = self.store
        guard try await BlockingIO.run({ try store.bucketExists(saveAs.bucket) }) else {
            throw ServiceError.noSuchBucket(saveAs.bucket)
        }
        let source: ([UInt8], ObjectRecord)? = try await BlockingIO.run {
            guard let object = try store.open(bucket: bucket, key: key) else { return nil }
            guard object.record.size <= Int64(Self.maximumProcessSourceSize) else {
                throw ServiceError.invalidArgument("The source of image processing must be at most 20 MB.", name: field, ec: "0040-00000004")
            }
            return (try object.file.read(at: 0, count: Int(object.record.size)), object.record)
        }
        guard let (bytes, record) = source else { throw ServiceError.noSuchKey(key) }
        let process = try await resolveStyle(saveAs.process, bucket: bucket)
        let processed = try await configuration.processor.process(process, source: bytes, sourceContentType: record.contentType,
                                                                  bucketObjects: objectLoader(bucket: bucket))
        let put = ParsedRequest(method: "PUT", bucket: saveAs.bucket, key: saveAs.key, query: [],
                                headers: [HTTPHeaderField("Content-Type", processed.contentType), HTTPHeaderField("Content-Length", String(processed.bytes.count))])
        _ = try await putObject(put, bucket: saveAs.bucket, key: saveAs.key, body: ByteChunks(processed.bytes), capacity: capacity)
        return processed
    }

    static func jsonResponse(_ json: String) -> ServiceResponse {
        let bytes = Array(json.utf8)
        return ServiceResponse(status: 200, headers: [("Content-Type", "application/json")], body: ByteChunks(bytes), contentLength: Int64(bytes.count))
    }
}
