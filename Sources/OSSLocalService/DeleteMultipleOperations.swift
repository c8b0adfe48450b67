import OSSCore
import OSSCrypto
import OSSFileIO
import OSSSigner

/// DeleteMultipleObjects: POST `?delete` with a `<Delete>` document of up to 1,000 keys, which
/// must carry a Content-MD5 that matches, as OSS requires. Keys that do not exist count as
/// deleted. In quiet mode the reply lists nothing (OSS lists only failures, and deleting does
/// not fail here); with `encoding-type=url` the keys in the reply are URL-encoded.
extension LocalOSSService {
    func deleteMultipleObjects(_ request: ParsedRequest, bucket: String, body: ByteChunks) async throws -> ServiceResponse {
        guard let contentMD5 = request.header("Content-MD5")?.trimmingWhitespace() else {
            throw ServiceError(status: 400, code: "MissingArgument", message: "Missing Some Required Arguments: Content-MD5.", ec: "0016-00000502",
                               details: [("ArgumentName", "Content-MD5")])
        }
        let bytes = try await body.collect(limit: 2 << 20)
        guard let expected = Base64.decodeURLSafe((contentMD5).utf8), expected.count == 16 else {
            throw ServiceError(status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified is not valid.", ec: "0016-00000401")
        }
        guard Crypto.md5(bytes) == expected else {
            throw ServiceError(status: 400, code: "BadDigest", message: "The Content-MD5 you specified did not match what we received.", ec: "0016-00000402",
                               details: [("ExpectedMD5", contentMD5), ("CalculatedMD5", Base64.encode(Crypto.md5(bytes)))])
        }
        let document = try RequestXML.parse(bytes, root: "Delete")
        let quiet = document.trimmedValue("Quiet")?.lowercased() == "true"
        let objects = document.children("Object")
        guard !objects.isEmpty, objects.count <= 1000 else {
            throw RequestXML.malformed
        }
        var targets: [(key: String, versionId: String?)] = []
        for object in objects {
            guard let key = object.value("Key") else { throw RequestXML.malformed }
            try Names.validateKey(key)
            targets.append((key, object.trimmedValue("VersionId")))
        }
        let store = self.store
        let url = Self.isURLEncoding(request)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult>\n"
        if url { xml += "  <EncodingType>url</EncodingType>\n" }
        for target in targets {
            if let versionId = target.versionId, !versionId.isEmpty, versionId != "null" {
                // No such version exists here: nothing to delete, as OSS answers for one.
                if !quiet { xml += "  <Deleted>\n    <Key>\(Self.encoded(target.key, url))</Key>\n    <VersionId>\(XML.escape(versionId))</VersionId>\n  </Deleted>\n" }
                continue
            }
            try await BlockingIO.run { try store.delete(bucket: bucket, key: target.key) }
            guard !quiet else { continue }
            xml += "  <Deleted>\n    <Key>\(Self.encoded(target.key, url))</Key>\n"
            if let versionId = target.versionId, !versionId.isEmpty { xml += "    <VersionId>\(XML.escape(versionId))</VersionId>\n" }
            xml += "  </Deleted>\n"
        }
        xml += "</DeleteResult>\n"
        return xmlResponse(xml)
    }
}
