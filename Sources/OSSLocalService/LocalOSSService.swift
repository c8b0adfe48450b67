#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSSCrypto
import OSSFileIO
import OSSHTTP
import OSSImageProcess
import OSSSigner
import OSSLocking

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

    /// The largest object a single PutObject accepts (5 GiB, as OSS).
    public static let maximumObjectSize: Int64 = 5 << 30
    /// The largest source `x-oss-process` reads (20 MB, as OSS image processing).
    public static let maximumProcessSourceSize = 20 << 20

    /// Opens the root folder (creating `.oss/`) and clears temporary files left by a crash.
    public init(configuration: LocalOSSConfiguration) throws {
        self.configuration = configuration
        store = try ObjectStore(root: configuration.root)
        acceptedCredentials = LockedValue(configuration.credentials)
        requestIdPrefix = String(UInt32.random(in: .min ... .max), radix: 16, uppercase: true)
    }

    /// The fault rules, to change while serving.
    public var faults: FaultInjector { configuration.faults }

    /// Replaces the accepted keys while serving (an STS rotation, a revoked key).
    public func setAcceptedCredentials(_ credentials: [ServiceCredentials]) {
        acceptedCredentials.withLock { $0 = credentials }
    }

    /// Answers one request. Never throws: every failure becomes an OSS error response.
    public func handle(_ request: ServiceRequest) async -> ServiceResponse {
        let requestId = nextRequestId()
        var response: ServiceResponse
        do {
            response = try await route(try parse(request), body: request.body)
        } catch let error as ServiceError {
            response = errorResponse(error, requestId: requestId, isHead: request.method == "HEAD")
        } catch let error as FileIOError {
            response = errorResponse(ServiceError(status: 500, code: "InternalError", message: "Storage failed: \(error)", ec: "0000-00000003"),
                                     requestId: requestId, isHead: request.method == "HEAD")
        } catch {
            response = errorResponse(ServiceError(status: 500, code: "InternalError", message: "Internal error: \(type(of: error))", ec: "0000-00000003"),
                                     requestId: requestId, isHead: request.method == "HEAD")
        }
        response.setHeader("x-oss-request-id", requestId)
        response.setHeader("Date", configuration.clock().httpDate)
        response.setHeader("Server", "AliyunOSS")
        return response
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
        if isHead {
            headers.append(("x-oss-err", base64(xml)))
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
        return ParsedRequest(method: request.method.uppercased(), bucket: bucket, key: key, query: query, headers: headers)
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

        try admit(request, now: now)

        var response: ServiceResponse
        guard let bucket = request.bucket else {
            guard request.method == "GET" else { throw ServiceError.methodNotAllowed(request.method) }
            response = try await listBuckets()
            return response
        }
        if request.method == "PUT" && request.key == nil && request.query.isEmpty {
            try await BlockingIO.run { [store] in try store.createBucket(bucket) }
            return ServiceResponse(status: 200, headers: [("Location", "/\(bucket)")])
        }
        guard try await BlockingIO.run({ [store] in try store.bucketExists(bucket) }) else {
            throw ServiceError.noSuchBucket(bucket)
        }
        guard let key = request.key else {
            switch request.method {
            case "GET": return try await listObjects(request, bucket: bucket)
            case "DELETE":
                let empty = try await BlockingIO.run { [store] in try store.allKeys(bucket: bucket, prefix: "").isEmpty }
                guard empty else { throw ServiceError(status: 409, code: "BucketNotEmpty", message: "The bucket you tried to delete is not empty.", ec: "0015-00000301") }
                try await BlockingIO.run { [store] in FileSystem.removeEmptyDirectory(store.bucketPath(bucket)) }
                return ServiceResponse(status: 204)
            default: throw ServiceError.methodNotAllowed(request.method)
            }
        }
        switch request.method {
        case "GET", "HEAD":
            response = try await getObject(request, bucket: bucket, key: key)
        case "PUT":
            if request.header("x-oss-copy-source") != nil {
                throw ServiceError.notImplemented("CopyObject is not supported by this local OSS.")
            }
            response = try await putObject(request, bucket: bucket, key: key, body: body)
        case "DELETE":
            try await BlockingIO.run { [store] in try store.delete(bucket: bucket, key: key) }
            response = ServiceResponse(status: 204)
        case "POST" where request.hasQuery("x-oss-process"):
            response = try await processObject(request, bucket: bucket, key: key, body: body)
        default:
            throw ServiceError.methodNotAllowed(request.method)
        }
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
            case .status, .skew: break
            }
        }
        return response
    }

    /// Names and signature: everything about a request that can be judged before its body is read.
    /// Throws the error OSS answers with; returns how the request proved who sent it.
    @discardableResult
    func admit(_ request: ParsedRequest, now: SigningTime) throws(ServiceError) -> Authentication {
        if let bucket = request.bucket {
            guard isValidBucketName(bucket) else {
                throw ServiceError(status: 400, code: "InvalidBucketName", message: "The specified bucket is not valid.", ec: "0015-00000001", details: [("BucketName", bucket)])
            }
        }
        if let key = request.key { try ObjectStore.validateKey(key) }

        let authentication: Authentication
        let credentials = acceptedCredentials.withLock { $0 }
        if credentials.isEmpty {
            authentication = .anonymous
        } else {
            authentication = try RequestAuthenticator(credentials: credentials, region: configuration.region).authenticate(request, now: now)
        }
        if authentication == .anonymous && !configuration.openAccess {
            let isRead = request.method == "GET" || request.method == "HEAD"
            guard isRead, let bucket = request.bucket, configuration.publicReadBuckets.contains(bucket) else {
                throw ServiceError.accessDenied("You have no right to access this object because of bucket acl.", ec: "0003-00000001")
            }
        }
        return authentication
    }

    /// Judges a request from its head alone, before any of its body is read: the answer to send
    /// instead of `100 Continue` when the request would be refused anyway, nil when the body may
    /// come. Fault rules are not consulted here, so no rule is counted twice.
    public func preflight(_ request: ServiceRequest) async -> ServiceResponse? {
        do {
            try admit(try parse(request), now: configuration.clock())
            return nil
        } catch {
            let requestId = nextRequestId()
            var response = errorResponse(error, requestId: requestId, isHead: request.method == "HEAD")
            response.setHeader("x-oss-request-id", requestId)
            response.setHeader("Date", configuration.clock().httpDate)
            response.setHeader("Server", "AliyunOSS")
            return response
        }
    }

    func isValidBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return (3...63).contains(bytes.count) && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
            && bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }

    // MARK: Objects

    func objectHeaders(_ metadata: ObjectMetadata) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", metadata.contentType),
            ("ETag", metadata.quotedETag),
            ("Last-Modified", SigningTime(unixSeconds: metadata.lastModified).httpDate),
            ("x-oss-hash-crc64ecma", metadata.crc64),
            ("x-oss-object-type", "Normal"),
            ("x-oss-storage-class", "Standard"),
            ("Accept-Ranges", "bytes"),
        ]
        for (name, value) in metadata.storedHeaders.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        for (name, value) in metadata.userMetadata.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        return headers
    }

    func getObject(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        let store = self.store
        // Open first, then stat through the descriptor: the bytes served are the bytes described,
        // even if a PUT replaces the object meanwhile.
        let opened: (POSIXFile?, ObjectMetadata)? = try await BlockingIO.run {
            guard let metadata = try store.metadata(bucket: bucket, key: key) else { return nil }
            if metadata.isFolder { return (nil, metadata) }
            let file = try POSIXFile(readingAt: store.objectPath(bucket: bucket, key: key))
            let status = try file.status()
            if status.inode != metadata.inode || status.size != metadata.size {
                // Replaced between the two calls: describe the file we hold.
                guard let fresh = try store.metadata(bucket: bucket, key: key) else { return nil }
                let file2 = try POSIXFile(readingAt: store.objectPath(bucket: bucket, key: key))
                return (file2, fresh)
            }
            return (file, metadata)
        }
        guard let (file, metadata) = opened else { throw ServiceError.noSuchKey(key) }

        if let notModified = try evaluateConditions(request, metadata: metadata) {
            return notModified
        }

        var headers = objectHeaders(metadata)
        // response-* overrides.
        let overrides = ["response-content-type": "Content-Type", "response-content-language": "Content-Language",
                         "response-expires": "Expires", "response-cache-control": "Cache-Control",
                         "response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding"]
        for item in request.query {
            if let header = overrides[item.name] {
                headers.removeAll { $0.name.lowercased() == header.lowercased() }
                headers.append((header, item.value))
            }
        }

        if let process = request.queryValue("x-oss-process") {
            guard metadata.size <= Int64(Self.maximumProcessSourceSize) else {
                throw ServiceError.invalidArgument("The source of image processing must be at most 20 MB.", name: "x-oss-process", ec: "0040-00000004")
            }
            let source = try await BlockingIO.run { try file?.read(at: 0, count: Int(metadata.size)) ?? [] }
            let processed = try await configuration.processor.process(process, source: source, sourceContentType: metadata.contentType)
            var processedHeaders: [(name: String, value: String)] = [("Content-Type", processed.contentType),
                                                                      ("Last-Modified", SigningTime(unixSeconds: metadata.lastModified).httpDate)]
            processedHeaders += headers.filter { $0.name.lowercased().hasPrefix("x-oss-meta-") }
            return ServiceResponse(status: 200, headers: processedHeaders,
                                   body: request.method == "HEAD" ? .empty : ByteChunks(processed.bytes),
                                   contentLength: Int64(processed.bytes.count))
        }

        var status = 200
        var offset: Int64 = 0
        var length = metadata.size
        if let rangeHeader = request.header("Range"), let range = Self.parseRange(rangeHeader, size: metadata.size) {
            switch range {
            case let .satisfiable(start, end):
                status = 206
                offset = start
                length = end - start + 1
                headers.append(("Content-Range", "bytes \(start)-\(end)/\(metadata.size)"))
            case .unsatisfiable:
                if request.header("x-oss-range-behavior")?.lowercased() == "standard" {
                    throw ServiceError(status: 416, code: "InvalidRange", message: "The requested range cannot be satisfied.", ec: "0017-00000101",
                                       headers: [("Content-Range", "bytes */\(metadata.size)")])
                }
                // OSS ignores a range it cannot satisfy and returns the whole object.
            }
        }
        if request.method == "HEAD" || file == nil {
            return ServiceResponse(status: status, headers: headers, body: .empty, contentLength: length)
        }
        return ServiceResponse(status: status, headers: headers, body: Self.fileChunks(file!, offset: offset, length: length), contentLength: length)
    }

    enum ByteRange: Equatable {
        case satisfiable(Int64, Int64)
        case unsatisfiable
    }

    /// `bytes=a-b`, `bytes=a-`, `bytes=-n`; nil when the header is malformed or names several
    /// ranges (OSS then ignores it).
    static func parseRange(_ header: String, size: Int64) -> ByteRange? {
        let text = header.trimmingBlanks()
        guard text.hasPrefix("bytes="), !text.contains(",") else { return nil }
        let spec = text.dropFirst(6)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Int64(last), suffix > 0 else { return nil }
            guard size > 0 else { return .unsatisfiable }
            return .satisfiable(max(0, size - suffix), size - 1)
        }
        guard let start = Int64(first), start >= 0 else { return nil }
        var end = size - 1
        if !last.isEmpty {
            guard let value = Int64(last), value >= start else { return nil }
            end = min(value, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .satisfiable(start, end)
    }

    static func fileChunks(_ file: POSIXFile, offset: Int64, length: Int64) -> ByteChunks {
        let position = LockedValue<Int64>(0)
        let chunkSize: Int64 = 256 << 10
        return ByteChunks {
            let done = position.load()
            guard done < length else { return nil }
            let count = Int(min(chunkSize, length - done))
            let chunk = try await BlockingIO.run { try file.read(at: offset + done, count: count) }
            guard !chunk.isEmpty else { throw FileIOError("read", path: file.path, code: 5) }
            position.store(done + Int64(chunk.count))
            return chunk
        }
    }

    /// If-Match / If-Unmodified-Since give 412; If-None-Match / If-Modified-Since give 304.
    func evaluateConditions(_ request: ParsedRequest, metadata: ObjectMetadata) throws -> ServiceResponse? {
        func etagMatches(_ header: String) -> Bool {
            header.split(separator: ",").contains { (candidate: Substring) -> Bool in
                let value = String(candidate).trimmingBlanks()
                return value == "*" || value == metadata.quotedETag || value == metadata.etag || value.uppercased() == metadata.quotedETag
            }
        }
        let lastModified = metadata.lastModified
        if let ifMatch = request.header("If-Match") {
            if !etagMatches(ifMatch) { throw preconditionFailed() }
        } else if let since = request.header("If-Unmodified-Since"), let time = SigningTime(httpDate: since.trimmingBlanks()), lastModified > time.unixSeconds {
            throw preconditionFailed()
        }
        if let ifNoneMatch = request.header("If-None-Match") {
            if etagMatches(ifNoneMatch) { return notModified(metadata) }
        } else if let since = request.header("If-Modified-Since"), let time = SigningTime(httpDate: since.trimmingBlanks()), lastModified <= time.unixSeconds {
            return notModified(metadata)
        }
        return nil
    }

    private func preconditionFailed() -> ServiceError {
        ServiceError(status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold.", ec: "0026-00000010")
    }

    private func notModified(_ metadata: ObjectMetadata) -> ServiceResponse {
        ServiceResponse(status: 304, headers: [("ETag", metadata.quotedETag), ("Last-Modified", SigningTime(unixSeconds: metadata.lastModified).httpDate)],
                        body: .empty, contentLength: nil)
    }

    func putObject(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks) async throws -> ServiceResponse {
        let declaredLength = request.header("Content-Length").flatMap { Int64($0.trimmingBlanks()) }
        if let declaredLength, declaredLength > Self.maximumObjectSize {
            throw ServiceError(status: 400, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed object size.", ec: "0006-00000001")
        }
        var expectedMD5: [UInt8]?
        if let contentMD5 = request.header("Content-MD5") {
            guard let decoded = Base64URL.decode(contentMD5.trimmingBlanks()), decoded.count == 16 else {
                throw ServiceError(status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified is not valid.", ec: "0016-00000401")
            }
            expectedMD5 = decoded
        }
        var metadata = ObjectMetadata(
            contentType: request.header("Content-Type")?.trimmingBlanks() ?? MediaTypes.guess(forKey: key),
            userMetadata: [:], storedHeaders: [:], etag: "", crc64: "0", size: 0,
            lastModified: configuration.clock().unixSeconds, inode: 0, modifiedNanoseconds: 0, isFolder: false)
        for field in request.headers {
            let lower = field.name.lowercased()
            if lower.hasPrefix("x-oss-meta-") { metadata.userMetadata[lower] = field.value.trimmingBlanks() }
            if let stored = ["cache-control": "Cache-Control", "content-disposition": "Content-Disposition",
                             "content-encoding": "Content-Encoding", "expires": "Expires", "content-language": "Content-Language"][lower] {
                metadata.storedHeaders[stored] = field.value.trimmingBlanks()
            }
        }

        let store = self.store
        let writer = try await BlockingIO.run { try store.beginWrite(bucket: bucket, key: key) }
        var md5 = StreamingDigest(.md5)
        var crc = CRC64()
        var received: Int64 = 0
        do {
            for try await chunk in body {
                received += Int64(chunk.count)
                if received > Self.maximumObjectSize {
                    throw ServiceError(status: 400, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed object size.", ec: "0006-00000001")
                }
                md5.update(chunk)
                crc.update(chunk)
                try await BlockingIO.run { try writer.write(chunk) }
            }
        } catch {
            writer.abort()
            throw error
        }
        let digest = md5.finalize()
        if let declaredLength, declaredLength != received {
            writer.abort()
            throw ServiceError(status: 400, code: "IncompleteBody", message: "You did not provide the number of bytes specified by the Content-Length HTTP header.", ec: "0016-00000002")
        }
        if let expectedMD5, expectedMD5 != digest {
            writer.abort()
            throw ServiceError(status: 400, code: "BadDigest", message: "The Content-MD5 you specified did not match what we received.", ec: "0016-00000402",
                               details: [("ExpectedMD5", base64(expectedMD5)), ("CalculatedMD5", base64(digest))])
        }
        metadata.etag = digest.hexString.uppercased()
        metadata.crc64 = String(crc.value)
        metadata.size = received
        let committed: ObjectMetadata
        if key.hasSuffix("/") {
            writer.abort()
            guard received == 0 else {
                throw ServiceError.invalidArgument("This local OSS stores keys ending in '/' as folders, which must be empty.", name: "key", value: key)
            }
            committed = try await BlockingIO.run { [metadata] in try store.putFolder(bucket: bucket, key: key, metadata: metadata) }
        } else {
            committed = try await BlockingIO.run { [metadata] in try store.commitObject(writer, bucket: bucket, key: key, metadata: metadata) }
        }
        return ServiceResponse(status: 200, headers: [("ETag", committed.quotedETag), ("x-oss-hash-crc64ecma", committed.crc64),
                                                      ("Content-MD5", base64(digest))])
    }

    // MARK: ProcessObject

    func processObject(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks) async throws -> ServiceResponse {
        let form = String(decoding: try await body.collect(limit: 64 << 10), as: UTF8.self)
        guard form.hasPrefix("x-oss-process=") else {
            throw ServiceError.invalidArgument("The body must be x-oss-process=<process>|sys/saveas,o_<object>,b_<bucket>.", name: "x-oss-process")
        }
        let value = OSSPercentEncoding.decode(form.dropFirst("x-oss-process=".count), plusIsSpace: true) ?? String(form.dropFirst("x-oss-process=".count))
        let saveAs = try SaveAsTarget.parse(value, defaultBucket: bucket)
        guard try await BlockingIO.run({ [store] in try store.bucketExists(saveAs.bucket) }) else {
            throw ServiceError.noSuchBucket(saveAs.bucket)
        }
        try ObjectStore.validateKey(saveAs.key)
        let store = self.store
        let source: ([UInt8], ObjectMetadata)? = try await BlockingIO.run {
            guard let metadata = try store.metadata(bucket: bucket, key: key), !metadata.isFolder else { return nil }
            guard metadata.size <= Int64(Self.maximumProcessSourceSize) else {
                throw ServiceError.invalidArgument("The source of image processing must be at most 20 MB.", name: "x-oss-process", ec: "0040-00000004")
            }
            let file = try POSIXFile(readingAt: store.objectPath(bucket: bucket, key: key))
            return (try file.read(at: 0, count: Int(try file.status().size)), metadata)
        }
        guard let (bytes, metadata) = source else { throw ServiceError.noSuchKey(key) }
        let processed = try await configuration.processor.process(saveAs.process, source: bytes, sourceContentType: metadata.contentType)
        let put = ParsedRequest(method: "PUT", bucket: saveAs.bucket, key: saveAs.key, query: [],
                                headers: [HTTPHeaderField("Content-Type", processed.contentType), HTTPHeaderField("Content-Length", String(processed.bytes.count))])
        _ = try await putObject(put, bucket: saveAs.bucket, key: saveAs.key, body: ByteChunks(processed.bytes))
        let json = "{\"bucket\": \"\(jsonEscape(saveAs.bucket))\", \"fileSize\": \(processed.bytes.count), \"object\": \"\(jsonEscape(saveAs.key))\", \"status\": \"OK\"}"
        let bytesOut = Array(json.utf8)
        return ServiceResponse(status: 200, headers: [("Content-Type", "application/json")], body: ByteChunks(bytesOut), contentLength: Int64(bytesOut.count))
    }

    // MARK: Listing

    func listBuckets() async throws -> ServiceResponse {
        let root = configuration.root
        let names = try await BlockingIO.run {
            try FileSystem.entries(of: root).filter { !$0.hasPrefix(".") && (try? FileStatus.of(root + "/" + $0))??.isDirectory == true }.sorted()
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult>\n  <Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>\n  <Buckets>\n"
        for name in names {
            xml += "    <Bucket><Name>\(XML.escape(name))</Name><Region>oss-\(configuration.region)</Region><Location>oss-\(configuration.region)</Location><StorageClass>Standard</StorageClass></Bucket>\n"
        }
        xml += "  </Buckets>\n</ListAllMyBucketsResult>\n"
        return xmlResponse(xml)
    }

    func xmlResponse(_ xml: String) -> ServiceResponse {
        let bytes = Array(xml.utf8)
        return ServiceResponse(status: 200, headers: [("Content-Type", "application/xml")], body: ByteChunks(bytes), contentLength: Int64(bytes.count))
    }

    func listObjects(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        let isV2 = request.queryValue("list-type") == "2"
        let prefix = request.queryValue("prefix") ?? ""
        let delimiter = request.queryValue("delimiter") ?? ""
        let urlEncoded = request.queryValue("encoding-type") == "url"
        var maxKeys = 100
        if let text = request.queryValue("max-keys") {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw ServiceError.invalidArgument("max-keys must be between 1 and 1000.", name: "max-keys", value: text, ec: "0016-00000301")
            }
            maxKeys = value
        }
        var after = ""
        var skipPrefix: String?
        let token = request.queryValue("continuation-token")
        if isV2 {
            after = request.queryValue("start-after") ?? ""
            if let token, !token.isEmpty {
                guard let decoded = Base64URL.decode(token), let text = String(validating: decoded, as: UTF8.self) else {
                    throw ServiceError.invalidArgument("The continuation token is not valid.", name: "continuation-token", value: token, ec: "0016-00000302")
                }
                if text.hasPrefix("P:") { skipPrefix = String(text.dropFirst(2)); after = String(text.dropFirst(2)) } else { after = String(text.dropFirst(2)) }
            }
        } else {
            after = request.queryValue("marker") ?? ""
        }
        let store = self.store
        let keys = try await BlockingIO.run { try store.allKeys(bucket: bucket, prefix: prefix) }

        var contents: [(String, ObjectMetadata)] = []
        var prefixes: [String] = []
        var truncated = false
        var lastToken: String?
        var count = 0
        for key in keys where key.utf8.lexicographicallyPrecedes(after.utf8) == false && key != after {
            if let skipPrefix, key.hasPrefix(skipPrefix) { continue }
            var commonPrefix: String?
            if !delimiter.isEmpty, let range = key.dropFirst(prefix.count).firstRange(of: delimiter) {
                commonPrefix = String(key[..<range.upperBound])
            }
            if let commonPrefix, prefixes.last == commonPrefix { continue }
            if count == maxKeys {
                truncated = true
                break
            }
            if let commonPrefix {
                prefixes.append(commonPrefix)
                lastToken = "P:" + commonPrefix
            } else {
                guard let metadata = try await BlockingIO.run({ try store.metadata(bucket: bucket, key: key) }) else { continue }
                contents.append((key, metadata))
                lastToken = "K:" + key
            }
            count += 1
        }

        func encode(_ text: String) -> String {
            XML.escape(urlEncoded ? OSSPercentEncoding.encodeQueryComponent(text) : text)
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult>\n"
        xml += "  <Name>\(XML.escape(bucket))</Name>\n  <Prefix>\(encode(prefix))</Prefix>\n"
        if isV2 {
            if let startAfter = request.queryValue("start-after") { xml += "  <StartAfter>\(encode(startAfter))</StartAfter>\n" }
            if let token { xml += "  <ContinuationToken>\(XML.escape(token))</ContinuationToken>\n" }
        } else {
            xml += "  <Marker>\(encode(after))</Marker>\n"
        }
        xml += "  <MaxKeys>\(maxKeys)</MaxKeys>\n  <Delimiter>\(encode(delimiter))</Delimiter>\n"
        if urlEncoded { xml += "  <EncodingType>url</EncodingType>\n" }
        xml += "  <IsTruncated>\(truncated)</IsTruncated>\n"
        if isV2 {
            xml += "  <KeyCount>\(count)</KeyCount>\n"
            if truncated, let lastToken { xml += "  <NextContinuationToken>\(XML.escape(base64(Array(lastToken.utf8))))</NextContinuationToken>\n" }
        } else if truncated, let lastToken {
            xml += "  <NextMarker>\(encode(String(lastToken.dropFirst(2))))</NextMarker>\n"
        }
        for (key, metadata) in contents {
            xml += "  <Contents>\n    <Key>\(encode(key))</Key>\n    <LastModified>\(SigningTime(unixSeconds: metadata.lastModified).iso8601Extended)</LastModified>\n"
            xml += "    <ETag>\(XML.escape(metadata.quotedETag))</ETag>\n    <Type>Normal</Type>\n    <Size>\(metadata.size)</Size>\n    <StorageClass>Standard</StorageClass>\n"
            if !isV2 || request.queryValue("fetch-owner") == "true" {
                xml += "    <Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>\n"
            }
            xml += "  </Contents>\n"
        }
        for commonPrefix in prefixes {
            xml += "  <CommonPrefixes>\n    <Prefix>\(encode(commonPrefix))</Prefix>\n  </CommonPrefixes>\n"
        }
        xml += "</ListBucketResult>\n"
        return xmlResponse(xml)
    }
}

/// The `|sys/saveas,o_<base64url>,b_<base64url>` suffix of a ProcessObject request.
struct SaveAsTarget: Sendable, Equatable {
    var process: String
    var bucket: String
    var key: String

    static func parse(_ value: String, defaultBucket: String) throws(ServiceError) -> SaveAsTarget {
        guard let range = value.firstRange(of: "|sys/saveas,") else {
            throw ServiceError.invalidArgument("ProcessObject needs a |sys/saveas,o_<object> suffix.", name: "x-oss-process", value: value, ec: "0040-00000002")
        }
        let process = String(value[..<range.lowerBound])
        var bucket = defaultBucket
        var key: String?
        for parameter in value[range.upperBound...].split(separator: ",") {
            if parameter.hasPrefix("o_") {
                key = Base64URL.decode(String(parameter.dropFirst(2))).flatMap { String(validating: $0, as: UTF8.self) }
                guard key != nil else { throw .invalidArgument("saveas o_ is not valid URL-safe base64.", name: "o", ec: "0040-00000003") }
            } else if parameter.hasPrefix("b_") {
                guard let decoded = Base64URL.decode(String(parameter.dropFirst(2))).flatMap({ String(validating: $0, as: UTF8.self) }) else {
                    throw .invalidArgument("saveas b_ is not valid URL-safe base64.", name: "b", ec: "0040-00000003")
                }
                bucket = decoded
            }
        }
        guard let key else { throw .invalidArgument("saveas needs o_<object>.", name: "o", ec: "0040-00000003") }
        return SaveAsTarget(process: process, bucket: bucket, key: key)
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
        guard isValidBucketName(name) else {
            throw ServiceError(status: 400, code: "InvalidBucketName", message: "The specified bucket '\(name)' is not valid.", ec: "0015-00000001")
        }
        try store.createBucket(name)
    }
}
