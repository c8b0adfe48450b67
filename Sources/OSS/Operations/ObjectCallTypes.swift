#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Whether a copy keeps the source's metadata or takes the request's (`x-oss-metadata-directive`).
public enum MetadataDirective: String, Sendable, Hashable {
    /// The copy keeps the source's content type and `x-oss-meta-*`; the request's are ignored.
    case copy = "COPY"
    /// The copy gets the request's content type and metadata instead: the one way to change an
    /// object's metadata without uploading it again.
    case replace = "REPLACE"
}

/// What a CopyObject may add to the request.
public struct CopyObjectOptions: Sendable {
    /// Where the copy's metadata comes from; ``MetadataDirective/copy`` by default, as in OSS.
    public var metadataDirective: MetadataDirective
    /// The copy's content type, with ``MetadataDirective/replace``.
    public var contentType: String?
    /// The copy's user metadata, with ``MetadataDirective/replace``.
    public var metadata: [String: String]
    /// Copy only if the source's ETag matches, so a concurrent overwrite of the source is noticed.
    public var ifMatch: String?
    /// Refuse to replace an existing destination (`x-oss-forbid-overwrite`).
    public var forbidOverwrite: Bool
    /// Extra headers (`x-oss-object-acl`, `x-oss-storage-class`...).
    public var headers: [String: String]
    /// Attempts and timeouts for this call (for each request of a multipart copy).
    public var request: RequestOptions
    /// Sources larger than this many bytes are copied as a multipart upload of UploadPartCopy
    /// parts instead of one CopyObject, which OSS documents for objects up to 1 GiB (the
    /// default); a HEAD of the source first learns its size. Nil sends one CopyObject whatever
    /// the size, without the HEAD.
    public var multipartThreshold: Int64?
    /// Bytes a part of a multipart copy (100 KiB to 5 GiB; 64 MiB by default, as the official
    /// SDKs' copiers), grown to the next MiB when the source would need more than 10,000 parts.
    public var partSize: Int64
    /// Parts of a multipart copy in flight at once (3 by default, as the official SDKs' copiers):
    /// each is a request OSS works on for a while, so a few suffice.
    public var concurrency: Int

    /// Every option defaults to OSS's behaviour.
    public init(metadataDirective: MetadataDirective = .copy, contentType: String? = nil, metadata: [String: String] = [:],
                ifMatch: String? = nil, forbidOverwrite: Bool = false, headers: [String: String] = [:],
                request: RequestOptions = RequestOptions(), multipartThreshold: Int64? = 1 << 30, partSize: Int64 = 64 << 20,
                concurrency: Int = 3) {
        self.metadataDirective = metadataDirective
        self.contentType = contentType
        self.metadata = metadata
        self.ifMatch = ifMatch
        self.forbidOverwrite = forbidOverwrite
        self.headers = headers
        self.request = request
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.concurrency = concurrency
    }
}

/// The answer of a CopyObject.
public struct CopyObjectResult: Sendable, Hashable {
    /// The copy's ETag, without quotes.
    public var etag: String
    /// As OSS writes it: `2023-12-16T16:20:57.000Z`.
    public var lastModified: String
    /// `x-oss-hash-crc64ecma` of the copy, checked against the source's when both are known.
    public var crc64: UInt64?
    /// The `x-oss-request-id`, to quote to OSS support (of the CompleteMultipartUpload for a
    /// multipart copy).
    public var requestId: String?
    /// The parts of a multipart copy (the ETag then ends in `-N`); 0 for a single CopyObject.
    public var parts: Int = 0
}

/// The answer of a DeleteObjects (DeleteMultipleObjects).
public struct DeleteObjectsResult: Sendable, Hashable {
    /// The keys OSS reports deleted (missing keys included, as OSS counts them); empty in quiet
    /// mode, where only failures would be listed.
    public var deleted: [String]
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}

/// The answer of an AppendObject: where the next append must start.
public struct AppendObjectResult: Sendable, Hashable {
    /// `x-oss-next-append-position`: pass it as the next call's `position`.
    public var nextPosition: Int64
    /// The CRC-64 of the whole object after this append, checked against the one the client
    /// combined from the previous CRC and the appended bytes.
    public var crc64: UInt64?
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}

/// An object's access control (`x-oss-object-acl`).
public enum ObjectACL: String, Sendable, Hashable, CaseIterable {
    /// The bucket's ACL applies.
    case `default` = "default"
    /// Only the owner and authorized users.
    case `private` = "private"
    /// Anyone may read.
    case publicRead = "public-read"
    /// Anyone may read and write.
    case publicReadWrite = "public-read-write"
}

/// A bucket's access control (`x-oss-acl`).
public enum BucketACL: String, Sendable, Hashable, CaseIterable {
    /// Only the owner and authorized users.
    case `private` = "private"
    /// Anyone may read objects and list.
    case publicRead = "public-read"
    /// Anyone may read and write.
    case publicReadWrite = "public-read-write"
}

/// What GetObjectMeta returns: the few fields OSS keeps cheap to ask for.
public struct ObjectMeta: Sendable, Hashable {
    /// Bytes.
    public var contentLength: Int64?
    /// The ETag without quotes.
    public var etag: String?
    /// When the object was last written.
    public var lastModified: Date?
    /// `x-oss-hash-crc64ecma`.
    public var crc64: UInt64?
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}
