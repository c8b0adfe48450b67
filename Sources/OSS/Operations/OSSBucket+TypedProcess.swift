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
                        headers: [String: String] = [:],
                        responseOverrides: ResponseHeaderOverrides = ResponseHeaderOverrides()) async throws(OSSError) -> PresignedURL {
        try Self.validate(process)
        return try await presign(key, method: method, process: process.description, expiresIn: seconds, headers: headers,
                                 responseOverrides: responseOverrides)
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
