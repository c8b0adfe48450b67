/// One HTTP header as it will be sent: the name keeps its case, the value is sent as given.
///
/// A request's or response's headers are an array of these: in order, duplicates kept, which is
/// what a signature covers and what a server must see. Names are compared ASCII
/// case-insensitively by the lookups below, the one place that rule is written.
public struct HTTPHeaderField: Sendable, Hashable {
    /// The name, case kept.
    public var name: String
    /// The value (raw, unencoded).
    public var value: String

    /// From its parts.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Header-name comparison: ASCII case-insensitive, as HTTP defines it (RFC 9110 §5.1), without
/// allocating a lowercased copy of either side. Unicode case folding would be wrong here: a
/// name is a token of ASCII bytes.
package enum HTTPHeaderName {
    /// Whether two header names are the same name.
    @inlinable
    package static func equal(_ lhs: some StringProtocol, _ rhs: some StringProtocol) -> Bool {
        var left = lhs.utf8.makeIterator(), right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case let (a?, b?):
                if a != b && lowered(a) != lowered(b) { return false }
            default: return false
            }
        }
    }

    @inlinable
    static func lowered(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}

extension Sequence where Element == HTTPHeaderField {
    /// The first value of a header, the name matched case-insensitively.
    public func value(forHeader name: some StringProtocol) -> String? {
        first { HTTPHeaderName.equal($0.name, name) }?.value
    }

    /// Whether a header of that name (case-insensitively) is present.
    public func containsHeader(_ name: some StringProtocol) -> Bool {
        contains { HTTPHeaderName.equal($0.name, name) }
    }
}

extension RangeReplaceableCollection where Element == HTTPHeaderField, Self: MutableCollection {
    /// Replaces every header of that name (case-insensitively) with one value, keeping the
    /// position of the first; appends it when absent.
    public mutating func setHeader(_ name: String, _ value: String) {
        guard let index = firstIndex(where: { HTTPHeaderName.equal($0.name, name) }) else {
            append(HTTPHeaderField(name, value))
            return
        }
        self[index].value = value
        var seen = false
        removeAll { field in
            guard HTTPHeaderName.equal(field.name, name) else { return false }
            defer { seen = true }
            return seen
        }
    }

    /// Removes every header of that name, case-insensitively.
    public mutating func removeHeader(_ name: some StringProtocol) {
        removeAll { HTTPHeaderName.equal($0.name, name) }
    }
}

/// The same lookup over the `(name:, value:)` pairs the local OSS's messages carry.
extension Sequence where Element == (name: String, value: String) {
    /// The first value of a header, the name matched case-insensitively.
    package func value(forHeader name: some StringProtocol) -> String? {
        first { HTTPHeaderName.equal($0.name, name) }?.value
    }
}
