import Logging
import OSSHTTP
import OSSLocking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
// By platform, as Package.swift conditions the dependency: canImport would also see a curl
// module that a Mac build compiled for another target.
#if !canImport(Darwin)
import OSSCurlTransport
#else
import OSSURLSessionTransport
#endif

/// Per-call overrides of the client's retry and timeout settings.
public struct RequestOptions: Sendable {
    /// Attempts for this call (1 disables retries); the client's policy when nil.
    public var maxAttempts: Int?
    /// Timeouts for this call; the client's when nil.
    public var timeouts: TransportTimeouts?

    /// Overrides for one call; nil fields keep the client's settings.
    public init(maxAttempts: Int? = nil, timeouts: TransportTimeouts? = nil) {
        self.maxAttempts = maxAttempts
        self.timeouts = timeouts
    }
}

/// The OSS client: signs, sends, retries and parses, over any `Transport` (OSSHTTP's protocol).
///
/// A Sendable value; copies share the transport and the learned clock offset. Credentials are asked
/// from the configuration's provider for every attempt, so rotating STS keys just work.
public struct OSSClient: Sendable {
    /// Region, endpoint, signature version and credentials provider.
    public var configuration: Configuration
    /// What carries requests: libcurl, URLSession, or the in-process offline service.
    public var transport: any Transport
    /// Where request logs go: method, host, path, status, request id, attempt, duration. Never
    /// credentials, signatures, tokens or `Authorization`.
    public var logger: Logger
    /// How failed attempts are retried; see ``RetryPolicy``.
    public var retryPolicy: RetryPolicy
    /// Connect and idle timeouts for every request unless a call overrides them.
    public var timeouts: TransportTimeouts
    let clockOffset: ClockOffset
    /// The endpoint, signing key and checked processes kept between calls.
    let caches = ClientCaches()

    /// - Parameters:
    ///   - configuration: region, endpoint, credentials and network settings; the default
    ///     transport is built from the network settings.
    ///   - transport: libcurl on Linux and URLSession on Apple platforms when nil.
    ///   - logger: a no-op logger when nil, as libraries should default to.
    ///   - retryPolicy: three attempts with jittered exponential backoff by default.
    ///   - timeouts: 10 s to connect and 60 s without a byte by default; a call's
    ///     ``RequestOptions`` can override them.
    public init(configuration: Configuration, transport: (any Transport)? = nil, logger: Logger? = nil,
                retryPolicy: RetryPolicy = RetryPolicy(), timeouts: TransportTimeouts = TransportTimeouts()) {
        self.configuration = configuration
        self.transport = transport ?? Self.transport(for: configuration.network)
        self.logger = logger ?? Logger(label: "swift-oss", factory: { _ in SwiftLogNoOpLogHandler() })
        self.retryPolicy = retryPolicy
        self.timeouts = timeouts
        clockOffset = ClockOffset()
    }

    /// libcurl where it is available, URLSession elsewhere.
    public static var defaultTransport: any Transport {
        #if !canImport(Darwin)
        CurlTransport.shared
        #else
        URLSessionTransport.shared
        #endif
    }

    /// The default transport for `network`: the shared one unless a CA or a proxy is set (here
    /// or through `SSL_CERT_FILE`/`SSL_CERT_DIR`), then one transport per distinct setting, kept
    /// for the process so that clients with the same settings share its connections.
    static func transport(for network: NetworkSettings) -> any Transport {
        #if !canImport(Darwin)
        let environment = ["SSL_CERT_FILE", "SSL_CERT_DIR"].reduce(into: [String: String]()) { found, name in
            if let value = getenv(name) { found[name] = String(cString: value) }
        }
        let resolved = network.resolved(environment: environment)
        let settings = CurlTransportSettings(caBundlePath: resolved.caBundlePath, caDirectory: resolved.caDirectory,
                                             proxy: resolved.proxy, noProxy: resolved.noProxy)
        if settings.isDefault { return CurlTransport.shared }
        return configuredTransports.withLock { transports in
            if let existing = transports[settings] { return existing }
            let made = CurlTransport(settings: settings)
            transports[settings] = made
            return made
        }
        #else
        return URLSessionTransport.shared
        #endif
    }

    /// A handle on one bucket, for calls shaped like the documentation's samples.
    public func bucket(_ name: String) -> OSSBucket {
        OSSBucket(client: self, name: name)
    }

    /// Seconds to add to the local clock, learned from a `RequestTimeTooSkewed` answer.
    public var learnedClockOffsetSeconds: Int64 { clockOffset.seconds }

    // MARK: The request loop

    /// One logical request of an operation: its name (for logs and errors), what is signed, and
    /// the body. Signed afresh for every attempt, so it holds no signing header itself.
    struct Operation: Sendable {
        /// The OSS API name, such as `GetObject`.
        var name: String
        /// Method, bucket, key, query and headers, before signing.
        var request: SignableRequest
        /// What is uploaded; rewindable, so every attempt sends the same bytes.
        var body: HTTPRequestBody = .none
        /// Told the body's bytes as the transport sends them (from 0 again on each attempt).
        var uploadProgress: UploadProgressHandler?

        init(name: String, method: String, bucket: String? = nil, key: String? = nil, query: [QueryItem] = [],
             headers: [HTTPHeaderField] = [], body: HTTPRequestBody = .none) {
            self.name = name
            request = SignableRequest(method: method, bucket: bucket, key: key, query: query, headers: headers)
            self.body = body
        }

        /// Whether the request carries a condition (`If-None-Match`, `If-Modified-Since`) whose
        /// answer may be 304 Not Modified.
        var asksNotModified: Bool {
            request.headers.containsHeader("If-None-Match") || request.headers.containsHeader("If-Modified-Since")
        }
    }

    /// A status below 400 that is not an answer to the request: a redirect, an unsolicited 304,
    /// a 1xx. The body is not read (a redirect's HTML is nothing to parse); the Location is shown
    /// without its query, which may hold a signature.
    static func unexpectedStatusError(_ response: TransportResponse, operation: Operation) -> ServerError {
        let status = response.status
        let message: String
        if status == 304 {
            message = "\(operation.name) got 304 Not Modified, but the request set no If-None-Match or If-Modified-Since condition"
        } else if (300..<400).contains(status) {
            let location = response.header("Location").map { text in
                String(text.prefix { $0 != "?" && $0 != "#" }.prefix(512))
            }
            message = "\(operation.name) got HTTP \(status), a redirect" + (location.map { " to \($0)" } ?? "")
                + "; a redirect is not an answer from OSS, and this client follows none (check the endpoint)"
        } else {
            message = "\(operation.name) got HTTP \(status), which is not an answer to the request"
        }
        return ServerError(status: status, code: OSSErrorCode(rawValue: status == 304 ? "NotModified" : "HTTP\(status)"),
                           message: message, requestId: response.header("x-oss-request-id"))
    }

    /// Sends `operation` with retries. `handle` receives every 2xx response, and a 304 when the
    /// operation asked for one (``Operation/asksNotModified``); it may throw a retryable
    /// ``OSSError`` (a broken body, say) to ask for another attempt. Every other status is an
    /// error before `handle` sees it: a redirect's body is not an object, and this client follows
    /// no redirect (a signature is for one host and path).
    func perform<T: Sendable>(_ operation: Operation, options: RequestOptions = RequestOptions(),
                              handle: @Sendable (TransportResponse, _ signed: PreparedRequest) async throws(OSSError) -> T) async throws(OSSError) -> T {
        let attempts = max(1, options.maxAttempts ?? retryPolicy.maxAttempts)
        let timeouts = options.timeouts ?? self.timeouts
        let endpoint = try caches.endpoint(configuration)
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw .cancelled }
            let started = ContinuousClock.now
            var logMetadata: Logger.Metadata = ["oss.operation": "\(operation.name)", "http.method": "\(operation.request.method)",
                                                "http.host": "\(endpoint.host(forBucket: operation.request.bucket))",
                                                "http.path": "\(endpoint.encodedPath(bucket: operation.request.bucket, key: operation.request.key))",
                                                "oss.attempt": "\(attempt)"]
            let result: Result<T, OSSError>
            var retryAfter: Int?
            do throws(OSSError) {
                let prepared = try await prepare(operation)
                let response: TransportResponse
                do {
                    response = try await transport.send(TransportRequest(method: prepared.method, url: prepared.url, headers: prepared.headers,
                                                                         body: operation.body, timeouts: timeouts,
                                                                         uploadProgress: operation.uploadProgress))
                } catch {
                    throw error.kind == .cancelled ? OSSError.cancelled : OSSError.transport(error)
                }
                logMetadata["http.status"] = "\(response.status)"
                logMetadata["oss.request_id"] = "\(response.header("x-oss-request-id") ?? "-")"
                if response.status >= 400 {
                    retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingWhitespace()) }
                    throw OSSError.server(await serverError(from: response, operation: operation, prepared: prepared))
                }
                guard (200..<300).contains(response.status) || (response.status == 304 && operation.asksNotModified) else {
                    response.body.cancel()
                    throw OSSError.server(Self.unexpectedStatusError(response, operation: operation))
                }
                result = .success(try await handle(response, prepared))
            } catch {
                result = .failure(error)
            }
            logMetadata["duration_ms"] = "\((ContinuousClock.now - started).nanoseconds / 1_000_000)"
            switch result {
            case let .success(value):
                logger.debug("OSS request succeeded", metadata: logMetadata)
                return value
            case let .failure(error):
                logMetadata["error"] = "\(Self.logSummary(error))"
                if Task.isCancelled || error == .cancelled { throw .cancelled }
                guard attempt < attempts, RetryPolicy.isRetryable(error) else {
                    logger.info("OSS request failed", metadata: logMetadata)
                    throw error
                }
                if let server = error.serverError, server.code == .requestTimeTooSkewed, let text = server.serverTime,
                   let serverTime = Self.parseServerTime(text) {
                    clockOffset.seconds = serverTime.unixSeconds - SigningTime.now().unixSeconds
                }
                let delay = retryPolicy.delay(beforeRetry: attempt, retryAfterSeconds: retryAfter)
                logMetadata["retry_in_ms"] = "\(delay.nanoseconds / 1_000_000)"
                logger.notice("OSS request will be retried", metadata: logMetadata)
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw .cancelled
                }
            }
        }
    }

    /// Asks the provider for credentials (nil: anonymous), with any failure as an ``OSSError``.
    func currentCredentials() async throws(OSSError) -> Credentials? {
        do {
            return try await configuration.credentialsProvider.credentials()
        } catch let error as OSSError {
            throw error
        } catch {
            throw .credentialsUnavailable("the credentials provider failed (\(type(of: error)))")
        }
    }

    /// Signs with fresh credentials at the corrected time.
    func prepare(_ operation: Operation) async throws(OSSError) -> PreparedRequest {
        let credentials = try await currentCredentials()
        return try configuration.prepare(operation.request, credentials: credentials, at: now(), caches: caches)
    }

    /// The local clock corrected by what the server told us.
    func now() -> SigningTime {
        SigningTime.now().adding(seconds: clockOffset.seconds)
    }

    /// Reads an error response: the XML body, or `x-oss-err` (base64 XML) on HEAD.
    func serverError(from response: TransportResponse, operation: Operation, prepared: PreparedRequest) async -> ServerError {
        var xmlBytes: [UInt8] = []
        if let encoded = response.header("x-oss-err"), let decoded = Base64.decode(encoded.trimmingWhitespace()) {
            xmlBytes = decoded
        }
        if xmlBytes.isEmpty {
            xmlBytes = (try? await response.body.collect(upTo: 256 << 10)) ?? []
        } else {
            response.body.cancel()
        }
        return ResponseDecoders.serverError(status: response.status, xml: xmlBytes, requestIdHeader: response.header("x-oss-request-id"),
                                            ecHeader: response.header("x-oss-ec"), isObjectRequest: operation.request.key != nil,
                                            signing: prepared.signing)
    }

    /// The error text that goes in logs: code and request id, nothing echoed from the request.
    static func logSummary(_ error: OSSError) -> String {
        if let server = error.serverError { return "\(server.status) \(server.code)" }
        if let transport = error.transportError { return transport.description }
        if let integrity = error.integrityError { return "integrity \(integrity.kind.rawValue)" }
        return error.description
    }

    /// `2023-12-16T16:20:57.000Z` or `20231216T162057Z`.
    static func parseServerTime(_ text: String) -> SigningTime? {
        if let basic = SigningTime(iso8601Basic: text) { return basic }
        let digits = text.filter { $0.isNumber }
        guard digits.count >= 14 else { return nil }
        let d = Array(digits)
        func number(_ range: Range<Int>) -> Int? { Int(String(d[range])) }
        guard let y = number(0..<4), let mo = number(4..<6), let da = number(6..<8), let h = number(8..<10),
              let mi = number(10..<12), let s = number(12..<14) else { return nil }
        return SigningTime(year: y, month: mo, day: da, hour: h, minute: mi, second: s)
    }
}

#if !canImport(Darwin)
/// The transports made for non-default network settings, one per setting.
private let configuredTransports = LockedValue<[CurlTransportSettings: CurlTransport]>([:])
#endif

/// The correction to apply to the local clock, shared by copies of a client.
final class ClockOffset: Sendable {
    private let value = LockedValue<Int64>(0)
    var seconds: Int64 {
        get { value.load() }
        set { value.store(newValue) }
    }
}
