import OSSCore

/// The names OSS accepts, checked the same way wherever they come from: the request path, a
/// virtual host, or a `sys/saveas` target. The rules are the client's (`OSSCore.NamingRules`);
/// only the answers, in OSS's words and codes, are the service's.
enum Names {
    /// A bucket name as PutBucket takes it: 3 to 63 of `a-z`, `0-9` and `-`, not starting or
    /// ending with `-`. Such a name can never be `.`, `..`, `.oss` or contain a `/`.
    static func validateBucket(_ name: String) throws(ServiceError) {
        guard NamingRules.bucketNameViolation(name) == nil else {
            throw ServiceError(status: 400, code: "InvalidBucketName", message: "The specified bucket is not valid.", ec: "0015-00000001", details: [("BucketName", name)])
        }
    }

    /// An object key as OSS takes it: 1 to 1023 bytes of UTF-8, not starting with `/` or `\`.
    /// Keys are a flat namespace and are never used as paths, so `a`, `a/`, `a/b`, `a//b` and
    /// `a/../b` are all distinct, ordinary keys. NUL is refused: no XML listing could carry it.
    static func validateKey(_ key: String) throws(ServiceError) {
        switch NamingRules.objectKeyViolation(key) {
        case nil: return
        case .empty, .tooLong: throw invalidObjectName(key, "The object key must be 1 to 1023 bytes of UTF-8.")
        case .nul: throw invalidObjectName(key, "The object key must not contain NUL.")
        case .leadingSlash: throw invalidObjectName(key, "The object key must not start with '/' or '\\'.")
        }
    }

    private static func invalidObjectName(_ key: String, _ message: String) -> ServiceError {
        ServiceError(status: 400, code: "InvalidObjectName", message: message, ec: "0016-00000801",
                     details: [("Key", String(key.unicodeScalars.prefix(1100).map(Character.init)))])
    }
}
