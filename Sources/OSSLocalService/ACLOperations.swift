import OSSCore
import OSSFileIO

/// Object and bucket ACLs, and who may do what without signing.
///
/// OSS's rule: an object's ACL decides, unless it is `default`, which inherits the bucket's.
/// `public-read` lets anyone read (GET, HEAD); `public-read-write` lets anyone write too;
/// `private` lets only signed requests in. A bucket named with `oss serve --public-read` is
/// public-read until its ACL is set.
extension LocalOSSService {
    static let bucketACLs: Set<String> = ["private", "public-read", "public-read-write"]

    /// The bucket's ACL in force.
    func bucketACL(_ bucket: String) async throws -> String {
        let store = self.store
        let record = try await BlockingIO.run { try store.bucketRecord(bucket) }
        return record.acl ?? (configuration.publicReadBuckets.contains(bucket) ? "public-read" : "private")
    }

    /// Lets an unsigned request through, or refuses it as OSS does, from the ACLs of the bucket
    /// and (for an object request) the object.
    func authorizeAnonymous(_ request: ParsedRequest, operation: Operation, bucket: String?, key: String?) async throws {
        guard let bucket else { throw ServiceError.accessDenied("Anonymous access is forbidden for this operation.", ec: "0003-00000001") }
        let isRead = request.method == "GET" || request.method == "HEAD"
        let objectOperations: Set<Operation> = [.getObject, .getObjectMeta, .putObject, .deleteObject, .appendObject, .getSymlink]
        guard objectOperations.contains(operation) || operation == .listObjects else {
            throw ServiceError.accessDenied("Anonymous access is forbidden for this operation.", ec: "0003-00000001")
        }
        var acl = try await bucketACL(bucket)
        var because = "bucket acl"
        if let key, isRead {
            let store = self.store
            if let objectACL = try await BlockingIO.run({ try store.open(bucket: bucket, key: key)?.record.acl }), objectACL != "default" {
                acl = objectACL
                because = "object acl"
            }
        }
        let allowed = isRead ? (acl == "public-read" || acl == "public-read-write") : acl == "public-read-write"
        guard allowed else {
            throw ServiceError.accessDenied("You have no right to access this object because of \(because).", ec: because == "bucket acl" ? "0003-00000001" : "0003-00000002")
        }
    }

    func accessControlPolicy(_ acl: String) -> ServiceResponse {
        xmlResponse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy>\n  <Owner>\n    <ID>local</ID>\n    <DisplayName>local</DisplayName>\n  </Owner>\n"
                    + "  <AccessControlList>\n    <Grant>\(XML.escape(acl))</Grant>\n  </AccessControlList>\n</AccessControlPolicy>\n")
    }

    func getObjectAcl(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        try Self.checkVersion(request)
        let store = self.store
        guard let record = try await BlockingIO.run({ try store.open(bucket: bucket, key: key)?.record }) else { throw ServiceError.noSuchKey(key) }
        return accessControlPolicy(record.acl)
    }

    func putObjectAcl(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        try Self.checkVersion(request)
        guard let acl = (request.header("x-oss-object-acl") ?? request.header("x-oss-acl"))?.trimmingWhitespace(), Self.objectACLs.contains(acl) else {
            throw ServiceError.invalidArgument("The ACL you specified is not valid: x-oss-object-acl must be default, private, public-read or public-read-write.",
                                               name: "x-oss-object-acl", value: request.header("x-oss-object-acl"), ec: "0016-00000701")
        }
        let store = self.store
        try await BlockingIO.run { _ = try store.rewriteRecord(bucket: bucket, key: key) { $0.acl = acl } }
        return ServiceResponse(status: 200)
    }

    func getBucketAcl(bucket: String) async throws -> ServiceResponse {
        accessControlPolicy(try await bucketACL(bucket))
    }

    func putBucketAcl(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        guard let acl = request.header("x-oss-acl")?.trimmingWhitespace(), Self.bucketACLs.contains(acl) else {
            throw ServiceError.invalidArgument("The ACL you specified is not valid: x-oss-acl must be private, public-read or public-read-write.",
                                               name: "x-oss-acl", value: request.header("x-oss-acl"), ec: "0015-00000901")
        }
        let store = self.store
        try await BlockingIO.run { try store.updateBucketRecord(bucket) { $0.acl = acl } }
        return ServiceResponse(status: 200)
    }

    /// `versionId`: this server keeps no versions, so only `null` (the one version of an object
    /// in an unversioned bucket) names anything.
    static func checkVersion(_ request: ParsedRequest) throws(ServiceError) {
        if let versionId = request.queryValue("versionId"), versionId != "null" { throw ServiceError.noSuchVersion(versionId) }
    }
}
