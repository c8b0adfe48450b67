import OSSCrypto
import OSSFileIO
import OSSHTTP

// MARK: GetObject: to a file, into memory, as a stream

extension OSSBucket {
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
    /// link) is refused with an ``OSSError/Kind/invalidArgument`` error before anything is
    /// sent: a rename would replace it with a regular file. For bytes to a pipe or a device, use
    /// ``getObjectStream(_:process:options:)``. A disk that fails while the download is written
    /// is an ``OSSError/Kind/io`` error naming `path`.
    ///
    /// A redirect (3xx) is an error, not an object. With `ifNoneMatch` or `ifModifiedSince`, OSS
    /// answers 304 when the local copy is current: the call then returns an ``ObjectInfo`` whose
    /// `status` is 304 and leaves `path` untouched. A 304 no condition asked for is an error.
    @discardableResult
    public func getObject(_ key: String, process: String? = nil, toFile path: String,
                          options: GetObjectOptions = GetObjectOptions()) async throws(OSSError) -> ObjectInfo {
        try await Self.validateDestination(path)
        let operation = try getOperation(key, process: process, options: options)
        let checkCRC = process == nil && options.range == nil
        return try await client.perform(operation, options: options.request) { response, _ throws(OSSError) in
            let info = ObjectInfo(response)
            if response.status == 304 { return info }
            return try await DownloadPipeline.receive(response, info: info, to: path,
                                                      checkCRC: checkCRC && response.header("Content-Encoding") == nil,
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
                throw DownloadPipeline.bodyError(error, received: Int64(data.count), info: info)
            }
            try DownloadPipeline.verify(received: Int64(data.count), crc: crc.value, info: info,
                                        checkCRC: checkCRC && response.header("Content-Encoding") == nil)
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

    /// The GET of `key` with the options' query and conditional headers; HEAD reuses it.
    func getOperation(_ key: String, process: String?, options: GetObjectOptions) throws(OSSError) -> OSSClient.Operation {
        try validate(key)
        var query: [QueryItem] = []
        if let process {
            try client.caches.validateProcess(process)
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

    /// Runs blocking file-system work off the caller's task: ``BlockingIO/run(_:)`` unless a test
    /// passes another.
    typealias Offload = @Sendable (@escaping @Sendable () -> OSSError?) async -> OSSError?

    /// ``BlockingIO``, for ``validateDestination(_:offload:)``.
    static let blockingIO: Offload = { body in (try? await BlockingIO.run(body)) ?? nil }

    /// The destination rules of ``getObject(_:process:toFile:options:)``, checked before anything
    /// is sent. Metadata calls only (`lstat`, `realpath`), no file is opened; they still wait on
    /// the disk (a slow or network file system, a cold cache), so they run through `offload`,
    /// never on the caller's task, which belongs to Swift's cooperative pool.
    static func validateDestination(_ path: String, offload: Offload = blockingIO) async throws(OSSError) {
        guard !path.isEmpty else { throw .invalidArgument(parameter: "destination", reason: "the file path is empty.") }
        if let problem = await offload({ examineDestination(path) }) { throw problem }
    }

    /// What is wrong with `path` as a download destination, if anything. Blocks on the file
    /// system: call it through ``BlockingIO``.
    static func examineDestination(_ path: String) -> OSSError? {
        if (try? FileStatus.of(path))??.isDirectory == true {
            return .invalidArgument(parameter: "destination", reason: "\(path) is a folder.")
        }
        let target: String
        do {
            target = try AtomicFileWriter.replaceableTarget(of: path)
        } catch {
            return DownloadPipeline.destinationError(error, path: path, while: "examining")
        }
        let directory = AtomicFileWriter.directoryOf(target)
        guard (try? FileStatus.of(directory))??.isDirectory == true else {
            return .invalidArgument(parameter: "destination", reason: "the folder \(directory) does not exist.")
        }
        return nil
    }
}
