#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSSHTTP

/// A byte range of an object, sent as `Range: bytes=...`.
public enum ObjectRange: Sendable, Hashable, CustomStringConvertible {
    /// Bytes `lowerBound` through `upperBound`, inclusive.
    case bytes(ClosedRange<Int64>)
    /// From an offset to the end.
    case from(Int64)
    /// The last `n` bytes.
    case suffix(Int64)

    /// Parses `a-b`, `a-` or `-n` (with or without `bytes=`).
    public init(parsing text: String) throws(OSSError) {
        let spec = text.hasPrefix("bytes=") ? String(text.dropFirst(6)) : text
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalidArgument(parameter: "range", reason: "'\(text)' is not a-b, a- or -n.") }
        switch (Int64(parts[0]), Int64(parts[1])) {
        case let (start?, end?) where start >= 0 && end >= start: self = .bytes(start...end)
        case let (start?, nil) where parts[1].isEmpty && start >= 0: self = .from(start)
        case let (nil, count?) where parts[0].isEmpty && count > 0: self = .suffix(count)
        default: throw .invalidArgument(parameter: "range", reason: "'\(text)' is not a-b, a- or -n with a <= b.")
        }
    }

    /// The `Range` header value.
    public var description: String {
        switch self {
        case let .bytes(range): "bytes=\(range.lowerBound)-\(range.upperBound)"
        case let .from(start): "bytes=\(start)-"
        case let .suffix(count): "bytes=-\(count)"
        }
    }
}

/// Headers to override in the response (`response-*` query parameters), for instance to make a
/// presigned link download with a given file name.
public struct ResponseHeaderOverrides: Sendable, Hashable {
    public var contentType: String?
    public var contentLanguage: String?
    public var expires: String?
    public var cacheControl: String?
    public var contentDisposition: String?
    public var contentEncoding: String?

    public init(contentType: String? = nil, contentLanguage: String? = nil, expires: String? = nil, cacheControl: String? = nil,
                contentDisposition: String? = nil, contentEncoding: String? = nil) {
        self.contentType = contentType
        self.contentLanguage = contentLanguage
        self.expires = expires
        self.cacheControl = cacheControl
        self.contentDisposition = contentDisposition
        self.contentEncoding = contentEncoding
    }

    var queryItems: [QueryItem] {
        [("response-content-type", contentType), ("response-content-language", contentLanguage), ("response-expires", expires),
         ("response-cache-control", cacheControl), ("response-content-disposition", contentDisposition),
         ("response-content-encoding", contentEncoding)].compactMap { name, value in value.map { QueryItem(name, $0) } }
    }
}

/// Reports transfer progress: bytes so far, and the total when known.
public typealias ProgressHandler = @Sendable (_ bytes: Int64, _ total: Int64?) -> Void

/// What a GetObject may add to the request.
public struct GetObjectOptions: Sendable {
    public var range: ObjectRange?
    public var ifMatch: String?
    public var ifNoneMatch: String?
    public var ifModifiedSince: Date?
    public var ifUnmodifiedSince: Date?
    public var responseOverrides: ResponseHeaderOverrides
    public var versionId: String?
    public var request: RequestOptions
    /// Called as bytes arrive.
    public var progress: ProgressHandler?

    public init(range: ObjectRange? = nil, ifMatch: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: Date? = nil,
                ifUnmodifiedSince: Date? = nil, responseOverrides: ResponseHeaderOverrides = ResponseHeaderOverrides(),
                versionId: String? = nil, request: RequestOptions = RequestOptions(), progress: ProgressHandler? = nil) {
        self.range = range
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.ifUnmodifiedSince = ifUnmodifiedSince
        self.responseOverrides = responseOverrides
        self.versionId = versionId
        self.request = request
        self.progress = progress
    }
}

/// What OSS said about an object: from GetObject, HeadObject or PutObject.
public struct ObjectInfo: Sendable, Hashable {
    public var status: Int
    public var requestId: String?
    public var contentType: String?
    public var contentLength: Int64?
    /// The ETag without quotes.
    public var etag: String?
    public var lastModified: Date?
    /// `x-oss-meta-*` headers, with the prefix removed and names lowercased.
    public var metadata: [String: String]
    /// `x-oss-hash-crc64ecma`: the CRC-64 of the stored object (not of a processed or ranged body).
    public var crc64: UInt64?
    /// `Content-Range` of a ranged read.
    public var contentRange: String?

    init(_ response: HTTPResponse) {
        status = response.status
        requestId = response.header("x-oss-request-id")
        contentType = response.header("Content-Type")
        contentLength = response.header("Content-Length").flatMap { Int64($0) }
        etag = response.header("ETag")?.unquoted
        lastModified = response.header("Last-Modified").flatMap { SigningTime(httpDate: $0) }.map { Date(timeIntervalSince1970: TimeInterval($0.unixSeconds)) }
        var metadata: [String: String] = [:]
        for (name, value) in response.headers where name.lowercased().hasPrefix("x-oss-meta-") {
            metadata[String(name.lowercased().dropFirst("x-oss-meta-".count))] = value
        }
        self.metadata = metadata
        crc64 = response.header("x-oss-hash-crc64ecma").flatMap { UInt64($0) }
        contentRange = response.header("Content-Range")
    }
}

/// What a PutObject may add to the request.
public struct PutObjectOptions: Sendable {
    /// Guessed from the key's extension when nil.
    public var contentType: String?
    /// User metadata, sent as `x-oss-meta-NAME`.
    public var metadata: [String: String]
    /// Extra headers (Cache-Control, Content-Disposition, `x-oss-*`...).
    public var headers: [String: String]
    public var request: RequestOptions
    /// Called as bytes are read for sending (files only).
    public var progress: ProgressHandler?

    public init(contentType: String? = nil, metadata: [String: String] = [:], headers: [String: String] = [:],
                request: RequestOptions = RequestOptions(), progress: ProgressHandler? = nil) {
        self.contentType = contentType
        self.metadata = metadata
        self.headers = headers
        self.request = request
        self.progress = progress
    }
}

/// The HTTP methods a presigned URL can carry.
public enum PresignMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case put = "PUT"
    case head = "HEAD"
}

/// A URL that works without credentials until it expires, and the headers that must go with it.
public struct PresignedURL: Sendable, Hashable, CustomStringConvertible {
    public var method: PresignMethod
    /// The URL, signature included: treat it as a secret until it expires.
    public var url: String
    /// Headers the caller must send (Content-Type for a PUT, `x-oss-*`); empty for a plain GET.
    public var signedHeaders: [HTTPHeaderField]
    public var expiration: Date

    /// Method and path only: the query holds the signature.
    public var description: String {
        "PresignedURL(\(method.rawValue) \(url.split(separator: "?").first.map(String.init) ?? ""), expires \(expiration))"
    }
}

/// One object in a listing.
public struct ObjectSummary: Sendable, Hashable {
    public var key: String
    public var size: Int64
    public var etag: String
    public var lastModified: String
    public var storageClass: String?
}

/// One page of ListObjectsV2.
public struct ListObjectsV2Page: Sendable, Hashable {
    public var objects: [ObjectSummary]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    public var nextContinuationToken: String?
    public var keyCount: Int
    public var requestId: String?
}

/// The answer of a ProcessObject with save-as.
public struct ProcessObjectResult: Sendable, Hashable {
    public var bucket: String
    public var object: String
    public var fileSize: Int64
    public var status: String
    public var requestId: String?
}

extension String {
    /// Without surrounding double quotes, as ETags are compared.
    var unquoted: String {
        var slice = Substring(self)
        while slice.first == "\"" { slice.removeFirst() }
        while slice.last == "\"" { slice.removeLast() }
        return String(slice)
    }
}
