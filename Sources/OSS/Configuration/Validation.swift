/// The naming rules OSS enforces, checked on the client so a bad name fails with a clear error
/// instead of a round trip and a terse server code.
public enum OSSValidation {
    /// 3 to 63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`.
    public static func validateBucketName(_ name: String) throws(OSSError) {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else {
            throw .invalidArgument(parameter: "bucket name", reason: "'\(name)' has \(bytes.count) characters; a bucket name has 3 to 63.")
        }
        for byte in bytes {
            let allowed = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            guard allowed else {
                throw .invalidArgument(parameter: "bucket name", reason: "'\(name)' may only hold lowercase letters, digits and '-'.")
            }
        }
        guard bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            throw .invalidArgument(parameter: "bucket name", reason: "'\(name)' must not start or end with '-'.")
        }
    }

    /// 1 to 1023 UTF-8 bytes, not starting with `/` or `\`.
    public static func validateObjectKey(_ key: String) throws(OSSError) {
        let count = key.utf8.count
        guard count >= 1 else {
            throw .invalidArgument(parameter: "object key", reason: "the key is empty; an object key has 1 to 1023 UTF-8 bytes.")
        }
        guard count <= 1023 else {
            throw .invalidArgument(parameter: "object key", reason: "the key has \(count) UTF-8 bytes; the limit is 1023.")
        }
        guard let first = key.utf8.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "\\") else {
            throw .invalidArgument(parameter: "object key", reason: "'\(key)' starts with '/' or '\\', which OSS does not allow.")
        }
    }
}
