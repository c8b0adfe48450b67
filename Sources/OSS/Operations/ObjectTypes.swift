import OSSHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
    /// The `Content-Type` header.
    public var contentType: String?
    /// `response-content-language`.
    public var contentLanguage: String?
    /// `response-expires`.
    public var expires: String?
    /// `response-cache-control`.
    public var cacheControl: String?
    /// `response-content-disposition`, for example `attachment; filename="a.jpg"`.
    public var contentDisposition: String?
    /// `response-content-encoding`.
    public var contentEncoding: String?

    /// Only the headers given are overridden.
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
    /// Only these bytes; the CRC-64 check is then skipped, since it covers the whole object.
    public var range: ObjectRange?
    /// Fail with 412 unless the ETag matches.
    public var ifMatch: String?
    /// Answer 304 when the ETag matches: the local copy is current.
    public var ifNoneMatch: String?
    /// Answer 304 unless modified after this date.
    public var ifModifiedSince: Date?
    /// Fail with 412 if modified after this date.
    public var ifUnmodifiedSince: Date?
    /// Headers the response should carry instead of the stored ones.
    public var responseOverrides: ResponseHeaderOverrides
    /// A specific version of a versioned object.
    public var versionId: String?
    /// Attempts and timeouts for this call.
    public var request: RequestOptions
    /// Called as bytes arrive.
    public var progress: ProgressHandler?

    /// Every option defaults to off.
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
    /// The HTTP status (200, 206, 304...).
    public var status: Int
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
    /// The `Content-Type` header.
    public var contentType: String?
    /// The body length announced by the server.
    public var contentLength: Int64?
    /// The ETag without quotes.
    public var etag: String?
    /// When the object was last written.
    public var lastModified: Date?
    /// `x-oss-meta-*` headers, with the prefix removed and names lowercased.
    public var metadata: [String: String]
    /// `x-oss-hash-crc64ecma`: the CRC-64 of the stored object (not of a processed or ranged body).
    public var crc64: UInt64?
    /// `Content-Range` of a ranged read.
    public var contentRange: String?

    init(_ response: TransportResponse) {
        status = response.status
        requestId = response.header("x-oss-request-id")
        contentType = response.header("Content-Type")
        contentLength = response.header("Content-Length").flatMap { Int64($0) }
        etag = response.header("ETag")?.unquoted
        lastModified = response.header("Last-Modified").flatMap { SigningTime(httpDate: $0) }.map { Date(timeIntervalSince1970: TimeInterval($0.unixSeconds)) }
        var metadata: [String: String] = [:]
        for field in response.headers {
            let name = field.name.lowercased()
            if name.hasPrefix("x-oss-meta-") { metadata[String(name.dropFirst("x-oss-meta-".count))] = field.value }
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
    /// Attempts and timeouts for this call.
    public var request: RequestOptions
    /// Called as the body's bytes go to the network (bytes and files alike), with the bytes sent
    /// and the body's length, and once more with the length when OSS has confirmed the upload.
    /// It runs on the transport's thread, so it should return quickly. A retried attempt counts
    /// from 0 again; an ``Uploader`` reports the whole file across its parts in flight.
    public var progress: ProgressHandler?

    /// Every option defaults to none.
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
    /// The method the URL is signed for; another method fails.
    public var method: PresignMethod
    /// The URL, signature included: treat it as a secret until it expires.
    public var url: String
    /// Headers the caller must send (Content-Type for a PUT, `x-oss-*`); empty for a plain GET.
    public var signedHeaders: [HTTPHeaderField]
    /// When the URL stops working.
    public var expiration: Date

    /// Method and path only: the query holds the signature.
    public var description: String {
        "PresignedURL(\(method.rawValue) \(url.split(separator: "?").first.map(String.init) ?? ""), expires \(expiration))"
    }
}

/// One object in a listing.
public struct ObjectSummary: Sendable, Hashable {
    /// The object key, decoded.
    public var key: String
    /// Bytes.
    public var size: Int64
    /// The ETag without quotes.
    public var etag: String
    /// As OSS writes it: `2023-12-16T16:20:57.000Z`.
    public var lastModified: String
    /// `Standard`, `IA`, `Archive`...
    public var storageClass: String?
}

/// One page of ListObjectsV2.
public struct ListObjectsV2Page: Sendable, Hashable {
    /// The keys of this page.
    public var objects: [ObjectSummary]
    /// The "folders" under the prefix, when a delimiter was given.
    public var commonPrefixes: [String]
    /// More pages follow.
    public var isTruncated: Bool
    /// Pass it to get the next page.
    public var nextContinuationToken: String?
    /// Keys and prefixes on this page.
    public var keyCount: Int
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}

/// The answer of a ProcessObject with save-as.
public struct ProcessObjectResult: Sendable, Hashable {
    /// Where the result was saved.
    public var bucket: String
    /// The key of the saved result.
    public var object: String
    /// Bytes of the saved result.
    public var fileSize: Int64
    /// `OK` on success, as OSS answers.
    public var status: String
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}

/// The answer of an AsyncProcessObject: the IDs of the task OSS accepted. The result is not in it;
/// OSS saves it as the `sys/saveas` target when the task ends, and tells the `notify` topic.
public struct AsyncProcessObjectResult: Sendable, Hashable {
    /// The ID of the event the task's notification will carry (the body's `EventId`).
    public var eventId: String
    /// The ID of the task, to find it in the notification and in the processing service's task list (`TaskId`).
    public var taskId: String
    /// The processing service's own request ID (the body's `RequestId`, IMM's for media and
    /// documents), which differs from ``requestId``: quote it for the task, that one for the call.
    public var processRequestId: String
    /// The `x-oss-request-id`, to quote to OSS support.
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
