import OSSCore
import OSSFileIO
import OSSSigner

/// ListObjects (v1) and ListObjectsV2, over the bucket's index, comparing bytes.
extension LocalOSSService {
    func listObjects(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        let isV2 = request.queryValue("list-type") == "2"
        let prefix = request.queryValue("prefix") ?? ""
        let delimiter = request.queryValue("delimiter") ?? ""
        let urlEncoded = request.queryValue("encoding-type") == "url"
        var query = ListingQuery(prefix: Array(prefix.utf8), delimiter: Array(delimiter.utf8))
        if let text = request.queryValue("max-keys") {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw ServiceError.invalidArgument("max-keys must be between 1 and 1000.", name: "max-keys", value: text, ec: "0016-00000301")
            }
            query.maxKeys = value
        }
        let token = request.queryValue("continuation-token")
        if isV2 {
            query.after = Array((request.queryValue("start-after") ?? "").utf8)
            if let token, !token.isEmpty {
                // The token is the last entry of the previous page, as bytes.
                guard let decoded = Base64.decodeURLSafe(token.utf8), String(validating: decoded, as: UTF8.self) != nil else {
                    throw ServiceError.invalidArgument("The continuation token is not valid.", name: "continuation-token", value: token, ec: "0016-00000302")
                }
                if !decoded.lexicographicallyPrecedes(query.after) { query.after = decoded }
            }
        } else {
            query.after = Array((request.queryValue("marker") ?? "").utf8)
        }
        let store = self.store
        let (page, entries) = try await BlockingIO.run { [query] in try store.list(bucket: bucket, query: query) }

        func encode(_ text: String) -> String {
            XML.escape(urlEncoded ? OSSPercentEncoding.encodeQueryComponent(text) : text)
        }
        func encode(_ bytes: [UInt8]) -> String { encode(String(decoding: bytes, as: UTF8.self)) }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult>\n"
        xml += "  <Name>\(XML.escape(bucket))</Name>\n  <Prefix>\(encode(prefix))</Prefix>\n"
        if isV2 {
            if let startAfter = request.queryValue("start-after") { xml += "  <StartAfter>\(encode(startAfter))</StartAfter>\n" }
            if let token { xml += "  <ContinuationToken>\(XML.escape(token))</ContinuationToken>\n" }
        } else {
            xml += "  <Marker>\(encode(query.after))</Marker>\n"
        }
        xml += "  <MaxKeys>\(query.maxKeys)</MaxKeys>\n  <Delimiter>\(encode(delimiter))</Delimiter>\n"
        if urlEncoded { xml += "  <EncodingType>url</EncodingType>\n" }
        xml += "  <IsTruncated>\(page.isTruncated)</IsTruncated>\n"
        if isV2 {
            xml += "  <KeyCount>\(page.count)</KeyCount>\n"
            if page.isTruncated, let last = page.lastEntry { xml += "  <NextContinuationToken>\(XML.escape(Base64.encode(last)))</NextContinuationToken>\n" }
        } else if page.isTruncated, let last = page.lastEntry {
            xml += "  <NextMarker>\(encode(last))</NextMarker>\n"
        }
        for entry in entries {
            xml += "  <Contents>\n    <Key>\(encode(entry.key))</Key>\n"
            xml += "    <LastModified>\(SigningTime(unixSeconds: entry.lastModifiedMilliseconds / 1000).iso8601Extended)</LastModified>\n"
            xml += "    <ETag>\(XML.escape("\"\(entry.etag)\""))</ETag>\n    <Type>\(XML.escape(entry.objectType))</Type>\n    <Size>\(entry.size)</Size>\n"
            xml += "    <StorageClass>\(XML.escape(entry.storageClass))</StorageClass>\n"
            if !isV2 || request.queryValue("fetch-owner") == "true" {
                xml += "    <Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>\n"
            }
            xml += "  </Contents>\n"
        }
        for commonPrefix in page.commonPrefixes {
            xml += "  <CommonPrefixes>\n    <Prefix>\(encode(commonPrefix))</Prefix>\n  </CommonPrefixes>\n"
        }
        xml += "</ListBucketResult>\n"
        return xmlResponse(xml)
    }
}
