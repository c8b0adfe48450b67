import OSSCore
import OSSFileIO

/// Put, Get and DeleteObjectTagging, and the bucket tags (Put, Get, DeleteBucketTags).
///
/// OSS's limits: at most 10 tags on an object (20 on a bucket), keys of 1 to 128 characters,
/// values of at most 256, no key twice.
extension LocalOSSService {
    static func taggingXML(_ tags: [ObjectTag]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging>\n  <TagSet>\n"
        for tag in tags { xml += "    <Tag>\n      <Key>\(XML.escape(tag.key))</Key>\n      <Value>\(XML.escape(tag.value))</Value>\n    </Tag>\n" }
        return xml + "  </TagSet>\n</Tagging>\n"
    }

    /// The tags of a Tagging document.
    static func parseTaggingBody(_ bytes: [UInt8], limit: Int) throws(ServiceError) -> [ObjectTag] {
        let document = try RequestXML.parse(bytes, root: "Tagging")
        var tags: [ObjectTag] = []
        for element in document.child("TagSet")?.children("Tag") ?? [] {
            let key = element.value("Key") ?? ""
            let value = element.value("Value") ?? ""
            guard (1...128).contains(key.count), value.count <= 256 else {
                throw ServiceError(status: 400, code: "InvalidTag", message: "The tag key must be 1 to 128 characters, the value at most 256.",
                                   ec: "0031-00000002", details: [("TagKey", String(key.prefix(200)))])
            }
            guard !tags.contains(where: { Array($0.key.utf8) == Array(key.utf8) }) else {
                throw ServiceError(status: 400, code: "InvalidTag", message: "The same tag key cannot be given twice.", ec: "0031-00000003",
                                   details: [("TagKey", String(key.prefix(200)))])
            }
            tags.append(ObjectTag(key: key, value: value))
        }
        guard tags.count <= limit else {
            throw ServiceError(status: 400, code: "BadRequest", message: "An object can have at most \(limit) tags.", ec: "0031-00000001")
        }
        return tags
    }

    func getObjectTagging(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        try Self.checkVersion(request)
        let store = self.store
        guard let record = try await BlockingIO.run({ try store.open(bucket: bucket, key: key)?.record }) else { throw ServiceError.noSuchKey(key) }
        return xmlResponse(Self.taggingXML(record.tags))
    }

    func putObjectTagging(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks) async throws -> ServiceResponse {
        try Self.checkVersion(request)
        let tags = try Self.parseTaggingBody(try await body.collect(limit: 64 << 10), limit: 10)
        let store = self.store
        try await BlockingIO.run { _ = try store.rewriteRecord(bucket: bucket, key: key) { $0.tags = tags } }
        return ServiceResponse(status: 200)
    }

    func deleteObjectTagging(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        try Self.checkVersion(request)
        let store = self.store
        try await BlockingIO.run { _ = try store.rewriteRecord(bucket: bucket, key: key) { $0.tags = [] } }
        return ServiceResponse(status: 204)
    }

    func getBucketTags(bucket: String) async throws -> ServiceResponse {
        let store = self.store
        let tags = try await BlockingIO.run { try store.bucketRecord(bucket).tags }
        return xmlResponse(Self.taggingXML(tags))
    }

    func putBucketTags(bucket: String, body: ByteChunks) async throws -> ServiceResponse {
        let tags = try Self.parseTaggingBody(try await body.collect(limit: 64 << 10), limit: 20)
        let store = self.store
        try await BlockingIO.run { try store.updateBucketRecord(bucket) { $0.tags = tags } }
        return ServiceResponse(status: 200)
    }

    func deleteBucketTags(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        let store = self.store
        let keys = Set((request.queryValue("tagging") ?? "").split(separator: ",").map(String.init))
        try await BlockingIO.run {
            try store.updateBucketRecord(bucket) { record in
                record.tags = keys.isEmpty ? [] : record.tags.filter { !keys.contains($0.key) }
            }
        }
        return ServiceResponse(status: 204)
    }
}
