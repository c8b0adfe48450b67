import OSSHTTP
import OSSImageProcess

/// Everything the SDK throws.
///
/// A struct over a private kind, not an enum, so that a new kind of failure can be added without
/// breaking a caller's `switch`: ask what happened through ``kind`` and the accessors.
///
/// ```swift
/// do {
///     try await bucket.getObject("example.jpg", toFile: "dest.jpg")
/// } catch let error {
///     if error.code == .noSuchKey { ... }                 // OSS answered NoSuchKey
///     if error.kind == .io, let file = error.fileError { ... } // the disk, with the path given
///     if error == .cancelled { ... }
/// }
/// ```
///
/// Client-side problems are found before anything goes on the wire, and each says which input is
/// wrong and why. No error ever carries a secret, a token, a signature or an `Authorization`
/// value, so errors can be logged as they are.
public struct OSSError: Error, Sendable, Hashable {
    /// What kind of failure this is: compare with the constants (`error.kind == .server`). New
    /// kinds may be added; a `switch` over kinds needs a `default`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case invalidArgument, credentialsUnavailable, signing, invalidProcess, server, transport, integrity, io, responseParse, cancelled
        }
        fileprivate let base: Base

        /// A parameter the caller passed cannot be sent.
        public static let invalidArgument = Kind(base: .invalidArgument)
        /// No credentials could be found.
        public static let credentialsUnavailable = Kind(base: .credentialsUnavailable)
        /// A signing precondition failed (presign lifetime, missing region).
        public static let signing = Kind(base: .signing)
        /// An image process OSS would refuse, found before sending.
        public static let invalidProcess = Kind(base: .invalidProcess)
        /// OSS answered with an error (or with a status that is no answer, such as a redirect).
        public static let server = Kind(base: .server)
        /// The request could not be carried (connection, timeout, TLS).
        public static let transport = Kind(base: .transport)
        /// The bytes that arrived are not the bytes OSS sent (length or CRC-64 mismatch).
        public static let integrity = Kind(base: .integrity)
        /// A local file could not be read or written (a full disk, a permission).
        public static let io = Kind(base: .io)
        /// OSS answered success with a body this client cannot read.
        public static let responseParse = Kind(base: .responseParse)
        /// The task was cancelled; nothing was left behind.
        public static let cancelled = Kind(base: .cancelled)

        /// The kind's name (`server`, `integrity`...), for logs and metrics.
        public var description: String { base.rawValue }
    }

    private enum Storage: Sendable, Hashable {
        case invalidArgument(parameter: String, reason: String)
        case credentialsUnavailable(String)
        case signing(SigningError)
        case invalidProcess(ImageProcessError)
        case server(ServerError)
        case transport(TransportError)
        case integrity(IntegrityError)
        case io(LocalFileError)
        case responseParse(ResponseParseError)
        case cancelled
    }

    private let storage: Storage

    private init(_ storage: Storage) { self.storage = storage }

    // MARK: Making one

    /// A parameter the caller passed cannot be sent: `parameter` names it, `reason` says why.
    public static func invalidArgument(parameter: String, reason: String) -> OSSError {
        OSSError(.invalidArgument(parameter: parameter, reason: reason))
    }

    /// No credentials could be found; the text names what was looked for (never a value).
    public static func credentialsUnavailable(_ what: String) -> OSSError { OSSError(.credentialsUnavailable(what)) }

    /// A signing precondition failed.
    public static func signing(_ error: SigningError) -> OSSError { OSSError(.signing(error)) }

    /// An image process OSS would refuse: the action, the parameter and OSS's code.
    public static func invalidProcess(_ error: ImageProcessError) -> OSSError { OSSError(.invalidProcess(error)) }

    /// OSS answered with an error.
    public static func server(_ error: ServerError) -> OSSError { OSSError(.server(error)) }

    /// The request could not be carried.
    public static func transport(_ error: TransportError) -> OSSError { OSSError(.transport(error)) }

    /// The bytes that arrived are not the bytes OSS sent.
    public static func integrity(_ error: IntegrityError) -> OSSError { OSSError(.integrity(error)) }

    /// A local file could not be read or written.
    public static func io(_ error: LocalFileError) -> OSSError { OSSError(.io(error)) }

    /// OSS answered with a body this client cannot read.
    public static func responseParse(_ error: ResponseParseError) -> OSSError { OSSError(.responseParse(error)) }

    /// The task was cancelled; nothing was left behind.
    public static let cancelled = OSSError(.cancelled)

    // MARK: Reading one

    /// What kind of failure this is.
    public var kind: Kind {
        switch storage {
        case .invalidArgument: .invalidArgument
        case .credentialsUnavailable: .credentialsUnavailable
        case .signing: .signing
        case .invalidProcess: .invalidProcess
        case .server: .server
        case .transport: .transport
        case .integrity: .integrity
        case .io: .io
        case .responseParse: .responseParse
        case .cancelled: .cancelled
        }
    }

    /// The server's error code, when OSS answered with one.
    public var code: OSSErrorCode? { serverError?.code }

    /// OSS's answer, for ``Kind/server``.
    public var serverError: ServerError? {
        if case let .server(error) = storage { return error }
        return nil
    }

    /// Why the transfer failed, for ``Kind/transport``.
    public var transportError: TransportError? {
        if case let .transport(error) = storage { return error }
        return nil
    }

    /// Which check failed, for ``Kind/integrity``.
    public var integrityError: IntegrityError? {
        if case let .integrity(error) = storage { return error }
        return nil
    }

    /// The file, the step and the system's reason, for ``Kind/io``.
    public var fileError: LocalFileError? {
        if case let .io(error) = storage { return error }
        return nil
    }

    /// The operation and what was malformed, for ``Kind/responseParse``.
    public var parseError: ResponseParseError? {
        if case let .responseParse(error) = storage { return error }
        return nil
    }

    /// The refused process, for ``Kind/invalidProcess``.
    public var processError: ImageProcessError? {
        if case let .invalidProcess(error) = storage { return error }
        return nil
    }

    /// The signing precondition, for ``Kind/signing``.
    public var signingError: SigningError? {
        if case let .signing(error) = storage { return error }
        return nil
    }

    /// The parameter at fault and why, for ``Kind/invalidArgument``.
    public var invalidArgument: (parameter: String, reason: String)? {
        if case let .invalidArgument(parameter, reason) = storage { return (parameter, reason) }
        return nil
    }
}

extension OSSError: CustomStringConvertible {
    /// A sentence for a log or a terminal that names the input or the response at fault; secrets never appear in it.
    public var description: String {
        switch storage {
        case let .invalidArgument(parameter, reason): "Invalid \(parameter): \(reason)"
        case let .credentialsUnavailable(what): "No OSS credentials: \(what)"
        case let .signing(error): error.description
        case let .invalidProcess(error): "Invalid process: \(error)"
        case let .server(error): error.description
        case let .transport(error): "Transport error: \(error)"
        case let .integrity(error): error.description
        case let .io(error): error.description
        case let .responseParse(error): error.description
        case .cancelled: "The operation was cancelled."
        }
    }
}

/// A local file the SDK read or wrote failed: a full disk, a permission, a vanished folder.
///
/// `path` is the path the caller gave (never the temporary file a download goes through), and
/// `reason` is the system's meaning of the error number: `writing dest.jpg failed: No space left
/// on device`.
public struct LocalFileError: Sendable, Hashable, CustomStringConvertible {
    /// The path as the caller gave it.
    public var path: String
    /// What was being done: `reading`, `writing`, `creating a temporary file beside`...
    public var operation: String
    /// The POSIX error number, when the system gave one.
    public var errno: Int32?
    /// The system's meaning of `errno`, or what went wrong.
    public var reason: String

    /// A failure of `operation` on `path`.
    public init(path: String, operation: String, errno: Int32?, reason: String) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.reason = reason
    }

    /// The operation, the path and the reason, as a sentence.
    public var description: String { "\(operation) \(path) failed: \(reason)." }
}

/// OSS answered success with a body this client cannot read: the operation, and what was
/// malformed. The body itself is not kept (it may be large, or echo a request).
public struct ResponseParseError: Sendable, Hashable, CustomStringConvertible {
    /// The operation whose answer it was, such as `ListObjectsV2`.
    public var operation: String
    /// What was wrong: `the body is not XML`, `no ListBucketResult`...
    public var problem: String
    /// The request id to quote to OSS support.
    public var requestId: String?

    /// A body of `operation` that could not be read.
    public init(operation: String, problem: String, requestId: String? = nil) {
        self.operation = operation
        self.problem = problem
        self.requestId = requestId
    }

    /// What could not be read, with the request ID to quote to OSS support.
    public var description: String {
        "\(operation) returned a body that cannot be read: \(problem)" + (requestId.map { " [request \($0)]" } ?? "")
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
    /// The code as OSS spells it.
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

    /// Status, code, message, EC and request ID: what OSS support asks for.
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

    /// What was expected against what arrived, with the request ID.
    public var description: String {
        switch kind {
        case .length: "Integrity error: expected \(expected) bytes, received \(actual)" + (requestId.map { " [request \($0)]" } ?? "")
        case .crc64: "Integrity error: CRC-64 \(actual) of the received bytes differs from the server's \(expected)" + (requestId.map { " [request \($0)]" } ?? "")
        }
    }
}
