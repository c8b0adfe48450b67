import OSSHTTP

// MARK: ListBuckets

extension OSSClient {
    /// One page of the account's buckets (ListBuckets, GetService), in name order.
    public func listBuckets(prefix: String? = nil, marker: String? = nil, maxKeys: Int? = nil,
                            options: RequestOptions = RequestOptions()) async throws(OSSError) -> ListBucketsPage {
        if let maxKeys, !(1...1000).contains(maxKeys) {
            throw .invalidArgument(parameter: "maxKeys", reason: "\(maxKeys) is outside 1...1000.")
        }
        var query: [QueryItem] = []
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        if let marker { query.append(QueryItem("marker", marker)) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        let response = try await send(OSSRequest(operationName: "ListBuckets", method: "GET", query: query), options: options)
        let tree = try OSSBucket.xml(response, root: "ListAllMyBucketsResult", operation: "ListBuckets")
        let buckets = (tree.child("Buckets")?.children("Bucket") ?? []).map(BucketSummary.init)
        return ListBucketsPage(buckets: buckets, isTruncated: tree.value("IsTruncated") == "true",
                               nextMarker: tree.value("NextMarker").flatMap { $0.isEmpty ? nil : $0 }, requestId: response.requestId)
    }

    /// Every page of ListBuckets, fetched as the sequence is iterated, following `NextMarker`.
    public func listBucketsPages(prefix: String? = nil, maxKeys: Int? = nil) -> ListBucketsPaginator {
        ListBucketsPaginator(client: self, prefix: prefix, maxKeys: maxKeys)
    }
}

/// Pages of ListBuckets, fetched lazily, so an account with thousands of buckets is listed in
/// bounded memory.
public struct ListBucketsPaginator: AsyncSequence, Sendable {
    /// One page of buckets.
    public typealias Element = ListBucketsPage
    let client: OSSClient
    let prefix: String?
    let maxKeys: Int?

    /// Fetches the next page when asked.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let paginator: ListBucketsPaginator
        var marker: String?
        var done = false

        /// The next page, nil after the last one.
        public mutating func next() async throws -> ListBucketsPage? {
            guard !done else { return nil }
            let page = try await paginator.client.listBuckets(prefix: paginator.prefix, marker: marker, maxKeys: paginator.maxKeys)
            // A truncated page without a marker, or one that does not move, would loop forever.
            done = !page.isTruncated || page.nextMarker == nil || page.nextMarker == marker
            marker = page.nextMarker
            return page
        }
    }

    /// Starts at the first page; each iteration lists afresh.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(paginator: self) }
}

// MARK: PutBucket, DeleteBucket, GetBucketInfo, GetBucketLocation

extension OSSBucket {
    /// Creates the bucket. Creating one the caller already owns succeeds, as in OSS.
    public func create(options: PutBucketOptions = PutBucketOptions()) async throws(OSSError) {
        try OSSValidation.validateBucketName(name)
        var headers: [HTTPHeaderField] = []
        if let acl = options.acl { headers.append(HTTPHeaderField("x-oss-acl", acl.rawValue)) }
        var body = HTTPRequestBody.none
        if options.storageClass != nil || options.dataRedundancyType != nil {
            var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateBucketConfiguration>"
            if let storageClass = options.storageClass { xml += "<StorageClass>\(XMLText.escape(storageClass))</StorageClass>" }
            if let redundancy = options.dataRedundancyType { xml += "<DataRedundancyType>\(XMLText.escape(redundancy))</DataRedundancyType>" }
            xml += "</CreateBucketConfiguration>"
            let xmlBody = Self.xmlBody(xml)
            headers += xmlBody.headers
            body = xmlBody.body
        }
        _ = try await call("PutBucket", "PUT", headers: headers, body: body, options: options.request)
    }

    /// Deletes the bucket; OSS refuses (`BucketNotEmpty`) while it holds objects or uploads.
    public func delete(options: RequestOptions = RequestOptions()) async throws(OSSError) {
        try OSSValidation.validateBucketName(name)
        _ = try await call("DeleteBucket", "DELETE", options: options)
    }

    /// Creation date, location, storage class, ACL and endpoints of the bucket.
    public func info(options: RequestOptions = RequestOptions()) async throws(OSSError) -> BucketInfo {
        try OSSValidation.validateBucketName(name)
        let response = try await call("GetBucketInfo", "GET", query: [QueryItem("bucketInfo")], options: options)
        let tree = try Self.xml(response, root: "BucketInfo", operation: "GetBucketInfo")
        guard let bucket = tree.child("Bucket") else {
            throw .responseParse(ResponseParseError(operation: "GetBucketInfo", problem: "no <Bucket> element", requestId: response.requestId))
        }
        return BucketInfo(summary: BucketSummary(bucket), acl: bucket.child("AccessControlList")?.value("Grant"),
                          dataRedundancyType: bucket.value("DataRedundancyType"), requestId: response.requestId)
    }

    /// The bucket's region as OSS names it (`oss-cn-hangzhou`): what to configure a client with
    /// when only the bucket name is known.
    public func location(options: RequestOptions = RequestOptions()) async throws(OSSError) -> String {
        try OSSValidation.validateBucketName(name)
        let response = try await call("GetBucketLocation", "GET", query: [QueryItem("location")], options: options)
        return try Self.xml(response, root: "LocationConstraint", operation: "GetBucketLocation").text
    }
}

// MARK: Image styles

extension OSSBucket {
    /// Style names as OSS allows them: 1 to 64 letters, digits, `-`, `_` and `.`.
    static func validateStyleName(_ name: String) throws(OSSError) {
        let valid = (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard valid else { throw .invalidArgument(parameter: "styleName", reason: "'\(name.prefix(64))' is not 1 to 64 letters, digits, '-', '_' or '.'.") }
    }

    /// Creates or replaces a style; `content` is a process such as `image/resize,p_50`.
    public func putStyle(_ styleName: String, content: String, options: RequestOptions = RequestOptions()) async throws(OSSError) {
        try OSSValidation.validateBucketName(name)
        try Self.validateStyleName(styleName)
        guard (1...4096).contains(content.utf8.count) else {
            throw .invalidArgument(parameter: "content", reason: "a style's content must be 1 to 4096 bytes.")
        }
        let (headers, body) = Self.xmlBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Style><Content>\(XMLText.escape(content))</Content></Style>")
        _ = try await call("PutStyle", "PUT", query: [QueryItem("style"), QueryItem("styleName", styleName)], headers: headers, body: body,
                           options: options)
    }

    /// One style; a missing one is OSS's `NoSuchStyle`.
    public func getStyle(_ styleName: String, options: RequestOptions = RequestOptions()) async throws(OSSError) -> ImageStyle {
        try OSSValidation.validateBucketName(name)
        try Self.validateStyleName(styleName)
        let response = try await call("GetStyle", "GET", query: [QueryItem("style"), QueryItem("styleName", styleName)], options: options)
        return ImageStyle(try Self.xml(response, root: "Style", operation: "GetStyle"))
    }

    /// Every style of the bucket.
    public func listStyles(options: RequestOptions = RequestOptions()) async throws(OSSError) -> [ImageStyle] {
        try OSSValidation.validateBucketName(name)
        let response = try await call("ListStyle", "GET", query: [QueryItem("style")], options: options)
        return try Self.xml(response, root: "StyleList", operation: "ListStyle").children("Style").map(ImageStyle.init)
    }

    /// Deletes a style; URLs using `style/NAME` then fail with `NoSuchStyle`.
    public func deleteStyle(_ styleName: String, options: RequestOptions = RequestOptions()) async throws(OSSError) {
        try OSSValidation.validateBucketName(name)
        try Self.validateStyleName(styleName)
        _ = try await call("DeleteStyle", "DELETE", query: [QueryItem("style"), QueryItem("styleName", styleName)], options: options)
    }
}
