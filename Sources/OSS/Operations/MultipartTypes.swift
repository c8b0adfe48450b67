/// A multipart upload in progress: what every part, the completion and the abort name.
public struct MultipartUpload: Sendable, Hashable, Codable {
    /// The bucket it goes to.
    public var bucket: String
    /// The key the object gets on completion.
    public var key: String
    /// OSS's id of the upload.
    public var uploadId: String

    /// An upload known by its id, for instance one read back from a checkpoint.
    public init(bucket: String, key: String, uploadId: String) {
        self.bucket = bucket
        self.key = key
        self.uploadId = uploadId
    }
}

/// One uploaded part: what CompleteMultipartUpload needs (number and ETag), and what the
/// combined CRC-64 check needs (size and CRC-64).
public struct UploadedPart: Sendable, Hashable, Codable {
    /// 1 to 10,000.
    public var partNumber: Int
    /// The part's ETag without quotes.
    public var etag: String
    /// Bytes.
    public var size: Int64
    /// The part's CRC-64, as the client computed it and the server confirmed it.
    public var crc64: UInt64?

    /// A part from its fields (from ListParts, say).
    public init(partNumber: Int, etag: String, size: Int64, crc64: UInt64?) {
        self.partNumber = partNumber
        self.etag = etag
        self.size = size
        self.crc64 = crc64
    }
}

/// The answer of a CompleteMultipartUpload.
public struct CompleteMultipartUploadResult: Sendable, Hashable {
    /// The object's ETag (`MD5-of-MD5s-N`), without quotes.
    public var etag: String
    /// The object's CRC-64 as the server reports it, already checked against the parts' combined.
    public var crc64: UInt64?
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}

/// One page of ListParts.
public struct ListPartsPage: Sendable, Hashable {
    /// The parts of this page, in part-number order.
    public var parts: [UploadedPart]
    /// More pages follow.
    public var isTruncated: Bool
    /// Pass it as `partNumberMarker` for the next page.
    public var nextPartNumberMarker: Int?
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}
