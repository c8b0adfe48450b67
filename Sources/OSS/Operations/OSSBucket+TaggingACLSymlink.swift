import OSSHTTP

// MARK: Object tagging

extension OSSBucket {
    /// Replaces the object's tags (at most 10; keys up to 128 and values up to 256 characters, as OSS
    /// limits them, checked here so that a bad set is refused before it is sent).
    public func putObjectTagging(_ key: String, tags: [String: String], options: RequestOptions = RequestOptions()) async throws(OSSError) {
        try validate(key)
        guard tags.count <= 10 else { throw .invalidArgument(parameter: "tags", reason: "\(tags.count) tags; an object holds at most 10.") }
        for (tagKey, value) in tags {
            guard (1...128).contains(tagKey.count) else {
                throw .invalidArgument(parameter: "tags", reason: "the tag key '\(tagKey.prefix(32))' must be 1 to 128 characters.")
            }
            guard value.count <= 256 else {
                throw .invalidArgument(parameter: "tags", reason: "the value of tag '\(tagKey.prefix(32))' is longer than 256 characters.")
            }
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Tagging><TagSet>"
        for (tagKey, value) in tags.sorted(by: { $0.key < $1.key }) {
            xml += "<Tag><Key>\(XMLText.escape(tagKey))</Key><Value>\(XMLText.escape(value))</Value></Tag>"
        }
        xml += "</TagSet></Tagging>"
        let (headers, body) = Self.xmlBody(xml)
        _ = try await call("PutObjectTagging", "PUT", key: key, query: [QueryItem("tagging")], headers: headers, body: body, options: options)
    }

    /// The object's tags; empty when it has none.
    public func getObjectTagging(_ key: String, options: RequestOptions = RequestOptions()) async throws(OSSError) -> [String: String] {
        try validate(key)
        let response = try await call("GetObjectTagging", "GET", key: key, query: [QueryItem("tagging")], options: options)
        let tree = try Self.xml(response, root: "Tagging", operation: "GetObjectTagging")
        var tags: [String: String] = [:]
        for tag in tree.child("TagSet")?.children("Tag") ?? [] {
            guard let tagKey = tag.value("Key") else { continue }
            tags[tagKey] = tag.value("Value") ?? ""
        }
        return tags
    }

    /// Removes every tag of the object.
    public func deleteObjectTagging(_ key: String, options: RequestOptions = RequestOptions()) async throws(OSSError) {
        try validate(key)
        _ = try await call("DeleteObjectTagging", "DELETE", key: key, query: [QueryItem("tagging")], options: options)
    }
}

// MARK: Object ACL

extension OSSBucket {
    /// Sets the object's ACL; ``ObjectACL/default`` hands the decision back to the bucket's.
    public func putObjectACL(_ key: String, _ acl: ObjectACL, options: RequestOptions = RequestOptions()) async throws(OSSError) {
        try validate(key)
        _ = try await call("PutObjectACL", "PUT", key: key, query: [QueryItem("acl")],
                           headers: [HTTPHeaderField("x-oss-object-acl", acl.rawValue)], options: options)
    }

    /// The object's ACL. A value this SDK does not know is a parse error naming it.
    public func getObjectACL(_ key: String, options: RequestOptions = RequestOptions()) async throws(OSSError) -> ObjectACL {
        try validate(key)
        let response = try await call("GetObjectACL", "GET", key: key, query: [QueryItem("acl")], options: options)
        let tree = try Self.xml(response, root: "AccessControlPolicy", operation: "GetObjectACL")
        let grant = tree.child("AccessControlList")?.value("Grant") ?? ""
        guard let acl = ObjectACL(rawValue: grant) else {
            throw .responseParse(ResponseParseError(operation: "GetObjectACL", problem: "unknown grant '\(grant.prefix(32))'", requestId: response.requestId))
        }
        return acl
    }
}

// MARK: Symlinks

extension OSSBucket {
    /// Makes `key` a symlink to `target` in the same bucket: reads of `key` return the target's
    /// bytes, so one object can be published under several names without copies.
    @discardableResult
    public func putSymlink(_ key: String, target: String, forbidOverwrite: Bool = false,
                           options: RequestOptions = RequestOptions()) async throws(OSSError) -> ObjectInfo {
        try validate(key)
        try OSSValidation.validateObjectKey(target)
        var headers = [HTTPHeaderField("x-oss-symlink-target", OSSPercentEncoding.encodePath(target))]
        if forbidOverwrite { headers.append(HTTPHeaderField("x-oss-forbid-overwrite", "true")) }
        let response = try await call("PutSymlink", "PUT", key: key, query: [QueryItem("symlink")], headers: headers, options: options)
        return ObjectInfo(response)
    }

    /// The key a symlink points to, decoded. A key that is no symlink is OSS's `NotSymlink`.
    public func getSymlink(_ key: String, options: RequestOptions = RequestOptions()) async throws(OSSError) -> String {
        try validate(key)
        let response = try await call("GetSymlink", "GET", key: key, query: [QueryItem("symlink")], options: options)
        guard let encoded = response.header("x-oss-symlink-target") else {
            throw .responseParse(ResponseParseError(operation: "GetSymlink", problem: "no x-oss-symlink-target header", requestId: response.requestId))
        }
        return OSSPercentEncoding.decode(Substring(encoded), plusIsSpace: false) ?? encoded
    }
}

extension ObjectInfo {
    /// What the headers of a read-whole response say about the object.
    init(_ response: OSSResponse) {
        self.init(TransportResponse(status: response.status, headers: response.headers, body: HTTPResponseBody(bytes: [])))
    }
}
