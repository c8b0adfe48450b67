// MARK: ProcessObject (sys/saveas)

extension OSSBucket {
    /// Runs a process on an object and saves the result as another object (`sys/saveas`), without
    /// downloading anything. `targetBucket` defaults to this bucket.
    public func processObject(_ key: String, process: String, saveAs targetKey: String, targetBucket: String? = nil,
                              options: RequestOptions = RequestOptions()) async throws(OSSError) -> ProcessObjectResult {
        let (full, destinationBucket) = try checkedSaveAs(key, process: process, targetKey: targetKey, targetBucket: targetBucket)
        let (bytes, requestId) = try await postProcessForm(key, operation: "ProcessObject", field: "x-oss-process", value: full, options: options)
        return try ResponseDecoders.processObjectResult(bytes, defaultBucket: destinationBucket, defaultKey: targetKey, requestId: requestId)
    }

    /// The source key, target and process checked as ProcessObject and AsyncProcessObject both
    /// check them before sending, and the process with its saveas stage; the target's bucket.
    func checkedSaveAs(_ key: String, process: String, targetKey: String, targetBucket: String?) throws(OSSError)
        -> (process: String, bucket: String) {
        try validate(key)
        try OSSValidation.validateObjectKey(targetKey)
        let destinationBucket = targetBucket ?? name
        try OSSValidation.validateBucketName(destinationBucket)
        guard !process.isEmpty, !process.contains("|sys/") else {
            throw .invalidArgument(parameter: "process", reason: "pass the process alone; the saveas suffix is added from targetKey.")
        }
        try client.caches.validateProcess(process)
        return (Self.saveAsProcess(process, key: targetKey, bucket: destinationBucket), destinationBucket)
    }

    /// `POST key?FIELD` with the form body `FIELD=value`, as ProcessObject and AsyncProcessObject
    /// send it; the answer's body (at most 1 MiB) and request ID.
    func postProcessForm(_ key: String, operation name: String, field: String, value: String,
                         options: RequestOptions) async throws(OSSError) -> (body: [UInt8], requestId: String?) {
        let operation = OSSClient.Operation(name: name, method: "POST", bucket: self.name, key: key,
                                            query: [QueryItem(field)],
                                            // Signed explicitly, so no transport can add an unsigned one.
                                            headers: [HTTPHeaderField("Content-Type", "application/x-www-form-urlencoded")],
                                            // Form-encoded, as the body's type says: OSS decodes it,
                                            // so a '+' or '%' in the process reaches it unchanged.
                                            body: .bytes(Array("\(field)=\(OSSPercentEncoding.encodeQueryComponent(value))".utf8)))
        return try await client.perform(operation, options: options) { response, _ throws(OSSError) in
            do {
                return (try await response.body.collect(upTo: 1 << 20), response.header("x-oss-request-id"))
            } catch {
                throw DownloadPipeline.bodyError(error, received: 0, info: ObjectInfo(response))
            }
        }
    }

    /// `process|sys/saveas,o_<base64url(key)>,b_<base64url(bucket)>`.
    public static func saveAsProcess(_ process: String, key: String, bucket: String) -> String {
        "\(process)|sys/saveas,o_\(Base64URL.encode(Array(key.utf8))),b_\(Base64URL.encode(Array(bucket.utf8)))"
    }
}
