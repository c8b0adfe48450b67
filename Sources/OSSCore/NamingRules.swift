/// The names OSS accepts for buckets and object keys: the one definition the client checks
/// before sending and the local OSS checks on receipt, so the two can never disagree.
package enum NamingRules {
    /// Why a bucket name is refused.
    package enum BucketNameViolation: Sendable, Hashable {
        /// Not 3 to 63 characters; the count is in UTF-8 bytes.
        case length(Int)
        /// A character outside `a-z`, `0-9` and `-`.
        case characters
        /// Starts or ends with `-`.
        case edgeDash

        /// The reason, naming the name.
        package func reason(for name: String) -> String {
            switch self {
            case let .length(count): "'\(name)' has \(count) characters; a bucket name has 3 to 63."
            case .characters: "'\(name)' may only hold lowercase letters, digits and '-'."
            case .edgeDash: "'\(name)' must not start or end with '-'."
            }
        }
    }

    /// Why an object key is refused.
    package enum ObjectKeyViolation: Sendable, Hashable {
        /// Empty.
        case empty
        /// Longer than 1023 UTF-8 bytes.
        case tooLong(Int)
        /// Starts with `/` or `\`.
        case leadingSlash
        /// Holds a NUL, which no XML listing can carry.
        case nul

        /// The reason, in the client's words.
        package func reason(for key: String) -> String {
            switch self {
            case .empty: "the key is empty; an object key has 1 to 1023 UTF-8 bytes."
            case let .tooLong(count): "the key has \(count) UTF-8 bytes; the limit is 1023."
            case .leadingSlash: "'\(key)' starts with '/' or '\\', which OSS does not allow."
            case .nul: "the key holds a NUL character, which OSS does not allow."
            }
        }
    }

    /// 3 to 63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`. Such a name
    /// can never be `.`, `..` or `.oss`, nor hold a `/`, which the local OSS relies on.
    package static func bucketNameViolation(_ name: String) -> BucketNameViolation? {
        let bytes = name.utf8
        guard (3...63).contains(bytes.count) else { return .length(bytes.count) }
        let allowed = bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
        guard allowed else { return .characters }
        guard bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return .edgeDash }
        return nil
    }

    /// 1 to 1023 UTF-8 bytes, not starting with `/` or `\`, no NUL. Keys are a flat namespace,
    /// never paths: `a`, `a/`, `a//b` and `a/../b` are all distinct, ordinary keys.
    package static func objectKeyViolation(_ key: String) -> ObjectKeyViolation? {
        let bytes = key.utf8
        guard !bytes.isEmpty else { return .empty }
        guard bytes.count <= 1023 else { return .tooLong(bytes.count) }
        guard bytes.first != UInt8(ascii: "/"), bytes.first != UInt8(ascii: "\\") else { return .leadingSlash }
        guard !bytes.contains(0) else { return .nul }
        return nil
    }
}
