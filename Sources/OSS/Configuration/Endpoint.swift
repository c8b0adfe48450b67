/// How the bucket is addressed in a URL.
public enum AddressStyle: String, Sendable, Hashable, CaseIterable {
    /// `https://bucket.oss-cn-hangzhou.aliyuncs.com/key`, the default OSS expects.
    case virtualHosted
    /// `https://oss-cn-hangzhou.aliyuncs.com/bucket/key`, for IP and `localhost` endpoints and for
    /// servers that do not route by host name.
    case path
    /// `https://images.example.com/key`: the endpoint is a custom domain bound to one bucket.
    case cname
}

/// Which OSS network an endpoint derived from the region points at.
public enum EndpointKind: String, Sendable, Hashable, CaseIterable {
    /// `oss-{region}.aliyuncs.com`.
    case publicInternet
    /// `oss-{region}-internal.aliyuncs.com`, free traffic from ECS in the same region.
    case `internal`
    /// `oss-accelerate.aliyuncs.com`, transfer acceleration worldwide.
    case accelerate
    /// `oss-accelerate-overseas.aliyuncs.com`, acceleration outside the Chinese mainland.
    case accelerateOverseas
    /// `{region}.oss.aliyuncs.com`, the IPv4/IPv6 dual-stack endpoint.
    case dualStack

    /// Whether the host name depends on the region (the acceleration hosts are global).
    public var needsRegion: Bool { self != .accelerate && self != .accelerateOverseas }

    /// The host name; nil when it needs a region and none is given.
    public func host(region: Region?) -> String? {
        switch self {
        case .accelerate: return "oss-accelerate.aliyuncs.com"
        case .accelerateOverseas: return "oss-accelerate-overseas.aliyuncs.com"
        case .publicInternet, .internal, .dualStack:
            guard let region else { return nil }
            switch self {
            case .internal: return "oss-\(region.id)-internal.aliyuncs.com"
            case .dualStack: return "\(region.id).oss.aliyuncs.com"
            default: return "oss-\(region.id).aliyuncs.com"
            }
        }
    }
}

/// A resolved endpoint: scheme, host, optional port, and the address style that applies to it.
///
/// Building URLs from this one value is what keeps the path that is sent identical to the path that
/// is signed.
public struct ServiceEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `https` unless the endpoint says `http` (a local OSS, say).
    public var scheme: String
    /// The service host, without the bucket.
    public var host: String
    /// An explicit port, when the endpoint has one.
    public var port: Int?
    /// The style actually used: an IP address or `localhost` forces ``AddressStyle/path``.
    public var addressStyle: AddressStyle

    /// Parses `host`, `host:port`, `http://host:port` or `https://host`, with or without a trailing
    /// `/`. The scheme defaults to https.
    public init(parsing text: String, addressStyle: AddressStyle = .virtualHosted) throws(OSSError) {
        var rest = Substring(text.trimmingWhitespace())
        var scheme = "https"
        if let range = rest.firstRange(of: "://") {
            scheme = rest[..<range.lowerBound].lowercased()
            rest = rest[range.upperBound...]
            guard scheme == "http" || scheme == "https" else {
                throw .invalidArgument(parameter: "endpoint", reason: "'\(text)' uses scheme '\(scheme)'; use http or https.")
            }
        }
        while rest.last == "/" { rest.removeLast() }
        guard !rest.isEmpty else {
            throw .invalidArgument(parameter: "endpoint", reason: "'\(text)' has no host.")
        }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#"), !rest.contains("@"), !rest.contains(" ") else {
            throw .invalidArgument(parameter: "endpoint", reason: "'\(text)' must be a scheme and a host (and port), with no path, query or user.")
        }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {
            // IPv6 literal, optionally with a port.
            guard let close = host.firstIndex(of: "]") else {
                throw .invalidArgument(parameter: "endpoint", reason: "'\(text)' has an unclosed IPv6 bracket.")
            }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                port = Int(after.dropFirst())
                guard port != nil else { throw .invalidArgument(parameter: "endpoint", reason: "'\(text)' has a bad port.") }
            } else if !after.isEmpty {
                throw .invalidArgument(parameter: "endpoint", reason: "'\(text)' is not a host.")
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]), (1...65535).contains(value) else {
                throw .invalidArgument(parameter: "endpoint", reason: "'\(text)' has a bad port.")
            }
            port = value
            host = String(host[..<colon])
        }
        self.init(scheme: scheme, host: host.lowercased(), port: port, addressStyle: addressStyle)
    }

    /// An endpoint from parts; IP and `localhost` hosts switch virtual-hosted to path style.
    public init(scheme: String, host: String, port: Int? = nil, addressStyle: AddressStyle) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.addressStyle = Self.isIPOrLocalhost(host) && addressStyle == .virtualHosted ? .path : addressStyle
    }

    /// `scheme://host[:port]`.
    public var origin: String {
        "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "")
    }

    /// The origin (`scheme://host[:port]`), so that an endpoint prints as it is typed.
    public var description: String { origin }

    /// The host a request for `bucket` is sent to.
    public func host(forBucket bucket: String?) -> String {
        guard let bucket, addressStyle == .virtualHosted else { return host }
        return "\(bucket).\(host)"
    }

    /// The encoded path a request is sent to. Under every style the bytes of the key are encoded
    /// the way the canonical request encodes them.
    public func encodedPath(bucket: String?, key: String?) -> String {
        switch addressStyle {
        case .path:
            guard let bucket else { return "/" }
            return "/" + OSSPercentEncoding.encodePath(bucket) + "/" + OSSPercentEncoding.encodePath(key ?? "")
        case .virtualHosted, .cname:
            return "/" + OSSPercentEncoding.encodePath(key ?? "")
        }
    }

    /// The full URL of a request, with an already encoded query in wire order.
    public func url(bucket: String?, key: String?, query: [EncodedQueryItem]) -> String {
        let hostPart = host(forBucket: bucket) + (port.map { ":\($0)" } ?? "")
        let queryString = query.queryString
        return "\(scheme)://\(hostPart)\(encodedPath(bucket: bucket, key: key))" + (queryString.isEmpty ? "" : "?" + queryString)
    }

    /// The URL a signed request must be sent to.
    public func url(for signed: SignedRequest) -> String {
        url(bucket: signed.request.bucket, key: signed.request.key, query: signed.encodedQuery)
    }

    static func isIPOrLocalhost(_ host: String) -> Bool {
        if host == "localhost" { return true }
        if host.hasPrefix("[") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && Int(part)! <= 255
        }
    }
}
