#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSSCrypto
import OSSFileIO
import OSSHTTP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One bucket of a client. Its methods mirror the OSS documentation's samples:
///
/// ```swift
/// let bucket = client.bucket("examplebucket")
/// try await bucket.getObject("example.jpg", process: "image/circle,r_100", toFile: "dest.jpg")
/// ```
public struct OSSBucket: Sendable {
    /// The client that signs and sends.
    public let client: OSSClient
    /// The bucket name, validated on each call.
    public let name: String

    /// A handle; nothing is sent until an operation is called.
    public init(client: OSSClient, name: String) {
        self.client = client
        self.name = name
    }

    // MARK: GetObject

    /// Downloads an object, optionally processed by OSS (`x-oss-process`), to a file.
    ///
    /// The bytes stream into a temporary file beside `path`; the length and (for whole,
    /// unprocessed objects) the CRC-64 are checked, then the file is synced and renamed over `path`
    /// in one step. On any failure or cancellation the temporary file is removed and an existing
    /// `path` is left byte for byte as it was.
    ///
    /// `path` may name nothing yet, a regular file, or a symlink (or chain of them) to a regular
    /// file, which is then the file replaced: the temporary file goes beside it and the links stay
    /// links. Anything else (a device such as `/dev/null`, a FIFO, a socket, a folder, a dangling
    /// link) is refused with ``OSSError/invalidArgument(parameter:reason:)`` before anything is
    /// sent: a rename would replace it with a regular file. For bytes to a pipe or a device, use
    /// ``getObjectStream(_:process:options:)``.
    ///
    /// A redirect (3xx) is an error, not an object. With `ifNoneMatch` or `ifModifiedSince`, OSS
    /// answers 304 when the local copy is current: the call then returns an ``ObjectInfo`` whose
    /// `status` is 304 and leaves `path` untouched. A 304 no condition asked for is an error.
    @discardableResult
    public func getObject(_ key: String, process: String? = nil, toFile path: String,
                          options: GetObjectOptions = GetObjectOptions()) async throws(OSSError) -> ObjectInfo {
        try validateDestination(path)
        let operation = try getOperation(key, process: process, options: options)
        let checkCRC = process == nil && options.range == nil
        return try await client.perform(operation, options: options.request) { response, _ throws(OSSError) in
            let info = ObjectInfo(response)
            if response.status == 304 { return info }
            return try await Self.receive(response, info: info, to: path, checkCRC: checkCRC && response.header("Content-Encoding") == nil,
                                          progress: options.progress)
        }
    }

    /// Downloads an object (optionally processed) into memory. A 304 that `ifNoneMatch` or
    /// `ifModifiedSince` asked for returns no bytes and an ``ObjectInfo`` whose `status` is 304.
    public func getObjectData(_ key: String, process: String? = nil, options: GetObjectOptions = GetObjectOptions(),
                              maximumSize: Int = 256 << 20) async throws(OSSError) -> (info: ObjectInfo, data: [UInt8]) {
        let operation = try getOperation(key, process: process, options: options)
        let checkCRC = process == nil && options.range == nil
        return try await client.perform(operation, options: options.request) { response, _ throws(OSSError) in
            let info = ObjectInfo(response)
            // A 304 (only ever one a condition asked for) has no body, whatever length it announces.
            if response.status == 304 {
                response.body.cancel()
                return (info, [])
            }
            var data: [UInt8] = []
            var crc = CRC64()
            do {
                for try await chunk in response.body {
                    data += chunk
                    crc.update(chunk)
                    guard data.count <= maximumSize else {
                        response.body.cancel()
                        throw OSSError.invalidArgument(parameter: "maximumSize", reason: "the object is larger than \(maximumSize) bytes; use getObject(toFile:) or getObjectStream.")
                    }
                    options.progress?(Int64(data.count), info.contentLength)
                }
            } catch {
                throw Self.bodyError(error, received: Int64(data.count), info: info)
            }
            try Self.verify(received: Int64(data.count), crc: crc.value, info: info, checkCRC: checkCRC && response.header("Content-Encoding") == nil)
            return (info, data)
        }
    }

    /// Starts a download and returns the body as a stream of chunks; memory stays bounded by the
    /// transport's buffer whatever the object size. The stream is not retried once it has started.
    public func getObjectStream(_ key: String, process: String? = nil,
                                options: GetObjectOptions = GetObjectOptions()) async throws(OSSError) -> (info: ObjectInfo, body: HTTPResponseBody) {
        let operation = try getOperation(key, process: process, options: options)
        return try await client.perform(operation, options: options.request) { response, _ throws(OSSError) in
            (ObjectInfo(response), response.body)
        }
    }

    func getOperation(_ key: String, process: String?, options: GetObjectOptions) throws(OSSError) -> OSSClient.Operation {
        try validate(key)
        var query: [QueryItem] = []
        if let process {
            try Self.validateProcess(process)
            query.append(QueryItem("x-oss-process", process))
        }
        query += options.responseOverrides.queryItems
        if let versionId = options.versionId { query.append(QueryItem("versionId", versionId)) }
        var headers: [HTTPHeaderField] = []
        if let range = options.range { headers.append(HTTPHeaderField("Range", range.description)) }
        if let value = options.ifMatch { headers.append(HTTPHeaderField("If-Match", value)) }
        if let value = options.ifNoneMatch { headers.append(HTTPHeaderField("If-None-Match", value)) }
        if let date = options.ifModifiedSince { headers.append(HTTPHeaderField("If-Modified-Since", Self.httpDate(date))) }
        if let date = options.ifUnmodifiedSince { headers.append(HTTPHeaderField("If-Unmodified-Since", Self.httpDate(date))) }
        return OSSClient.Operation(name: "GetObject", method: "GET", bucket: name, key: key, query: query, headers: headers)
    }

    /// A process is refused before sending only where OSS documents an error for that exact
    /// input (`image/circle,r_0`: EC 0040-00000233), with the action, the parameter and the EC.
    /// Everything else goes on the wire as written, byte for byte: unknown actions and
    /// parameters, empty segments, pipes, `video/` and `style/`; the service is the authority.
    static func validateProcess(_ process: String) throws(OSSError) {
        guard !process.trimmingSpaces().isEmpty else {
            throw .invalidArgument(parameter: "process", reason: "the process is empty; pass nil for the original object.")
        }
        if let refusal = ImageProcess.refusal(for: process) { throw .invalidProcess(refusal) }
    }

    static func httpDate(_ date: Date) -> String {
        SigningTime(unixSeconds: Int64(date.timeIntervalSince1970.rounded(.down))).httpDate
    }

    /// Streams a response body into an atomic file: receive, checksum and write overlap.
    static func receive(_ response: HTTPResponse, info: ObjectInfo, to path: String, checkCRC: Bool,
                        progress: ProgressHandler?) async throws(OSSError) -> ObjectInfo {
        let sink: DownloadSink
        do {
            let body = response.body
            sink = DownloadSink(writer: try await BlockingIO.run { try AtomicFileWriter(replacing: path) },
                                recycle: { body.recycle($0) })
        } catch {
            response.body.cancel()
            throw destinationError(error, path: path, while: "creating a temporary file beside")
        }
        var received: Int64 = 0
        do {
            do {
                var iterator = response.body.makeAsyncIterator()
                while let chunk = try await iterator.next() {
                    received += Int64(chunk.count)
                    try await sink.append(consume chunk)
                    progress?(received, info.contentLength)
                }
            } catch let error as FileIOError {
                response.body.cancel()
                throw destinationError(error, path: path, while: "writing")
            } catch let error as OSSError {
                throw error
            } catch {
                throw bodyError(error, received: received, info: info)
            }
            let crc: UInt64, written: Int64
            do {
                (crc, written) = try await sink.finish()
            } catch {
                throw destinationError(error, path: path, while: "writing")
            }
            try verify(received: written, crc: crc, info: info, checkCRC: checkCRC)
            try Task.checkCancellation()
            do {
                try await sink.commit()
            } catch {
                throw destinationError(error, path: path, while: "moving the finished download into place at")
            }
            return info
        } catch {
            await sink.abort()
            switch error {
            case let error as OSSError: throw error
            case is CancellationError: throw .cancelled
            default: throw destinationError(error, path: path, while: "writing")
            }
        }
    }

    /// A failure at the destination, as an error that says what happened to `path` (as the
    /// caller gave it) and why, without the temporary file's name: `writing dest.jpg failed: No
    /// space left on device`.
    static func destinationError(_ error: any Error, path: String, while doing: String) -> OSSError {
        let why: String
        switch error {
        case let error as UnreplaceableDestinationError:
            return .invalidArgument(parameter: "destination", reason: error.description + ".")
        case let error as FileIOError:
            why = String(cString: strerror(error.code))
        default:
            why = "\(error)"
        }
        return .invalidArgument(parameter: "destination", reason: "\(doing) \(path) failed: \(why).")
    }

    /// A failure while reading a body, in OSS terms: a body cut short is an integrity error.
    static func bodyError(_ error: any Error, received: Int64, info: ObjectInfo) -> OSSError {
        if let error = error as? OSSError { return error }
        if let transport = error as? TransportError {
            switch transport.kind {
            case .cancelled: return .cancelled
            case .truncatedBody:
                return .integrity(IntegrityError(kind: .length, expected: info.contentLength.map(String.init) ?? "more", actual: String(received), requestId: info.requestId))
            default: return .transport(transport)
            }
        }
        if error is CancellationError { return .cancelled }
        return .transport(TransportError(.other, "\(error)"))
    }

    /// Content-Length always; CRC-64 when the body is the whole stored object.
    static func verify(received: Int64, crc: UInt64, info: ObjectInfo, checkCRC: Bool) throws(OSSError) {
        if let expected = info.contentLength, expected != received {
            throw .integrity(IntegrityError(kind: .length, expected: String(expected), actual: String(received), requestId: info.requestId))
        }
        if checkCRC, info.status == 200, let expected = info.crc64, expected != crc {
            throw .integrity(IntegrityError(kind: .crc64, expected: String(expected), actual: String(crc), requestId: info.requestId))
        }
    }

    /// The destination rules of ``getObject(_:process:toFile:options:)``, checked before anything
    /// is sent. Only metadata calls (`lstat`, `realpath`), no file is opened.
    func validateDestination(_ path: String) throws(OSSError) {
        guard !path.isEmpty else { throw .invalidArgument(parameter: "destination", reason: "the file path is empty.") }
        if (try? FileStatus.of(path))??.isDirectory == true {
            throw .invalidArgument(parameter: "destination", reason: "\(path) is a folder.")
        }
        let target: String
        do {
            target = try AtomicFileWriter.replaceableTarget(of: path)
        } catch {
            throw Self.destinationError(error, path: path, while: "examining")
        }
        let directory = AtomicFileWriter.directoryOf(target)
        guard (try? FileStatus.of(directory))??.isDirectory == true else {
            throw .invalidArgument(parameter: "destination", reason: "the folder \(directory) does not exist.")
        }
    }

    func validate(_ key: String) throws(OSSError) {
        try OSSValidation.validateBucketName(name)
        try OSSValidation.validateObjectKey(key)
    }

    // MARK: PutObject

    /// Uploads bytes, with `Content-MD5`, and checks the CRC-64 OSS computed.
    @discardableResult
    public func putObject(_ key: String, data: [UInt8], options: PutObjectOptions = PutObjectOptions()) async throws(OSSError) -> ObjectInfo {
        try validate(key)
        var crc = CRC64()
        crc.update(data)
        return try await put(key, body: .bytes(data), md5: Crypto.md5(data), crc: crc.value, options: options)
    }

    /// Uploads a file, streamed from disk (never held in memory), with `Content-MD5` and a CRC-64 check.
    @discardableResult
    public func putObject(_ key: String, fromFile path: String, options: PutObjectOptions = PutObjectOptions()) async throws(OSSError) -> ObjectInfo {
        try validate(key)
        let digests: (Int64, [UInt8], UInt64)
        do {
            digests = try await BlockingIO.run {
                let file = try POSIXFile(readingAt: path)
                let size = try file.status().size
                var md5 = StreamingDigest(.md5)
                var crc = CRC64()
                var offset: Int64 = 0
                while offset < size {
                    let chunk = try file.read(at: offset, count: 1 << 20)
                    if chunk.isEmpty { break }
                    md5.update(chunk)
                    crc.update(chunk)
                    offset += Int64(chunk.count)
                }
                return (offset, md5.finalize(), crc.value)
            }
        } catch {
            throw .invalidArgument(parameter: "file", reason: "cannot read \(path): \(error)")
        }
        guard digests.0 <= 5 << 30 else {
            throw .invalidArgument(parameter: "file", reason: "\(path) is larger than 5 GiB, the PutObject limit; use a multipart upload.")
        }
        return try await put(key, body: .file(path: path, offset: 0, length: digests.0), md5: digests.1, crc: digests.2, options: options)
    }

    func put(_ key: String, body: HTTPRequestBody, md5: [UInt8], crc: UInt64, options: PutObjectOptions) async throws(OSSError) -> ObjectInfo {
        var headers = [HTTPHeaderField("Content-Type", options.contentType ?? MediaTypes.guess(forKey: key)),
                       HTTPHeaderField("Content-MD5", base64(md5))]
        for (name, value) in options.metadata.sorted(by: { $0.key < $1.key }) {
            headers.append(HTTPHeaderField("x-oss-meta-\(name.lowercased())", value))
        }
        for (name, value) in options.headers.sorted(by: { $0.key < $1.key }) {
            headers.append(HTTPHeaderField(name, value))
        }
        let operation = OSSClient.Operation(name: "PutObject", method: "PUT", bucket: name, key: key, headers: headers, body: body)
        return try await client.perform(operation, options: options.request) { response, _ throws(OSSError) in
            response.body.cancel()
            let info = ObjectInfo(response)
            if let returned = info.crc64, returned != crc {
                throw .integrity(IntegrityError(kind: .crc64, expected: String(crc), actual: String(returned), requestId: info.requestId))
            }
            options.progress?(body.length, body.length)
            return info
        }
    }

    // MARK: HeadObject, DeleteObject

    /// The object's metadata, without its body.
    public func headObject(_ key: String, options: GetObjectOptions = GetObjectOptions()) async throws(OSSError) -> ObjectInfo {
        var operation = try getOperation(key, process: nil, options: options)
        operation.name = "HeadObject"
        operation.method = "HEAD"
        return try await client.perform(operation, options: options.request) { response, _ throws(OSSError) in
            ObjectInfo(response)
        }
    }

    /// Deletes an object. Deleting a missing key succeeds, as in OSS.
    @discardableResult
    public func deleteObject(_ key: String, options: RequestOptions = RequestOptions()) async throws(OSSError) -> ObjectInfo {
        try validate(key)
        let operation = OSSClient.Operation(name: "DeleteObject", method: "DELETE", bucket: name, key: key)
        return try await client.perform(operation, options: options) { response, _ throws(OSSError) in
            ObjectInfo(response)
        }
    }

    // MARK: ListObjectsV2

    /// One page of keys. Keys come back URL-encoded on the wire (`encoding-type=url`) and are decoded
    /// here, so any key survives the XML.
    public func listObjectsV2(prefix: String? = nil, delimiter: String? = nil, maxKeys: Int? = nil, startAfter: String? = nil,
                              continuationToken: String? = nil, options: RequestOptions = RequestOptions()) async throws(OSSError) -> ListObjectsV2Page {
        try OSSValidation.validateBucketName(name)
        if let maxKeys, !(1...1000).contains(maxKeys) {
            throw .invalidArgument(parameter: "maxKeys", reason: "\(maxKeys) is outside 1...1000.")
        }
        var query = [QueryItem("list-type", "2"), QueryItem("encoding-type", "url")]
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        if let delimiter { query.append(QueryItem("delimiter", delimiter)) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        if let startAfter { query.append(QueryItem("start-after", startAfter)) }
        if let continuationToken { query.append(QueryItem("continuation-token", continuationToken)) }
        let operation = OSSClient.Operation(name: "ListObjectsV2", method: "GET", bucket: name, query: query)
        return try await client.perform(operation, options: options) { response, _ throws(OSSError) in
            let bytes: [UInt8]
            do { bytes = try await response.body.collect(upTo: 32 << 20) } catch { throw Self.bodyError(error, received: 0, info: ObjectInfo(response)) }
            guard let tree = XMLTree.parse(bytes), tree.name == "ListBucketResult" else {
                throw .transport(TransportError(.other, "ListObjectsV2 returned a body that is not a ListBucketResult"))
            }
            let encoded = tree.value("EncodingType") == "url"
            func decode(_ text: String) -> String {
                encoded ? OSSPercentEncoding.decode(Substring(text), plusIsSpace: false) ?? text : text
            }
            let objects = tree.children("Contents").map { item in
                ObjectSummary(key: decode(item.value("Key") ?? ""), size: Int64(item.value("Size") ?? "") ?? 0,
                              etag: (item.value("ETag") ?? "").unquoted,
                              lastModified: item.value("LastModified") ?? "", storageClass: item.value("StorageClass"))
            }
            let prefixes = tree.children("CommonPrefixes").compactMap { $0.value("Prefix") }.map(decode)
            return ListObjectsV2Page(objects: objects, commonPrefixes: prefixes, isTruncated: tree.value("IsTruncated") == "true",
                                     nextContinuationToken: tree.value("NextContinuationToken"),
                                     keyCount: Int(tree.value("KeyCount") ?? "") ?? objects.count + prefixes.count,
                                     requestId: response.header("x-oss-request-id"))
        }
    }

    /// Every page of a listing, fetched as the sequence is iterated.
    public func listObjectsV2Pages(prefix: String? = nil, delimiter: String? = nil, maxKeys: Int? = nil) -> ListObjectsV2Paginator {
        ListObjectsV2Paginator(bucket: self, prefix: prefix, delimiter: delimiter, maxKeys: maxKeys)
    }

    // MARK: Presign

    /// A URL that performs `method` on the object without credentials until it expires: for a
    /// browser, an `<img>` tag or a public link. The process travels in the signed query, so the
    /// URL cannot be changed to serve the original or another variant.
    public func presign(_ key: String, method: PresignMethod = .get, process: String? = nil, expiresIn seconds: Int64 = 900,
                        headers: [String: String] = [:], responseOverrides: ResponseHeaderOverrides = ResponseHeaderOverrides()) async throws(OSSError) -> PresignedURL {
        try validate(key)
        var query: [QueryItem] = []
        if let process {
            guard method != .put else { throw .invalidArgument(parameter: "process", reason: "a PUT cannot carry x-oss-process.") }
            try Self.validateProcess(process)
            query.append(QueryItem("x-oss-process", process))
        }
        query += responseOverrides.queryItems
        let request = SignableRequest(method: method.rawValue, bucket: name, key: key, query: query,
                                      headers: headers.sorted { $0.key < $1.key }.map { HTTPHeaderField($0.key, $0.value) })
        guard let credentials = try await client.currentCredentials() else {
            throw .credentialsUnavailable("presigning needs credentials; the provider is anonymous.")
        }
        let now = client.now()
        let prepared = try client.configuration.presign(request, credentials: credentials, expiresIn: seconds, at: now)
        return PresignedURL(method: method, url: prepared.url, signedHeaders: prepared.headers,
                            expiration: Date(timeIntervalSince1970: TimeInterval(now.unixSeconds + seconds)))
    }

    // MARK: ProcessObject

    /// Runs a process on an object and saves the result as another object (`sys/saveas`), without
    /// downloading anything. `targetBucket` defaults to this bucket.
    public func processObject(_ key: String, process: String, saveAs targetKey: String, targetBucket: String? = nil,
                              options: RequestOptions = RequestOptions()) async throws(OSSError) -> ProcessObjectResult {
        try validate(key)
        try OSSValidation.validateObjectKey(targetKey)
        let destinationBucket = targetBucket ?? name
        try OSSValidation.validateBucketName(destinationBucket)
        guard !process.isEmpty, !process.contains("|sys/") else {
            throw .invalidArgument(parameter: "process", reason: "pass the process alone; the saveas suffix is added from targetKey.")
        }
        try Self.validateProcess(process)
        let full = Self.saveAsProcess(process, key: targetKey, bucket: destinationBucket)
        let operation = OSSClient.Operation(name: "ProcessObject", method: "POST", bucket: name, key: key,
                                            query: [QueryItem("x-oss-process")],
                                            // Signed explicitly, so no transport can add an unsigned one.
                                            headers: [HTTPHeaderField("Content-Type", "application/x-www-form-urlencoded")],
                                            // Form-encoded, as the body's type says: OSS decodes it,
                                            // so a '+' or '%' in the process reaches it unchanged.
                                            body: .bytes(Array("x-oss-process=\(OSSPercentEncoding.encodeQueryComponent(full))".utf8)))
        return try await client.perform(operation, options: options) { response, _ throws(OSSError) in
            let bytes: [UInt8]
            do { bytes = try await response.body.collect(upTo: 1 << 20) } catch { throw Self.bodyError(error, received: 0, info: ObjectInfo(response)) }
            struct Answer: Decodable {
                var bucket: String?
                var object: String?
                var fileSize: Int64?
                var status: String?
            }
            guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(bytes)) else {
                throw .transport(TransportError(.other, "ProcessObject returned a body that is not JSON"))
            }
            return ProcessObjectResult(bucket: answer.bucket ?? destinationBucket, object: answer.object ?? targetKey,
                                       fileSize: answer.fileSize ?? 0, status: answer.status ?? "",
                                       requestId: response.header("x-oss-request-id"))
        }
    }

    /// `process|sys/saveas,o_<base64url(key)>,b_<base64url(bucket)>`.
    public static func saveAsProcess(_ process: String, key: String, bucket: String) -> String {
        "\(process)|sys/saveas,o_\(Base64URL.encode(Array(key.utf8))),b_\(Base64URL.encode(Array(bucket.utf8)))"
    }
}

/// Pages of ListObjectsV2, fetched lazily.
public struct ListObjectsV2Paginator: AsyncSequence, Sendable {
    public typealias Element = ListObjectsV2Page
    let bucket: OSSBucket
    let prefix: String?
    let delimiter: String?
    let maxKeys: Int?

    public struct AsyncIterator: AsyncIteratorProtocol {
        let paginator: ListObjectsV2Paginator
        var token: String?
        var done = false

        public mutating func next() async throws -> ListObjectsV2Page? {
            guard !done else { return nil }
            let page = try await paginator.bucket.listObjectsV2(prefix: paginator.prefix, delimiter: paginator.delimiter,
                                                               maxKeys: paginator.maxKeys, continuationToken: token)
            token = page.nextContinuationToken
            done = !page.isTruncated || token == nil
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(paginator: self) }
}

// MARK: Typed processes

extension OSSBucket {
    /// ``getObject(_:process:toFile:options:)`` with a typed process:
    /// `bucket.getObject("a.jpg", process: .circle(radius: 100).format(.png), toFile: "a.png")`.
    @discardableResult
    public func getObject(_ key: String, process: ImageProcess, toFile path: String,
                          options: GetObjectOptions = GetObjectOptions()) async throws(OSSError) -> ObjectInfo {
        try Self.validate(process)
        return try await getObject(key, process: process.description, toFile: path, options: options)
    }

    /// ``getObjectData(_:process:options:maximumSize:)`` with a typed process.
    public func getObjectData(_ key: String, process: ImageProcess, options: GetObjectOptions = GetObjectOptions(),
                              maximumSize: Int = 256 << 20) async throws(OSSError) -> (info: ObjectInfo, data: [UInt8]) {
        try Self.validate(process)
        return try await getObjectData(key, process: process.description, options: options, maximumSize: maximumSize)
    }

    /// ``presign(_:method:process:expiresIn:headers:responseOverrides:)`` with a typed process.
    public func presign(_ key: String, method: PresignMethod = .get, process: ImageProcess, expiresIn seconds: Int64 = 900,
                        headers: [String: String] = [:]) async throws(OSSError) -> PresignedURL {
        try Self.validate(process)
        return try await presign(key, method: method, process: process.description, expiresIn: seconds, headers: headers)
    }

    /// ``processObject(_:process:saveAs:targetBucket:options:)`` with a typed process.
    public func processObject(_ key: String, process: ImageProcess, saveAs targetKey: String, targetBucket: String? = nil,
                              options: RequestOptions = RequestOptions()) async throws(OSSError) -> ProcessObjectResult {
        var bare = process
        bare.saveAs = nil
        try Self.validate(bare)
        return try await processObject(key, process: bare.description, saveAs: targetKey, targetBucket: targetBucket, options: options)
    }

    static func validate(_ process: ImageProcess) throws(OSSError) {
        do { try process.validate() } catch { throw .invalidProcess(error) }
    }
}
