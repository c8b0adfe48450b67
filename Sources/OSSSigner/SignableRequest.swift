// The request model, percent-encoding and times the signer's API is written in.
@_exported import OSSCore

/// Everything about a request that a signature covers, before any signing header is added.
///
/// Bucket and key are raw UTF-8 strings; the signer encodes them. The same value describes a
/// request the client is about to send and a request the local OSS has just received, which is how
/// both sides compute the very same canonical request.
public struct SignableRequest: Sendable, Hashable {
    /// The HTTP method.
    public var method: String
    /// The bucket; nil for service-level requests.
    public var bucket: String?
    /// The object key, raw; nil for bucket-level requests.
    public var key: String?
    /// Query parameters, raw, in URL order.
    public var query: [QueryItem]
    /// Header fields, in order.
    public var headers: [HTTPHeaderField]

    /// From its parts.
    public init(method: String, bucket: String? = nil, key: String? = nil, query: [QueryItem] = [], headers: [HTTPHeaderField] = []) {
        self.method = method
        self.bucket = bucket
        self.key = key
        self.query = query
        self.headers = headers
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers.value(forHeader: name)
    }

    /// Replaces every header of that name (case-insensitively) with one value, keeping the position
    /// of the first; appends it when absent.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.setHeader(name, value)
    }

    /// Removes every header of that name, case-insensitively.
    public mutating func removeHeader(_ name: String) {
        headers.removeHeader(name)
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The canonical URI of both signature versions' path component: `/bucket/key`, `/bucket/`
    /// with no key, `/` with no bucket, whatever the address style. Percent-encoded, `/` kept.
    public var canonicalURI: String {
        guard let bucket else { return "/" }
        return "/" + OSSPercentEncoding.encodePath(bucket) + "/" + OSSPercentEncoding.encodePath(key ?? "")
    }

    /// The URL query in the given order. `bareEmptyValues` writes `name` rather than `name=` for an
    /// empty value; both mean the same to OSS.
    public func encodedQuery(bareEmptyValues: Bool) -> [EncodedQueryItem] {
        query.map { item in
            EncodedQueryItem(name: OSSPercentEncoding.encodeQueryComponent(item.name),
                             value: item.value.isEmpty && bareEmptyValues ? nil : OSSPercentEncoding.encodeQueryComponent(item.value))
        }
    }
}

extension SignableRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Method, path and header names: once signed, header values and query values may hold
    /// `Authorization`, a token or a signature, so only names are shown.
    public var description: String {
        "\(method) \(canonicalURI) query: \(query.map(\.name)) headers: \(headers.map(\.name))"
    }

    /// The same as the description, so that `debugPrint` cannot show a signed value either.
    public var debugDescription: String { description }

    /// What `dump()` shows: method, path, and query and header names only.
    public var customMirror: Mirror {
        Mirror(self, children: ["method": method, "path": canonicalURI, "query": query.map(\.name), "headers": headers.map(\.name)])
    }
}

/// A request with its signature: the headers and query to send, and the intermediate strings, so a
/// `SignatureDoesNotMatch` from a server can be diffed against what was signed here.
///
/// Descriptions leave out the signature and the `Authorization` value.
public struct SignedRequest: Sendable, Hashable {
    /// The request as it must go on the wire: signing headers added, presign parameters appended.
    public var request: SignableRequest
    /// The URL query, encoded, in wire order. The path is `request`'s bucket and key, encoded with
    /// ``OSSPercentEncoding/encodePath(_:)``.
    public var encodedQuery: [EncodedQueryItem]
    /// The V4 canonical request; nil under V1, which has none.
    public var canonicalRequest: String?
    /// The exact string the HMAC was computed over.
    public var stringToSign: String
    /// Hex (V4) or base64 (V1).
    public var signature: String
    /// The `Authorization` header value when signing by header; nil for presigned requests.
    public var authorization: String?
}

extension SignedRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Method and path, the signature redacted: a signature is a credential until it expires.
    public var description: String {
        "SignedRequest(\(request.method) \(request.canonicalURI), signature: <redacted>)"
    }

    /// The same as the description, so that `debugPrint` cannot show the signature either.
    public var debugDescription: String { description }

    /// What `dump()` shows: the request's method and path, the signature redacted.
    public var customMirror: Mirror {
        Mirror(self, children: ["method": request.method, "path": request.canonicalURI, "signature": "<redacted>"])
    }
}

/// Why a request could not be signed. Raised before anything is sent.
public enum SigningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The presign lifetime is zero, negative or longer than the signature version allows.
    case invalidExpiry(seconds: Int64, maximum: Int64)
    /// The V4 scope needs a region.
    case missingRegion

    /// A sentence that names the value at fault and the allowed range.
    public var description: String {
        switch self {
        case let .invalidExpiry(seconds, maximum):
            "A presigned URL must live between 1 second and \(maximum) seconds (7 days under V4); \(seconds) seconds was asked for."
        case .missingRegion:
            "OSS V4 signing needs a region such as cn-hangzhou."
        }
    }
}
