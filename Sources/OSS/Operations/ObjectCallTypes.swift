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
    /// Attempts and timeouts for this call.
    public var request: RequestOptions

    /// Every option defaults to OSS's behaviour.
    public init(metadataDirective: MetadataDirective = .copy, contentType: String? = nil, metadata: [String: String] = [:],
                ifMatch: String? = nil, forbidOverwrite: Bool = false, headers: [String: String] = [:],
                request: RequestOptions = RequestOptions()) {
        self.metadataDirective = metadataDirective
        self.contentType = contentType
        self.metadata = metadata
        self.ifMatch = ifMatch
        self.forbidOverwrite = forbidOverwrite
        self.headers = headers
        self.request = request
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
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
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
