// MARK: ListObjectsV2

extension OSSBucket {
    /// One page of keys. Keys come back URL-encoded on the wire (`encoding-type=url`) and are decoded
    /// here, so any key survives the XML.
    public func listObjectsV2(prefix: String? = nil, delimiter: String? = nil, maxKeys: Int? = nil, startAfter: String? = nil,
                              continuationToken: String? = nil, options: RequestOptions = RequestOptions()) async throws(OSSError) -> ListObjectsV2Page {
        try OSSValidation.validateBucketName(name)
        if let maxKeys, !(1...1000).contains(maxKeys) {
            throw .invalidArgument(parameter: "maxKeys", reason: "\(maxKeys) is outside 1...1000.")
        }
        var query = [QueryItem("list-type", "2"), QueryItem("encoding-type", "url")]
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        if let delimiter { query.append(QueryItem("delimiter", delimiter)) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        if let startAfter { query.append(QueryItem("start-after", startAfter)) }
        if let continuationToken { query.append(QueryItem("continuation-token", continuationToken)) }
        let operation = OSSClient.Operation(name: "ListObjectsV2", method: "GET", bucket: name, query: query)
        return try await client.perform(operation, options: options) { response, _ throws(OSSError) in
            let bytes: [UInt8]
            do {
                bytes = try await response.body.collect(upTo: 32 << 20)
            } catch {
                throw DownloadPipeline.bodyError(error, received: 0, info: ObjectInfo(response))
            }
            return try ResponseDecoders.listObjectsV2Page(bytes, requestId: response.header("x-oss-request-id"))
        }
    }

    /// Every page of a listing, fetched as the sequence is iterated. `startAfter` applies to the
    /// first page; the pages after it follow the continuation token.
    public func listObjectsV2Pages(prefix: String? = nil, delimiter: String? = nil, maxKeys: Int? = nil,
                                   startAfter: String? = nil) -> ListObjectsV2Paginator {
        ListObjectsV2Paginator(bucket: self, prefix: prefix, delimiter: delimiter, maxKeys: maxKeys, startAfter: startAfter)
    }
}

/// Pages of ListObjectsV2, fetched lazily.
public struct ListObjectsV2Paginator: AsyncSequence, Sendable {
    /// One page of keys and common prefixes per element, as OSS returns them.
    public typealias Element = ListObjectsV2Page
    let bucket: OSSBucket
    let prefix: String?
    let delimiter: String?
    let maxKeys: Int?
    let startAfter: String?

    /// Follows the continuation tokens; a page is fetched only when it is asked for.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let paginator: ListObjectsV2Paginator
        var token: String?
        var done = false

        /// Fetches the next page; nil after the page OSS marks as the last.
        public mutating func next() async throws -> ListObjectsV2Page? {
            guard !done else { return nil }
            // `start-after` only opens the listing; a continuation token carries on from there.
            let page = try await paginator.bucket.listObjectsV2(prefix: paginator.prefix, delimiter: paginator.delimiter,
                                                               maxKeys: paginator.maxKeys,
                                                               startAfter: token == nil ? paginator.startAfter : nil,
                                                               continuationToken: token)
            token = page.nextContinuationToken
            done = !page.isTruncated || token == nil
            return page
        }
    }

    /// Starts from the first page (or `startAfter`) on each iteration.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(paginator: self) }
}
