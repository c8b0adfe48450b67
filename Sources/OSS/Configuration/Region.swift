/// An OSS region ID such as `cn-hangzhou`: the value V4 puts in its credential scope and the
/// default endpoint is derived from.
public struct Region: Sendable, Hashable, CustomStringConvertible {
    /// The bare region ID, without the `oss-` prefix.
    public let id: String

    /// Accepts `cn-hangzhou` and the endpoint-style `oss-cn-hangzhou`. Refuses `cn-hangzhou-internal`,
    /// which names an endpoint, not a region, and anything that is not lowercase letters, digits and
    /// dashes.
    public init(_ raw: String) throws(OSSError) {
        var id = raw.trimmingWhitespace()
        if id.hasPrefix("oss-") {
            id.removeFirst(4)
        }
        guard !id.isEmpty else {
            throw .invalidArgument(parameter: "region", reason: "the region is empty; pass one such as cn-hangzhou.")
        }
        if id.hasSuffix("-internal") {
            throw .invalidArgument(parameter: "region", reason: "'\(raw)' is an endpoint name, not a region. Use region '\(id.dropLast("-internal".count))' and set useInternalEndpoint to reach the internal endpoint.")
        }
        guard id.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }),
              id.first != "-", id.last != "-" else {
            throw .invalidArgument(parameter: "region", reason: "'\(raw)' is not a region ID; a region looks like cn-hangzhou.")
        }
        self.id = id
    }

    /// The region ID (`cn-hangzhou`), the form OSS and the signer use.
    public var description: String { id }
}
