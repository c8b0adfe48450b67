/// Everything the SDK throws.
///
/// Client-side problems are found before anything goes on the wire, and each case says which input
/// is wrong and why. No case ever carries a secret, a token, a signature or an `Authorization`
/// value, so errors can be logged as they are.
public enum OSSError: Error, Sendable, Hashable {
    /// A parameter the caller passed cannot be sent: `parameter` names it, `reason` says why.
    case invalidArgument(parameter: String, reason: String)
    /// No credentials could be found; the text names what was looked for (never a value).
    case credentialsUnavailable(String)
    /// A signing precondition failed (presign lifetime, missing region).
    case signing(SigningError)
}

extension OSSError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .invalidArgument(parameter, reason):
            "Invalid \(parameter): \(reason)"
        case let .credentialsUnavailable(what):
            "No OSS credentials: \(what)"
        case let .signing(error):
            error.description
        }
    }
}
