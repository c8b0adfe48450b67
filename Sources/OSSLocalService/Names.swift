/// The names OSS accepts, checked the same way wherever they come from: the request path, a
/// virtual host, or a `sys/saveas` target.
enum Names {
    /// A bucket name as PutBucket takes it: 3 to 63 of `a-z`, `0-9` and `-`, not starting or
    /// ending with `-`. Such a name can never be `.`, `..`, `.oss` or contain a `/`.
    static func validateBucket(_ name: String) throws(ServiceError) {
        let bytes = Array(name.utf8)
        let valid = (3...63).contains(bytes.count) && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
            && bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
        guard valid else {
            throw ServiceError(status: 400, code: "InvalidBucketName", message: "The specified bucket is not valid.", ec: "0015-00000001", details: [("BucketName", name)])
        }
    }

    /// An object key as OSS takes it: 1 to 1023 bytes of UTF-8, not starting with `/` or `\`.
    /// Keys are a flat namespace and are never used as paths, so `a`, `a/`, `a/b`, `a//b` and
    /// `a/../b` are all distinct, ordinary keys. NUL is refused: no XML listing could carry it.
    static func validateKey(_ key: String) throws(ServiceError) {
        let bytes = key.utf8
        guard (1...1023).contains(bytes.count) else {
            throw invalidObjectName(key, "The object key must be 1 to 1023 bytes of UTF-8.")
        }
        guard !bytes.contains(0) else { throw invalidObjectName(key, "The object key must not contain NUL.") }
        guard bytes.first != UInt8(ascii: "/"), bytes.first != UInt8(ascii: "\\") else {
            throw invalidObjectName(key, "The object key must not start with '/' or '\\'.")
        }
    }

    private static func invalidObjectName(_ key: String, _ message: String) -> ServiceError {
        ServiceError(status: 400, code: "InvalidObjectName", message: message, ec: "0016-00000801",
                     details: [("Key", String(key.unicodeScalars.prefix(1100).map(Character.init)))])
    }
}
