import OSSConfinedFiles
import OSSCore
import OSSCrypto
import OSSFileIO
import OSSLocking
import OSSSigner

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a local OSS is set up.
public struct LocalOSSConfiguration: Sendable {
    /// The folder whose subfolders are buckets.
    public var root: String
    /// The keys requests may be signed with; empty accepts only anonymous access to public buckets.
    /// Several keys model an STS rotation, where old and new credentials overlap.
    public var credentials: [ServiceCredentials]
    /// The region V4 signatures must be scoped to.
    public var region: String
    /// Buckets anyone may read without signing.
    public var publicReadBuckets: Set<String>
    /// Every request is allowed without a signature: the in-process offline mode, where the
    /// caller owns the folder anyway.
    public var openAccess: Bool = false
    /// Host suffixes under which `BUCKET.suffix` is virtual-hosted addressing (`localhost` always is).
    public var virtualHostSuffixes: [String]
    /// The host name put in error bodies' `HostId`.
    public var hostId: String
    /// Runs `x-oss-process`.
    public var processor: any ObjectProcessor
    /// Scripted faults.
    public var faults: FaultInjector
    /// The server clock.
    public var clock: SigningClock
    /// How long a RestoreObject takes to complete (OSS takes minutes to hours; a few seconds
    /// here by default, so a test sees the in-progress state and then the restored one; tests
    /// that need neither set it to zero).
    public var restoreDelay: Duration = .seconds(3)
    /// Sends upload callbacks (`x-oss-callback`); without one a callback answers 203 CallbackFailed.
    public var callbackSender: (any CallbackSender)?
    /// Lets callbacks go to hosts other than loopback.
    public var allowRemoteCallbacks = false

    /// A configuration; region `cn-hangzhou` and no public bucket unless told otherwise.
    public init(root: String, credentials: [ServiceCredentials], region: String = "cn-hangzhou", publicReadBuckets: Set<String> = [],
                virtualHostSuffixes: [String] = [], hostId: String = "localhost", processor: any ObjectProcessor = UnavailableObjectProcessor(),
                faults: FaultInjector = FaultInjector(), clock: @escaping SigningClock = SigningTime.now) {
        self.root = root
        self.credentials = credentials
        self.region = region
        self.publicReadBuckets = publicReadBuckets
        self.virtualHostSuffixes = virtualHostSuffixes
        self.hostId = hostId
        self.processor = processor
        self.faults = faults
        self.clock = clock
    }
}

/// OSS semantics on a folder: request in, response out, no network.
///
/// The SwiftNIO front door serves it over loopback; the client's offline mode calls it in-process.
/// Both get the same authentication, the same storage and the same errors.
public final class LocalOSSService: Sendable {
    /// How this service was set up.
    public let configuration: LocalOSSConfiguration
    let store: ObjectStore
    private let acceptedCredentials: LockedValue<[ServiceCredentials]>
    private let requestCounter = LockedValue<UInt64>(0)
    private let requestIdPrefix: String
    /// The endpoint the bucket fields name (``setEndpoint(_:)``).
    let advertisedEndpoint = LockedValue<String?>(nil)

    /// The largest object a single PutObject accepts (5 GiB, as OSS).
    public static let maximumObjectSize: Int64 = 5 << 30
    /// The largest source `x-oss-process` reads (20 MB, as OSS image processing).
    public static let maximumProcessSourceSize = 20 << 20

    /// Opens the root folder (creating `.oss/`) and clears temporary files left by a crash.
    public init(configuration: LocalOSSConfiguration) throws {
        self.configuration = configuration
        store = try ObjectStore.open(root: configuration.root)
        acceptedCredentials = LockedValue(configuration.credentials)
        requestIdPrefix = String(UInt32.random(in: .min ... .max), radix: 16, uppercase: true)
    }

    /// The fault rules, to change while serving.
    public var faults: FaultInjector { configuration.faults }

    /// The endpoint ListBuckets and GetBucketInfo report (`ExtranetEndpoint`, `IntranetEndpoint`):
    /// `host:port` for an HTTPS server, as OSS writes it, `http://host:port` for a plain one. Unset,
    /// they report the request's `Host`.
    public func setEndpoint(_ endpoint: String?) {
        advertisedEndpoint.withLock { $0 = endpoint }
    }

    /// Replaces the accepted keys while serving (an STS rotation, a revoked key).
    public func setAcceptedCredentials(_ credentials: [ServiceCredentials]) {
        acceptedCredentials.withLock { $0 = credentials }
    }

    /// Answers one request. Never throws: every failure becomes an OSS error response.
    public func handle(_ request: ServiceRequest) async -> ServiceResponse {
        let requestId = nextRequestId()
        var response: ServiceResponse
        var parsed: ParsedRequest?
        do {
            var request = try parse(request)
            request.requestId = requestId
            parsed = request
            response = try await route(request, body: request.body)
        } catch {
            response = errorResponse(Self.serviceError(for: error, key: parsed?.key), requestId: requestId, isHead: request.method == "HEAD")
        }
        response.setHeader("x-oss-request-id", requestId)
        response.setHeader("Date", configuration.clock().httpDate)
        response.setHeader("Server", "AliyunOSS")
        return response
    }

    /// The OSS error for any failure. Storage failures name the key and the system call's
    /// reason, never a host path; a full disk is 507, which clients do not retry.
    static func serviceError(for error: any Error, key: String?) -> ServiceError {
        switch error {
        case let error as ServiceError:
            return error
        case let error as FileIOError where error.isOutOfSpace:
            return .insufficientStorage(key: key)
        case let error as FileIOError:
            var details: [(String, String)] = []
            if let key { details.append(("Key", key)) }
            let reason = error.isConfinementRefusal ? "a symbolic link leads out of the root" : error.reason
            return ServiceError(status: 500, code: "InternalError", message: "The local storage failed (\(error.operation): \(reason)).",
                                ec: "0000-00000003", details: details)
        case is BodyTooLarge:
            return .invalidArgument("The request body is too large for this operation.", ec: "0016-00000002")
        default:
            return ServiceError(status: 500, code: "InternalError", message: "Internal error: \(type(of: error))", ec: "0000-00000003")
        }
    }

    private func nextRequestId() -> String {
        let n = requestCounter.withLock { count in
            count &+= 1
            return count
        }
        let hex = String(n, radix: 16, uppercase: true)
        return requestIdPrefix + String(repeating: "0", count: max(0, 24 - requestIdPrefix.count - hex.count)) + hex
    }

    func errorResponse(_ error: ServiceError, requestId: String, isHead: Bool) -> ServiceResponse {
        let xml = Array(error.xml(requestId: requestId, hostId: configuration.hostId).utf8)
        var headers: [(name: String, value: String)] = [("Content-Type", "application/xml")]
        if !error.ec.isEmpty { headers.append(("x-oss-ec", error.ec)) }
        headers += error.headers.map { (name: $0.0, value: $0.1) }
        if error.status == 304 {
            return ServiceResponse(status: 304, headers: headers.filter { $0.name != "Content-Type" }, body: .empty, contentLength: nil)
        }
        if isHead {
            headers.append(("x-oss-err", Base64.encode(xml)))
            return ServiceResponse(status: error.status, headers: headers, body: .empty, contentLength: 0)
        }
        return ServiceResponse(status: error.status, headers: headers, body: ByteChunks(xml), contentLength: Int64(xml.count))
    }

    // MARK: Parsing

    func parse(_ request: ServiceRequest) throws(ServiceError) -> ParsedRequest {
        let target = request.target
        let pathPart: Substring
        let queryPart: Substring?
        if let question = target.firstIndex(of: "?") {
            pathPart = target[..<question]
            queryPart = target[target.index(after: question)...]
        } else {
            pathPart = Substring(target)
            queryPart = nil
        }
        guard pathPart.hasPrefix("/"), let path = OSSPercentEncoding.decode(pathPart, plusIsSpace: false) else {
            throw .invalidArgument("The request path is not valid.", name: "path")
        }
        var query: [QueryItem] = []
        for item in (queryPart ?? "").split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = OSSPercentEncoding.decode(pair[0], plusIsSpace: true),
                  let value = pair.count > 1 ? OSSPercentEncoding.decode(pair[1], plusIsSpace: true) : "" else {
                throw .invalidArgument("The query string is not valid.", name: "query")
            }
            query.append(QueryItem(name, value))
        }
        let headers = request.headers.map { HTTPHeaderField($0.name, $0.value) }
        var bucket: String?
        var key: String?
        if let virtualBucket = virtualHostedBucket(request.header("Host")) {
            bucket = virtualBucket
            let rest = String(path.dropFirst())
            key = rest.isEmpty ? nil : rest
        } else {
            let rest = path.dropFirst()
            if !rest.isEmpty {
                if let slash = rest.firstIndex(of: "/") {
                    bucket = String(rest[..<slash])
                    let keyPart = rest[rest.index(after: slash)...]
                    key = keyPart.isEmpty ? nil : String(keyPart)
                } else {
                    bucket = String(rest)
                }
            }
        }
        return ParsedRequest(method: request.method.uppercased(), bucket: bucket, key: key, query: query, headers: headers, body: request.body)
    }

    /// `BUCKET.localhost[:port]`, or `BUCKET.<configured suffix>`.
    func virtualHostedBucket(_ host: String?) -> String? {
        guard var host = host?.lowercased(), !host.hasPrefix("[") else { return nil }
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        for suffix in ["localhost"] + configuration.virtualHostSuffixes.map({ $0.lowercased() }) {
            if host.hasSuffix("." + suffix) {
                let bucket = String(host.dropLast(suffix.count + 1))
                return bucket.contains(".") ? nil : bucket
            }
        }
        return nil
    }

    // MARK: Routing

    func route(_ request: ParsedRequest, body: ByteChunks) async throws -> ServiceResponse {
        let faults = configuration.faults.faults(method: request.method, key: request.key)
        var now = configuration.clock()
        for fault in faults {
            switch fault.fault {
            case .status:
                let status = fault.status ?? 503
                let codes = [500: "InternalError", 503: "ServiceUnavailable", 429: "TooManyRequests", 408: "RequestTimeout"]
                var headers: [(String, String)] = []
                if let retryAfter = fault.retryAfter { headers.append(("Retry-After", String(retryAfter))) }
                throw ServiceError(status: status, code: codes[status] ?? "InternalError", message: "Injected fault: status \(status).",
                                   ec: "0000-00000000", headers: headers)
            case .skew:
                now = now.adding(seconds: fault.seconds ?? 3600)
            default:
                break
            }
        }
        // A disk that fills up after this many bytes of the object's data.
        let capacity = faults.first { $0.fault == .diskFull }.map { max(0, $0.afterBytes ?? 0) }

        let authentication = try await admitOrMissingBucket(request, now: now)

        // What the request is, decided before anything is read or written: a sub-resource this
        // server does not implement is 501, never a plain object operation.
        let operation = try SubResources.operation(method: request.method, bucket: request.bucket, key: request.key,
                                                   query: request.query, headers: request.headers)
        if authentication == .anonymous && !configuration.openAccess {
            try await authorizeAnonymous(request, operation: operation, bucket: request.bucket, key: request.key)
        }
        var response = try await dispatch(operation, request, body: body, capacity: capacity)
        for fault in faults {
            switch fault.fault {
            case .reset: response.fault = .resetAfter(bytes: fault.afterBytes ?? 0)
            case .truncate: response.fault = .truncateAfter(bytes: fault.afterBytes ?? max(0, (response.contentLength ?? 1) / 2))
            case .stall: response.fault = .stall(milliseconds: fault.milliseconds ?? 30_000)
            case .wrongCRC:
                if let crc = response.header("x-oss-hash-crc64ecma"), let value = UInt64(crc) {
                    response.setHeader("x-oss-hash-crc64ecma", String(value ^ 0x5A5A))
                } else {
                    response.setHeader("x-oss-hash-crc64ecma", "1")
                }
            case .throttle:
                // Clamped so no rule, however written, makes the pacing arithmetic overflow or stop.
                let rate = min(max(fault.bytesPerSecond ?? 1_000_000, 1024), Int64.max / 16)
                response.body = TrafficLimit(bitsPerSecond: rate * 8).pace(response.body)
            case .status, .skew, .diskFull: break
            }
        }
        return response
    }

    /// Names and signature: everything about a request that can be judged before its body is read.
    /// Throws the error OSS answers with; returns how the request proved who sent it.
    @discardableResult
    func admit(_ request: ParsedRequest, now: SigningTime) throws(ServiceError) -> Authentication {
        if let bucket = request.bucket { try Names.validateBucket(bucket) }
        if let key = request.key { try Names.validateKey(key) }

        let authentication: Authentication
        let credentials = acceptedCredentials.withLock { $0 }
        if credentials.isEmpty {
            authentication = .anonymous
        } else {
            authentication = try RequestAuthenticator(credentials: credentials, region: configuration.region).authenticate(request, now: now)
        }
        return authentication
    }

    /// Judges a request from its head alone, before any of its body is read: the answer to send
    /// instead of `100 Continue` when the request would be refused anyway, nil when the body may
    /// come. Fault rules are not consulted here, so no rule is counted twice.
    public func preflight(_ request: ServiceRequest) async -> ServiceResponse? {
        do {
            let parsed = try parse(request)
            let authentication = try await admitOrMissingBucket(parsed, now: configuration.clock())
            // An unsigned request the ACLs refuse is refused before its body is awaited too.
            if authentication == .anonymous && !configuration.openAccess {
                let operation = try SubResources.operation(method: parsed.method, bucket: parsed.bucket, key: parsed.key,
                                                           query: parsed.query, headers: parsed.headers)
                try await authorizeAnonymous(parsed, operation: operation, bucket: parsed.bucket, key: parsed.key)
            }
            return nil
        } catch {
            let requestId = nextRequestId()
            var response = errorResponse(Self.serviceError(for: error, key: nil), requestId: requestId, isHead: request.method == "HEAD")
            response.setHeader("x-oss-request-id", requestId)
            response.setHeader("Date", configuration.clock().httpDate)
            response.setHeader("Server", "AliyunOSS")
            return response
        }
    }

    // MARK: Listing

    func xmlResponse(_ xml: String) -> ServiceResponse {
        let bytes = Array(xml.utf8)
        return ServiceResponse(status: 200, headers: [("Content-Type", "application/xml")], body: ByteChunks(bytes), contentLength: Int64(bytes.count))
    }
}

/// The `|sys/saveas,o_<base64url>,b_<base64url>` suffix of a ProcessObject request.
struct SaveAsTarget: Sendable, Equatable {
    var process: String
    var bucket: String
    var key: String
    /// Whether `b_` named the bucket: OSS's reply says `"bucket": ""` when it did not.
    var bucketGiven = false

    /// `field` names the form field the value came from (`x-oss-process`, `x-oss-async-process`)
    /// in the errors.
    static func parse(_ value: String, defaultBucket: String, field: String = "x-oss-process") throws(ServiceError) -> SaveAsTarget {
        guard let range = value.firstRange(of: "|sys/saveas,") else {
            let operation = field == "x-oss-async-process" ? "AsyncProcessObject" : "ProcessObject"
            throw ServiceError.invalidArgument("\(operation) needs a |sys/saveas,o_<object> suffix.", name: field, value: value, ec: "0040-00000002")
        }
        let process = String(value[..<range.lowerBound])
        var bucket = defaultBucket
        var bucketGiven = false
        var key: String?
        for parameter in value[range.upperBound...].split(separator: ",") {
            if parameter.hasPrefix("o_") {
                key = Base64.decodeURLSafe(parameter.dropFirst(2).utf8).flatMap { String(validating: $0, as: UTF8.self) }
                guard key != nil else { throw .invalidArgument("saveas o_ is not valid URL-safe base64.", name: "o", ec: "0040-00000003") }
            } else if parameter.hasPrefix("b_") {
                guard let decoded = Base64.decodeURLSafe(parameter.dropFirst(2).utf8).flatMap({ String(validating: $0, as: UTF8.self) }) else {
                    throw .invalidArgument("saveas b_ is not valid URL-safe base64.", name: "b", ec: "0040-00000003")
                }
                bucket = decoded
                bucketGiven = true
            }
        }
        guard let key else { throw .invalidArgument("saveas needs o_<object>.", name: "o", ec: "0040-00000003") }
        return SaveAsTarget(process: process, bucket: bucket, key: key, bucketGiven: bucketGiven)
    }
}

func jsonEscape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if scalar.value < 0x20 { out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}



extension LocalOSSService {
    /// Creates a bucket folder (no error when it exists). Blocking.
    public func createBucket(_ name: String) throws {
        try store.createBucket(name)
    }
}
