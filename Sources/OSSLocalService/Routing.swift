import OSSCore
import OSSSigner

/// Which operation a request is, decided from its method, its target and its sub-resources before
/// anything is read or written.
///
/// A sub-resource (`?acl`, `?tagging`, `?uploads`...) turns a request on an object or a bucket into
/// a different operation: PUT `?acl` sets an ACL, it does not upload an object. A server that
/// ignored the ones it does not know would serve PUT `?acl` as PutObject and empty the object, so
/// every request carrying a sub-resource of ``SubResources/all`` that this server does not
/// implement answers 501 NotImplemented and touches nothing.
enum Operation: Sendable, Equatable {
    case listBuckets
    case putBucket
    case deleteBucket
    case listObjects
    case getObject
    case putObject
    case deleteObject
    /// POST `?x-oss-process` with a `sys/saveas` body.
    case processObject
    /// POST `?x-oss-async-process` with a `sys/saveas` body: the same work, answered as a task.
    case asyncProcessObject
    /// HEAD or GET `?objectMeta`.
    case getObjectMeta
    case copyObject
    case appendObject
    case putObjectAcl, getObjectAcl
    case putObjectTagging, getObjectTagging, deleteObjectTagging
    case putSymlink, getSymlink
    case restoreObject
    case initiateMultipartUpload, uploadPart, uploadPartCopy, completeMultipartUpload, abortMultipartUpload, listParts
    case listMultipartUploads
    case deleteMultipleObjects
    case listObjectVersions
    case getBucketInfo, getBucketLocation, getBucketStat
    case putBucketAcl, getBucketAcl
    case putBucketTags, getBucketTags, deleteBucketTags
    case getBucketVersioning
    case putStyle, getStyle, listStyle, deleteStyle
}

/// The sub-resources OSS documents: the query parameters that select an operation. Gathered from
/// OSS's API reference, the parameters the official SDKs send to select operations, and the
/// sub-resources the V1 signature signs.
enum SubResources {
    /// Object and part operations.
    static let object: Set<String> = [
        "acl", "tagging", "symlink", "uploads", "uploadId", "partNumber", "append", "position", "restore",
        "versions", "versionId", "comp", "objectMeta", "x-oss-process", "x-oss-async-process",
        "cleanRestoredObject", "seal", "objectInfo", "retention", "legalHold", "objectWorm", "sequential",
        "callback", "callback-var", "x-oss-access-point-name",
    ]

    /// Bucket operations.
    static let bucket: Set<String> = [
        "acl", "cors", "lifecycle", "logging", "website", "referer", "policy", "policyStatus", "style",
        "styleName", "bucketInfo", "location", "stat", "versioning", "versions", "encryption", "tagging",
        "worm", "wormId", "wormExtend", "inventory", "inventoryId", "replication", "replicationLocation",
        "replicationProgress", "rtc", "transferAcceleration", "cname", "comp", "requestPayment", "qos",
        "qosInfo", "resourceGroup", "metaQuery", "MetaQuery", "delete", "uploads", "accessmonitor",
        "httpsConfig", "redundancyTransition", "x-oss-redundancy-transition-taskid",
        "x-oss-target-redundancy-type", "accessPoint", "accessPointPolicy", "x-oss-access-point-name",
        "publicAccessBlock", "bucketArchiveDirectRead", "overwriteConfig", "userDefinedLogFieldsConfig",
        "responseHeader", "quota", "dataPipeline", "metadataConfiguration", "metadataInventoryTable",
        "metadataJournalTable", "asyncFetch", "live", "vod", "status", "startTime", "endTime", "link",
        "group", "processConfiguration", "objectFsStat",
    ]

    /// Service-level operations (no bucket).
    static let service: Set<String> = [
        "regions", "regionList", "redundancyTransition", "publicAccessBlock", "accessPoint", "cloudboxes",
        "resourcePool", "resourcePoolInfo", "resourcePoolBuckets", "qosInfo",
    ]

    /// Every name that selects an operation, at any level.
    static let all: Set<String> = object.union(bucket).union(service)

    /// Parameters that carry a signature or a token: never an operation of their own.
    static let signature: Set<String> = [
        "x-oss-signature-version", "x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-signature",
        "x-oss-additional-headers", "x-oss-security-token", "OSSAccessKeyId", "Expires", "Signature", "security-token",
        "x-oss-ac-source-ip", "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id", "x-oss-ac-forward-allow", "x-oss-request-payer",
    ]

    /// Parameters each implemented operation takes besides the signature's. A write (PUT, POST,
    /// DELETE) with any other parameter is refused: a parameter this server does not understand
    /// may change what the write means.
    static func parameters(of operation: Operation) -> Set<String> {
        switch operation {
        case .listBuckets: ["prefix", "marker", "max-keys", "tag-key", "tag-value", "tagging", "resource-group-id"]
        case .listObjects: ["prefix", "delimiter", "marker", "max-keys", "encoding-type", "list-type", "continuation-token", "start-after", "fetch-owner"]
        case .getObject: ["response-content-type", "response-content-language", "response-expires", "response-cache-control",
                          "response-content-disposition", "response-content-encoding", "x-oss-process", "x-oss-traffic-limit", "versionId"]
        case .putObject, .appendObject, .uploadPart, .completeMultipartUpload: ["x-oss-traffic-limit", "uploadId", "partNumber", "append", "position", "encoding-type"]
        case .processObject: ["x-oss-process"]
        case .asyncProcessObject: ["x-oss-async-process"]
        case .deleteObject, .deleteObjectTagging, .putObjectTagging, .putObjectAcl: ["versionId"]
        case .deleteMultipleObjects: ["delete", "encoding-type"]
        case .copyObject, .uploadPartCopy: ["uploadId", "partNumber", "x-oss-traffic-limit"]
        case .initiateMultipartUpload: ["uploads", "encoding-type", "sequential"]
        case .abortMultipartUpload: ["uploadId"]
        case .restoreObject: ["restore", "versionId"]
        case .putSymlink: ["symlink"]
        case .putBucketAcl: ["acl"]
        case .putBucketTags: ["tagging"]
        case .deleteBucketTags: ["tagging"]
        case .putStyle, .deleteStyle: ["style", "styleName", "category"]
        case .putBucket, .deleteBucket: []
        default: []
        }
    }

    /// OSS's name for the operation a sub-resource selects, for messages; nil when unsure.
    static func operationName(method: String, level: Level, subResource: String) -> String? {
        let verb = ["GET": "Get", "PUT": "Put", "DELETE": "Delete", "POST": "Post", "HEAD": "Head"][method]
        switch (level, subResource) {
        case (.object, "acl"): return verb.map { "\($0)ObjectAcl" }
        case (.object, "tagging"): return verb.map { "\($0)ObjectTagging" }
        case (.object, "symlink"): return verb.map { "\($0)Symlink" }
        case (.object, "uploads"): return method == "POST" ? "InitiateMultipartUpload" : nil
        case (.object, "uploadId"), (.object, "partNumber"):
            return ["PUT": "UploadPart", "POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload", "GET": "ListParts"][method]
        case (.object, "append"), (.object, "position"): return method == "POST" ? "AppendObject" : nil
        case (.object, "restore"): return method == "POST" ? "RestoreObject" : nil
        case (.object, "objectMeta"): return method == "HEAD" || method == "GET" ? "GetObjectMeta" : nil
        case (.object, "x-oss-async-process"): return "AsyncProcessObject"
        case (.object, "versionId"): return "versioned \(method) of an object"
        case (.bucket, "uploads"): return method == "GET" ? "ListMultipartUploads" : nil
        case (.bucket, "delete"): return method == "POST" ? "DeleteMultipleObjects" : nil
        case (.bucket, "versions"): return method == "GET" ? "ListObjectVersions" : nil
        case (.bucket, "bucketInfo"): return "GetBucketInfo"
        case (.bucket, "location"): return "GetBucketLocation"
        case (.bucket, "stat"): return "GetBucketStat"
        case (.bucket, let name):
            guard let verb else { return nil }
            return "\(verb)Bucket" + name.prefix(1).uppercased() + name.dropFirst()
        default: return nil
        }
    }

    enum Level: String, Sendable {
        case service, bucket, object
    }

    /// The operation a request is, or the error that refuses it before anything is touched:
    /// 501 NotImplemented for a sub-resource or a form this server does not implement, 405 for a
    /// method no operation of this kind has.
    static func operation(method: String, bucket: String?, key: String?, query: [QueryItem], headers: [HTTPHeaderField]) throws(ServiceError) -> Operation {
        let level: Level = bucket == nil ? .service : key == nil ? .bucket : .object
        let selectors = Set(query.map(\.name).filter { all.contains($0) })
        let copySource = headers.containsHeader("x-oss-copy-source")
        guard let operation = implemented(method: method, level: level, selectors: selectors, copySource: copySource) else {
            if method == "OPTIONS" {
                throw ServiceError.notImplemented("OPTIONS (a CORS preflight) is not implemented by this local OSS.")
            }
            if level == .bucket, method == "POST", selectors.isEmpty {
                throw ServiceError.notImplemented("PostObject (a form upload) is not implemented by this local OSS; nothing was changed.")
            }
            if !selectors.isEmpty { throw notImplemented(method: method, level: level, selectors: query.map(\.name).filter { all.contains($0) }) }
            throw ServiceError.methodNotAllowed(method)
        }
        // A write must be exactly the operation it looks like.
        if method != "GET" && method != "HEAD" {
            let allowed = parameters(of: operation).union(signature).union(selectors)
            if let unknown = query.first(where: { !allowed.contains($0.name) }) {
                throw ServiceError.notImplemented("This local OSS does not implement the '\(unknown.name)' parameter of \(method) requests; nothing was changed.")
            }
        }
        return operation
    }

    /// The implemented operation a method and a set of sub-resources select at a level; nil
    /// when this server does not implement it. One table, so that the routing test can walk
    /// everything else and prove it answers 501.
    static func implemented(method: String, level: Level, selectors: Set<String>, copySource: Bool = false) -> Operation? {
        switch (level, method, selectors) {
        // ListBuckets filters by bucket tags with `tagging` (a JSON-ish list of "key":"value").
        case (.service, "GET", []), (.service, "GET", ["tagging"]): return .listBuckets

        case (.bucket, "PUT", []): return .putBucket
        case (.bucket, "GET", []): return .listObjects
        case (.bucket, "DELETE", []): return .deleteBucket
        case (.bucket, "GET", ["acl"]): return .getBucketAcl
        case (.bucket, "PUT", ["acl"]): return .putBucketAcl
        case (.bucket, "GET", ["uploads"]): return .listMultipartUploads
        case (.bucket, "POST", ["delete"]): return .deleteMultipleObjects
        case (.bucket, "GET", ["versions"]): return .listObjectVersions
        case (.bucket, "GET", ["bucketInfo"]): return .getBucketInfo
        case (.bucket, "GET", ["location"]): return .getBucketLocation
        case (.bucket, "GET", ["stat"]): return .getBucketStat
        case (.bucket, "GET", ["versioning"]): return .getBucketVersioning
        case (.bucket, "PUT", ["tagging"]): return .putBucketTags
        case (.bucket, "GET", ["tagging"]): return .getBucketTags
        case (.bucket, "DELETE", ["tagging"]): return .deleteBucketTags
        case (.bucket, "PUT", ["style", "styleName"]): return .putStyle
        case (.bucket, "GET", ["style", "styleName"]): return .getStyle
        case (.bucket, "GET", ["style"]): return .listStyle
        case (.bucket, "DELETE", ["style", "styleName"]): return .deleteStyle

        case (.object, "GET", []), (.object, "HEAD", []), (.object, "GET", ["x-oss-process"]), (.object, "HEAD", ["x-oss-process"]),
             (.object, "GET", ["versionId"]), (.object, "HEAD", ["versionId"]):
            return .getObject
        case (.object, "HEAD", ["objectMeta"]), (.object, "GET", ["objectMeta"]), (.object, "HEAD", ["objectMeta", "versionId"]),
             (.object, "GET", ["objectMeta", "versionId"]):
            return .getObjectMeta
        case (.object, "POST", ["x-oss-process"]): return .processObject
        case (.object, "POST", ["x-oss-async-process"]): return .asyncProcessObject
        case (.object, "PUT", []): return copySource ? .copyObject : .putObject
        case (.object, "DELETE", []), (.object, "DELETE", ["versionId"]): return .deleteObject
        case (.object, "POST", ["append", "position"]): return .appendObject
        case (.object, "PUT", ["acl"]), (.object, "PUT", ["acl", "versionId"]): return .putObjectAcl
        case (.object, "GET", ["acl"]), (.object, "GET", ["acl", "versionId"]): return .getObjectAcl
        case (.object, "PUT", ["tagging"]), (.object, "PUT", ["tagging", "versionId"]): return .putObjectTagging
        case (.object, "GET", ["tagging"]), (.object, "GET", ["tagging", "versionId"]): return .getObjectTagging
        case (.object, "DELETE", ["tagging"]), (.object, "DELETE", ["tagging", "versionId"]): return .deleteObjectTagging
        case (.object, "PUT", ["symlink"]): return .putSymlink
        case (.object, "GET", ["symlink"]), (.object, "GET", ["symlink", "versionId"]): return .getSymlink
        case (.object, "POST", ["restore"]), (.object, "POST", ["restore", "versionId"]): return .restoreObject
        case (.object, "POST", ["uploads"]), (.object, "POST", ["uploads", "sequential"]): return .initiateMultipartUpload
        case (.object, "PUT", ["partNumber", "uploadId"]): return copySource ? .uploadPartCopy : .uploadPart
        case (.object, "POST", ["uploadId"]): return .completeMultipartUpload
        case (.object, "DELETE", ["uploadId"]): return .abortMultipartUpload
        case (.object, "GET", ["uploadId"]): return .listParts
        default: return nil
        }
    }

    private static func notImplemented(method: String, level: Level, selectors: [String]) -> ServiceError {
        let names = selectors.map { "?\($0)" }.joined(separator: "&")
        let operation = selectors.lazy.compactMap { operationName(method: method, level: level, subResource: $0) }.first
        let what = operation.map { "\($0) (\(method) \(names) on \(article(level)))" } ?? "\(method) \(names) on \(article(level))"
        return ServiceError.notImplemented("\(what) is not implemented by this local OSS; nothing was changed.")
    }

    private static func article(_ level: Level) -> String {
        switch level {
        case .service: "the service"
        case .bucket: "a bucket"
        case .object: "an object"
        }
    }
}
