import OSSCrypto
import OSSFileIO
import OSSHTTP

// MARK: PutObject

extension OSSBucket {
    /// Uploads bytes, with `Content-MD5`, and checks the CRC-64 OSS computed.
    @discardableResult
    public func putObject(_ key: String, data: [UInt8], options: PutObjectOptions = PutObjectOptions()) async throws(OSSError) -> ObjectInfo {
        try validate(key)
        var crc = CRC64()
        crc.update(data)
        return try await put(key, body: .bytes(data), md5: Crypto.md5(data), crc: crc.value, options: options)
    }

    /// Uploads a file, streamed from disk (never held in memory), with `Content-MD5` and a CRC-64
    /// check. A file that cannot be read is an ``OSSError/Kind/io`` error naming `path`.
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
            throw DownloadPipeline.destinationError(error, path: path, while: "reading")
        }
        guard digests.0 <= 5 << 30 else {
            throw .invalidArgument(parameter: "file", reason: "\(path) is larger than 5 GiB, the PutObject limit; use a multipart upload.")
        }
        return try await put(key, body: .file(path: path, offset: 0, length: digests.0), md5: digests.1, crc: digests.2, options: options)
    }

    func put(_ key: String, body: HTTPRequestBody, md5: [UInt8], crc: UInt64, options: PutObjectOptions) async throws(OSSError) -> ObjectInfo {
        var headers = [HTTPHeaderField("Content-Type", options.contentType ?? MediaTypes.guess(forKey: key)),
                       HTTPHeaderField("Content-MD5", Base64.encode(md5))]
        for (name, value) in options.metadata.sorted(by: { $0.key < $1.key }) {
            headers.append(HTTPHeaderField("x-oss-meta-\(name.lowercased())", value))
        }
        for (name, value) in options.headers.sorted(by: { $0.key < $1.key }) {
            headers.append(HTTPHeaderField(name, value))
        }
        var operation = OSSClient.Operation(name: "PutObject", method: "PUT", bucket: name, key: key, headers: headers, body: body)
        operation.uploadProgress = Self.uploadProgress(options.progress, total: body.length)
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

    /// The transport's count of bytes sent, as a ``ProgressHandler`` call with the body's length.
    static func uploadProgress(_ progress: ProgressHandler?, total: Int64) -> UploadProgressHandler? {
        guard let progress else { return nil }
        return { @Sendable sent in progress(sent, total) }
    }
}
