// MARK: ProcessObject (sys/saveas)

extension OSSBucket {
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
        try client.caches.validateProcess(process)
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
            do {
                bytes = try await response.body.collect(upTo: 1 << 20)
            } catch {
                throw DownloadPipeline.bodyError(error, received: 0, info: ObjectInfo(response))
            }
            return try ResponseDecoders.processObjectResult(bytes, defaultBucket: destinationBucket, defaultKey: targetKey,
                                                            requestId: response.header("x-oss-request-id"))
        }
    }

    /// `process|sys/saveas,o_<base64url(key)>,b_<base64url(bucket)>`.
    public static func saveAsProcess(_ process: String, key: String, bucket: String) -> String {
        "\(process)|sys/saveas,o_\(Base64URL.encode(Array(key.utf8))),b_\(Base64URL.encode(Array(bucket.utf8)))"
    }
}
