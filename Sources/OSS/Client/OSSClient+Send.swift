import OSSHTTP

/// Any OSS operation, described by hand: what ``OSSClient/send(_:options:maximumBodyBytes:)`` signs
/// and sends. It exists so that an API this SDK does not wrap yet is one value away, with the same
/// signing, retries and error parsing as the wrapped calls, instead of a hand-rolled HTTP request.
public struct OSSRequest: Sendable, Hashable {
    /// The API name, used in logs and in errors (`PutBucketLifecycle`).
    public var operationName: String
    /// The HTTP method.
    public var method: String
    /// The bucket; nil for a service-level call such as ListBuckets.
    public var bucket: String?
    /// The object key; nil for a bucket- or service-level call.
    public var key: String?
    /// Sub-resources and parameters (`QueryItem("tagging")`), sent and signed as OSS expects.
    public var query: [QueryItem]
    /// Headers to send and sign; `Content-Type`, `Content-MD5` and `x-oss-*` are signed.
    public var headers: [HTTPHeaderField]
    /// The body: bytes, or a range of a file streamed from disk. Rewindable, so retries resend it.
    public var body: HTTPRequestBody

    /// A request; nothing is sent until ``OSSClient/send(_:options:maximumBodyBytes:)``.
    public init(operationName: String, method: String, bucket: String? = nil, key: String? = nil, query: [QueryItem] = [],
                headers: [HTTPHeaderField] = [], body: HTTPRequestBody = .none) {
        self.operationName = operationName
        self.method = method
        self.bucket = bucket
        self.key = key
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A successful answer to an ``OSSRequest``, its body read whole.
public struct OSSResponse: Sendable, Hashable {
    /// The HTTP status (2xx; errors are thrown as ``OSSError``).
    public var status: Int
    /// The response headers, in order.
    public var headers: [HTTPHeaderField]
    /// The body.
    public var body: [UInt8]

    /// A response from parts.
    public init(status: Int, headers: [HTTPHeaderField], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, case-insensitive.
    public func header(_ name: String) -> String? { headers.value(forHeader: name) }

    /// `x-oss-request-id`, to quote to OSS support.
    public var requestId: String? { header("x-oss-request-id") }
}

extension OSSClient {
    /// Sends any OSS operation: validated, signed (V4 or V1) afresh for each attempt, retried by the
    /// ``RetryPolicy``, an error answer parsed into ``OSSError``, and the body read whole up to
    /// `maximumBodyBytes` (a longer body is a transport error rather than unbounded memory).
    public func send(_ request: OSSRequest, options: RequestOptions = RequestOptions(),
                     maximumBodyBytes: Int = 16 << 20) async throws(OSSError) -> OSSResponse {
        try await send(request, options: options, maximumBodyBytes: maximumBodyBytes, reportingUpload: nil)
    }

    /// ``send(_:options:maximumBodyBytes:)`` with `uploadProgress` told the body's bytes as they go.
    func send(_ request: OSSRequest, options: RequestOptions, maximumBodyBytes: Int = 16 << 20,
              reportingUpload uploadProgress: UploadProgressHandler?) async throws(OSSError) -> OSSResponse {
        let limit = max(0, maximumBodyBytes)
        return try await send(request, options: options, reportingUpload: uploadProgress) { response throws(OSSError) in
            let bytes = try await Self.collectBody(response, limit: limit, operation: request.operationName)
            return OSSResponse(status: response.status, headers: response.headers, body: bytes)
        }
    }

    /// Sends any OSS operation and hands the streamed 2xx response to `handle`, for bodies too
    /// large to hold. A retryable ``OSSError`` thrown by `handle` (a broken body) asks for another
    /// attempt, so `handle` must be ready to start over.
    public func send<T: Sendable>(_ request: OSSRequest, options: RequestOptions = RequestOptions(),
                                  handle: @Sendable (TransportResponse) async throws(OSSError) -> T) async throws(OSSError) -> T {
        try await send(request, options: options, reportingUpload: nil, handle: handle)
    }

    func send<T: Sendable>(_ request: OSSRequest, options: RequestOptions, reportingUpload uploadProgress: UploadProgressHandler?,
                           handle: @Sendable (TransportResponse) async throws(OSSError) -> T) async throws(OSSError) -> T {
        try Self.validate(request)
        var operation = Operation(name: request.operationName, method: request.method, bucket: request.bucket, key: request.key,
                                  query: request.query, headers: request.headers, body: request.body)
        operation.uploadProgress = uploadProgress
        return try await perform(operation, options: options) { response, _ throws(OSSError) in
            try await handle(response)
        }
    }

    /// A request refused before it goes on the wire: a bad bucket or key, a key without a bucket,
    /// or a method that is not an HTTP token.
    static func validate(_ request: OSSRequest) throws(OSSError) {
        let method = request.method
        guard !method.isEmpty, method.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else {
            throw .invalidArgument(parameter: "method", reason: "'\(method.prefix(32))' is not an upper-case HTTP method.")
        }
        guard !request.operationName.isEmpty else {
            throw .invalidArgument(parameter: "operationName", reason: "an operation needs a name for its logs and errors.")
        }
        if let bucket = request.bucket { try OSSValidation.validateBucketName(bucket) }
        if let key = request.key {
            guard request.bucket != nil else { throw .invalidArgument(parameter: "key", reason: "an object key needs a bucket.") }
            try OSSValidation.validateObjectKey(key)
        }
        for field in request.headers {
            let bad = field.name.isEmpty || field.name.utf8.contains { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: ":") }
                || field.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
            if bad { throw .invalidArgument(parameter: "headers", reason: "'\(field.name.prefix(64))' is not a valid header line.") }
        }
    }

    /// Reads a success body up to `limit`. A broken transfer is a retryable transport error; a
    /// body over the limit is a parse error, since sending the request again would not shrink it.
    static func collectBody(_ response: TransportResponse, limit: Int, operation: String) async throws(OSSError) -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            for try await chunk in response.body {
                guard chunk.count <= limit - bytes.count else {
                    response.body.cancel()
                    throw OSSError.responseParse(ResponseParseError(operation: operation, problem: "the body is larger than \(limit) bytes",
                                                                    requestId: response.header("x-oss-request-id")))
                }
                bytes += chunk
            }
        } catch {
            throw DownloadPipeline.bodyError(error, received: Int64(bytes.count), info: ObjectInfo(response))
        }
        return bytes
    }
}
