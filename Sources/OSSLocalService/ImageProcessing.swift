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

/// Reads other objects of the bucket an object is processed in: an image watermark (`image_`)
/// names one. OSS takes watermark images from the same bucket only.
public struct BucketObjectLoader: Sendable {
    private let load: @Sendable (String) async throws -> [UInt8]?

    /// A loader from a function that gives an object's bytes, or nil when there is no such object.
    public init(_ load: @escaping @Sendable (String) async throws -> [UInt8]?) {
        self.load = load
    }

    /// The object's bytes; nil when the bucket has no object of that key.
    public func object(_ key: String) async throws -> [UInt8]? {
        try await load(key)
    }

    /// A bucket with no other object: every watermark image is missing.
    public static let empty = BucketObjectLoader { _ in nil }
}

/// Where the local OSS hands `x-oss-process` (GetObject, ProcessObject and AsyncProcessObject).
///
/// The image module provides the real one. Errors that are ``ServiceError`` values are answered
/// as they are (400 `InvalidArgument` with OSS's EC, for instance).
public protocol ObjectProcessor: Sendable {
    /// Runs `process` on `source`; `bucketObjects` reads the other objects of the source's bucket
    /// that the process names (image watermarks), each refused past the 20 MB OSS processes.
    func process(_ process: String, source: [UInt8], sourceContentType: String, bucketObjects: BucketObjectLoader) async throws -> ProcessedObject
}

/// The processor used until one is configured: it answers 501 `NotImplemented` and never
/// pretends to have processed anything.
public struct UnavailableObjectProcessor: ObjectProcessor {
    /// The placeholder processor.
    public init() {}

    /// Refuses every process with 501 NotImplemented, as a service without image processing would.
    public func process(_ process: String, source: [UInt8], sourceContentType: String, bucketObjects: BucketObjectLoader) async throws -> ProcessedObject {
        throw ServiceError.notImplemented("This local OSS has no processor for '\(process.prefix(64))'; image processing is not available in this build.")
    }
}
