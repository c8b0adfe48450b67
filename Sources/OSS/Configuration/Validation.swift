/// The naming rules OSS enforces, checked on the client so a bad name fails with a clear error
/// instead of a round trip and a terse server code. The rules themselves are the package's one
/// definition (`OSSCore.NamingRules`), which the local OSS checks too.
public enum OSSValidation {
    /// 3 to 63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`.
    public static func validateBucketName(_ name: String) throws(OSSError) {
        if let violation = NamingRules.bucketNameViolation(name) {
            throw .invalidArgument(parameter: "bucket name", reason: violation.reason(for: name))
        }
    }

    /// 1 to 1023 UTF-8 bytes, not starting with `/` or `\`, and no NUL.
    public static func validateObjectKey(_ key: String) throws(OSSError) {
        if let violation = NamingRules.objectKeyViolation(key) {
            throw .invalidArgument(parameter: "object key", reason: violation.reason(for: key))
        }
    }
}
