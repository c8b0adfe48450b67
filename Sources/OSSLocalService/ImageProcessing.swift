/// The result of running an `x-oss-process` on an object.
public struct ProcessedObject: Sendable {
    /// The processed bytes.
    public var bytes: [UInt8]
    /// Their MIME type.
    public var contentType: String

    /// A result from parts.
    public init(bytes: [UInt8], contentType: String) {
        self.bytes = bytes
        self.contentType = contentType
    }
}

/// Where the local OSS hands `x-oss-process` (GetObject and ProcessObject).
///
/// The image module provides the real one. Errors that are ``ServiceError`` values are answered
/// as they are (400 `InvalidArgument` with OSS's EC, for instance).
public protocol ObjectProcessor: Sendable {
    func process(_ process: String, source: [UInt8], sourceContentType: String) async throws -> ProcessedObject
}

/// The processor used until one is configured: it answers 501 `NotImplemented` and never
/// pretends to have processed anything.
public struct UnavailableObjectProcessor: ObjectProcessor {
    /// The placeholder processor.
    public init() {}

    public func process(_ process: String, source: [UInt8], sourceContentType: String) async throws -> ProcessedObject {
        throw ServiceError.notImplemented("This local OSS has no processor for '\(process.prefix(64))'; image processing is not available in this build.")
    }
}
