import OSSCore
import OSSCrypto
import OSSFileIO
import OSSSigner

/// `x-oss-copy-source: /BUCKET/KEY[?versionId=ID]`, the key URL-encoded, as CopyObject and
/// UploadPartCopy take it.
struct CopySource: Sendable, Equatable {
    var bucket: String
    var key: String
    var versionId: String?

    static func parse(_ request: ParsedRequest) throws(ServiceError) -> CopySource {
        let header = (request.header("x-oss-copy-source") ?? "").trimmingWhitespace()
        var path = Substring(header)
        var versionId: String?
        if let question = path.firstIndex(of: "?") {
            for item in path[path.index(after: question)...].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if pair[0] == "versionId" { versionId = pair.count > 1 ? OSSPercentEncoding.decode(pair[1], plusIsSpace: false) : "" }
            }
            path = path[..<question]
        }
        if path.hasPrefix("/") { path = path.dropFirst() }
        guard let slash = path.firstIndex(of: "/"),
              let bucket = OSSPercentEncoding.decode(path[..<slash], plusIsSpace: false),
              let key = OSSPercentEncoding.decode(path[path.index(after: slash)...], plusIsSpace: false), !key.isEmpty else {
            throw .invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey.", name: "x-oss-copy-source",
                                   value: String(header.prefix(1100)), ec: "0017-00000801")
        }
        try Names.validateBucket(bucket)
        try Names.validateKey(key)
        return CopySource(bucket: bucket, key: key, versionId: versionId)
    }
}

/// CopyObject: within a bucket or across buckets, metadata and tags copied or replaced, under
/// the `x-oss-copy-source-if-*` conditions.
extension LocalOSSService {
    /// Opens the copy source, checks that it may be read (restored when cold) and the
    /// `x-oss-copy-source-if-*` conditions: 412 PreconditionFailed for if-match and
    /// if-unmodified-since, 304 for if-none-match and if-modified-since.
    func openCopySource(_ source: CopySource, request: ParsedRequest) async throws -> ObjectStore.StoredObject {
        let store = self.store
        guard try await BlockingIO.run({ try store.bucketExists(source.bucket) }) else { throw ServiceError.noSuchBucket(source.bucket) }
        if let versionId = source.versionId, versionId != "null" { throw ServiceError.noSuchVersion(versionId) }
        guard var object = try await BlockingIO.run({ try store.open(bucket: source.bucket, key: source.key) }) else {
            throw ServiceError.noSuchKey(source.key)
        }
        if object.record.objectType == "Symlink", let target = object.record.symlinkTarget {
            guard let resolved = try await BlockingIO.run({ try store.open(bucket: source.bucket, key: target) }) else {
                throw ServiceError.symlinkTargetNotExist(target)
            }
            object = resolved
        }
        try checkReadable(object.record, now: configuration.clock())
        let record = object.record
        func matches(_ header: String) -> Bool {
            header.split(separator: ",").contains { candidate in
                let value = String(candidate).trimmingWhitespace().replacingQuotes().uppercased()
                return value == "*" || value == record.etag.uppercased()
            }
        }
        let notModified = ServiceError(status: 304, code: "NotModified", message: "The source object was not modified.", ec: "0017-00000104")
        let failed = ServiceError(status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold.",
                                  ec: "0017-00000105")
        if let ifMatch = request.header("x-oss-copy-source-if-match"), !matches(ifMatch) { throw failed }
        if let ifNoneMatch = request.header("x-oss-copy-source-if-none-match"), matches(ifNoneMatch) { throw notModified }
        if let since = request.header("x-oss-copy-source-if-unmodified-since"), let time = SigningTime(httpDate: since.trimmingWhitespace()),
           record.lastModifiedSeconds > time.unixSeconds { throw failed }
        if let since = request.header("x-oss-copy-source-if-modified-since"), let time = SigningTime(httpDate: since.trimmingWhitespace()),
           record.lastModifiedSeconds <= time.unixSeconds { throw notModified }
        return object
    }

    static let clientSideEncryptionMetadata = "x-oss-meta-client-side-encryption-"

    func copyObject(_ request: ParsedRequest, bucket: String, key: String, capacity: Int64?) async throws -> ServiceResponse {
        let source = try CopySource.parse(request)
        let metadataDirective = (request.header("x-oss-metadata-directive") ?? "COPY").trimmingWhitespace().uppercased()
        let taggingDirective = (request.header("x-oss-tagging-directive") ?? "COPY").trimmingWhitespace().uppercased()
        for (name, value) in [("x-oss-metadata-directive", metadataDirective), ("x-oss-tagging-directive", taggingDirective)]
            where value != "COPY" && value != "REPLACE" {
            throw ServiceError.invalidArgument("\(name) must be COPY or REPLACE.", name: name, value: value, ec: "0017-00000802")
        }
        let object = try await openCopySource(source, request: request)
        let sourceRecord = object.record
        // What the request says about the new object (headers it sent), then what it copies.
        let requested = try uploadRecord(request, key: key)
        var record = sourceRecord
        record.key = key
        record.symlinkTarget = nil
        record.restore = nil
        if record.objectType == "Symlink" || record.objectType == "Appendable" { record.objectType = "Normal" }
        if metadataDirective == "REPLACE" {
            // OSS keeps the source's Content-Type when the request names none, and keeps the
            // client-side encryption metadata (`x-oss-meta-client-side-encryption-*`), without
            // which the copy could not be decrypted; everything else is replaced.
            if request.header("Content-Type") != nil { record.contentType = requested.contentType }
            var metadata = requested.userMetadata
            for (name, value) in sourceRecord.userMetadata where name.hasPrefix(Self.clientSideEncryptionMetadata) && metadata[name] == nil {
                metadata[name] = value
            }
            record.userMetadata = metadata
            record.storedHeaders = requested.storedHeaders
        }
        record.tags = taggingDirective == "REPLACE" ? requested.tags : sourceRecord.tags
        record.acl = requested.acl
        record.storageClass = request.header("x-oss-storage-class") != nil ? requested.storageClass : sourceRecord.storageClass
        record.lastModifiedMilliseconds = configuration.clock().unixSeconds * 1000
        let forbidOverwrite = request.header("x-oss-forbid-overwrite")?.trimmingWhitespace().lowercased() == "true"
        let limit = try TrafficLimit.of(request)
        let store = self.store
        try await BlockingIO.run { [record] in
            let writer = try store.beginWrite(capacity: capacity)
            do {
                try store.copyData(from: object.file, offset: 0, length: sourceRecord.size, into: writer)
            } catch {
                writer.abort()
                throw error
            }
            try store.commit(writer, bucket: bucket, record: record, forbidOverwrite: forbidOverwrite)
        }
        if let limit { try await Task.sleep(for: .milliseconds(Int64(Double(sourceRecord.size) * 8 / Double(limit.bitsPerSecond) * 1000))) }
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult>\n  <ETag>\(XML.escape(record.quotedETag))</ETag>\n"
            + "  <LastModified>\(SigningTime(unixSeconds: record.lastModifiedSeconds).iso8601Extended)</LastModified>\n</CopyObjectResult>\n"
        var response = xmlResponse(xml)
        response.headers += [("ETag", record.quotedETag), ("x-oss-hash-crc64ecma", record.crc64)]
        return response
    }
}

extension ServiceError {
    static func noSuchVersion(_ versionId: String) -> ServiceError {
        ServiceError(status: 404, code: "NoSuchVersion", message: "The specified version does not exist.", ec: "0026-00000002",
                     details: [("VersionId", versionId)])
    }

    static func symlinkTargetNotExist(_ target: String) -> ServiceError {
        ServiceError(status: 404, code: "SymlinkTargetNotExist", message: "The symlink target object does not exist.", ec: "0026-00000003",
                     details: [("SymlinkTarget", target)])
    }
}
