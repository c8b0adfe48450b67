// MARK: AsyncProcessObject (x-oss-async-process)

extension OSSBucket {
    /// Submits a process as a task (`POST /key?x-oss-async-process`) and returns as soon as OSS
    /// accepts it: for work too long to wait for in one request (document conversion, video
    /// transcoding), whose result OSS saves as `targetKey`. The SDK builds the
    /// `|sys/saveas,o_…,b_…` suffix, and `/notify,topic_…` when `notifyTopic` names the SMQ (MNS)
    /// topic that hears when the task ends: the answer carries only the task's IDs, never its
    /// result. `targetBucket` defaults to this bucket.
    ///
    /// The process is checked as ``processObject(_:process:saveAs:targetBucket:options:)-(_,String,_,_,_)``
    /// checks it, before anything is sent: it may not be empty or carry a `|sys/` stage of its
    /// own, and an image action OSS documents an error for (`image/circle,r_0`) is an
    /// ``OSSError/invalidProcess(_:)``. `video/…`, `doc/…` and `audio/…` go as written; the
    /// service is the authority on them.
    ///
    /// - Parameters:
    ///   - key: The source object.
    ///   - process: The process alone, without `|sys/saveas`.
    ///   - targetKey: The key OSS saves the result as.
    ///   - targetBucket: The bucket OSS saves the result in; this bucket when nil.
    ///   - notifyTopic: The SMQ topic's name (not encoded), or nil for no notification.
    ///   - options: Per-request options.
    public func asyncProcessObject(_ key: String, process: String, saveAs targetKey: String, targetBucket: String? = nil,
                                   notifyTopic: String? = nil,
                                   options: RequestOptions = RequestOptions()) async throws(OSSError) -> AsyncProcessObjectResult {
        var full = try checkedSaveAs(key, process: process, targetKey: targetKey, targetBucket: targetBucket).process
        if let notifyTopic {
            guard !notifyTopic.trimmingWhitespace().isEmpty else {
                throw .invalidArgument(parameter: "notifyTopic", reason: "the topic name is empty; pass nil for no notification.")
            }
            full += Self.notifySuffix(topic: notifyTopic)
        }
        return try await sendAsyncProcess(key, full, options: options)
    }

    /// ``asyncProcessObject(_:process:saveAs:targetBucket:notifyTopic:options:)-(_,String,_,_,_,_)``
    /// with a typed process; a `saveAs` set on it is replaced by `targetKey` and `targetBucket`.
    ///
    /// - Parameters:
    ///   - key: The source object.
    ///   - process: The typed process.
    ///   - targetKey: The key OSS saves the result as.
    ///   - targetBucket: The bucket OSS saves the result in; this bucket when nil.
    ///   - notifyTopic: The SMQ topic's name (not encoded), or nil for no notification.
    ///   - options: Per-request options.
    public func asyncProcessObject(_ key: String, process: ImageProcess, saveAs targetKey: String, targetBucket: String? = nil,
                                   notifyTopic: String? = nil,
                                   options: RequestOptions = RequestOptions()) async throws(OSSError) -> AsyncProcessObjectResult {
        var bare = process
        bare.saveAs = nil
        try Self.validate(bare)
        return try await asyncProcessObject(key, process: bare.description, saveAs: targetKey, targetBucket: targetBucket,
                                            notifyTopic: notifyTopic, options: options)
    }

    /// Submits a whole `x-oss-async-process` value as written, for a process the typed call does
    /// not build (a templated target such as `o_<base64url("out/{index}.png")>`, options after
    /// `notify`): the text is sent byte for byte, form-encoded. Only what the other calls also
    /// refuse is refused before sending: an empty process, and an image action OSS documents an
    /// error for. Whether the `|sys/saveas` OSS requires is there is left to the service.
    ///
    /// - Parameters:
    ///   - key: The source object.
    ///   - rawProcess: The full value, `process|sys/saveas,b_…,o_…[/notify,topic_…]`.
    ///   - options: Per-request options.
    public func asyncProcessObject(_ key: String, rawProcess: String,
                                   options: RequestOptions = RequestOptions()) async throws(OSSError) -> AsyncProcessObjectResult {
        try validate(key)
        try client.caches.validateProcess(rawProcess)
        return try await sendAsyncProcess(key, rawProcess, options: options)
    }

    /// `/notify,topic_<base64url(topic)>`, which follows the saveas stage.
    static func notifySuffix(topic: String) -> String {
        "/notify,topic_\(Base64URL.encode(Array(topic.utf8)))"
    }

    private func sendAsyncProcess(_ key: String, _ value: String, options: RequestOptions) async throws(OSSError) -> AsyncProcessObjectResult {
        let (bytes, requestId) = try await postProcessForm(key, operation: "AsyncProcessObject", field: "x-oss-async-process", value: value, options: options)
        return try ResponseDecoders.asyncProcessObjectResult(bytes, requestId: requestId)
    }
}
