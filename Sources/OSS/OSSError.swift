import OSSHTTP
import OSSImageProcess

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
    /// An image process OSS would refuse: the action, the parameter and OSS's code, found before
    /// anything was sent.
    case invalidProcess(ImageProcessError)
    /// OSS answered with an error.
    case server(ServerError)
    /// The request could not be carried (connection, timeout, TLS).
    case transport(TransportError)
    /// The bytes that arrived are not the bytes OSS sent (length or CRC-64 mismatch).
    case integrity(IntegrityError)
    /// The task was cancelled; nothing was left behind.
    case cancelled

    /// The server's error code, when OSS answered with one.
    public var code: OSSErrorCode? {
        if case let .server(error) = self { return error.code }
        return nil
    }
}

extension OSSError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .invalidArgument(parameter, reason): "Invalid \(parameter): \(reason)"
        case let .credentialsUnavailable(what): "No OSS credentials: \(what)"
        case let .signing(error): error.description
        case let .invalidProcess(error): "Invalid process: \(error)"
        case let .server(error): error.description
        case let .transport(error): "Transport error: \(error)"
        case let .integrity(error): error.description
        case .cancelled: "The operation was cancelled."
        }
    }
}

/// An OSS error code such as `NoSuchKey`: a string, so that codes this SDK does not know yet still
/// come through, with constants for the common ones.
public struct OSSErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The code as OSS writes it.
    public var rawValue: String
    /// Any code, known to this SDK or not.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Lets codes be written as literals: `"NoSuchKey"`.
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    /// `NoSuchKey`.
    public static let noSuchKey: OSSErrorCode = "NoSuchKey"
    /// `NoSuchBucket`.
    public static let noSuchBucket: OSSErrorCode = "NoSuchBucket"
    /// `AccessDenied`.
    public static let accessDenied: OSSErrorCode = "AccessDenied"
    /// `SignatureDoesNotMatch`.
    public static let signatureDoesNotMatch: OSSErrorCode = "SignatureDoesNotMatch"
    /// `InvalidAccessKeyId`.
    public static let invalidAccessKeyId: OSSErrorCode = "InvalidAccessKeyId"
    /// `RequestTimeTooSkewed`.
    public static let requestTimeTooSkewed: OSSErrorCode = "RequestTimeTooSkewed"
    /// `InvalidArgument`.
    public static let invalidArgument: OSSErrorCode = "InvalidArgument"
    /// `InvalidDigest`.
    public static let invalidDigest: OSSErrorCode = "InvalidDigest"
    /// `BadDigest`.
    public static let badDigest: OSSErrorCode = "BadDigest"
    /// `PreconditionFailed`.
    public static let preconditionFailed: OSSErrorCode = "PreconditionFailed"
    /// `NotModified`.
    public static let notModified: OSSErrorCode = "NotModified"
    /// `InvalidRange`.
    public static let invalidRange: OSSErrorCode = "InvalidRange"
    /// `InternalError`.
    public static let internalError: OSSErrorCode = "InternalError"
    /// `ServiceUnavailable`.
    public static let serviceUnavailable: OSSErrorCode = "ServiceUnavailable"
    /// `NotImplemented`.
    public static let notImplemented: OSSErrorCode = "NotImplemented"
}

/// An error answer from OSS, parsed from the XML body (or from `x-oss-err` on HEAD).
public struct ServerError: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// OSS's error code.
    public var code: OSSErrorCode
    /// OSS's explanation.
    public var message: String
    /// The request id to quote to OSS support.
    public var requestId: String?
    /// The host that answered.
    public var hostId: String?
    /// OSS's numeric error code, such as `0026-00000001`: the key to its troubleshooting pages.
    public var ec: String?
    /// For `SignatureDoesNotMatch`: what the server signed, next to what this client signed, so
    /// they can be diffed. Security tokens inside them are redacted.
    public var serverStringToSign: String?
    /// The server's V4 canonical request.
    public var serverCanonicalRequest: String?
    /// What this client signed, to diff against the server's.
    public var clientStringToSign: String?
    /// This client's V4 canonical request.
    public var clientCanonicalRequest: String?
    /// `ServerTime` of `RequestTimeTooSkewed`.
    public var serverTime: String?

    public var description: String {
        var text = "OSS error \(status) \(code): \(message)"
        if let ec { text += " (EC \(ec))" }
        if let requestId { text += " [request \(requestId)]" }
        return text
    }
}

/// The downloaded bytes do not match what the server announced.
public struct IntegrityError: Sendable, Hashable, CustomStringConvertible {
    /// Which check failed.
    public enum Kind: String, Sendable, Hashable {
        /// Fewer or more bytes than `Content-Length`.
        case length
        /// The CRC-64 of the bytes differs from `x-oss-hash-crc64ecma`.
        case crc64
    }

    /// Which check failed.
    public var kind: Kind
    /// What the server announced.
    public var expected: String
    /// What arrived.
    public var actual: String
    /// The request id to quote to OSS support.
    public var requestId: String?

    public var description: String {
        switch kind {
        case .length: "Integrity error: expected \(expected) bytes, received \(actual)" + (requestId.map { " [request \($0)]" } ?? "")
        case .crc64: "Integrity error: CRC-64 \(actual) of the received bytes differs from the server's \(expected)" + (requestId.map { " [request \($0)]" } ?? "")
        }
    }
}
