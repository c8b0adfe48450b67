/// One query parameter, raw (not encoded). An empty value is a bare parameter such as `?acl`.
public struct QueryItem: Sendable, Hashable {
    /// The name, case kept.
    public var name: String
    /// The value (raw, unencoded).
    public var value: String

    /// From its parts.
    public init(_ name: String, _ value: String = "") {
        self.name = name
        self.value = value
    }
}

/// A query parameter as it appears in a URL: already percent-encoded; a nil value is written as the
/// bare name with no `=`.
public struct EncodedQueryItem: Sendable, Hashable {
    /// The name, case kept.
    public var name: String
    /// The encoded value; nil for a bare name.
    public var value: String?

    /// From its parts.
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}

extension [EncodedQueryItem] {
    /// `a=1&b&c=3`, without the leading `?`.
    public var queryString: String {
        map { item in item.value.map { "\(item.name)=\($0)" } ?? item.name }.joined(separator: "&")
    }
}
