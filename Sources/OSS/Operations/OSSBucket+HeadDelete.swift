// MARK: HeadObject, DeleteObject

extension OSSBucket {
    /// The object's metadata, without its body.
    public func headObject(_ key: String, options: GetObjectOptions = GetObjectOptions()) async throws(OSSError) -> ObjectInfo {
        var operation = try getOperation(key, process: nil, options: options)
        operation.name = "HeadObject"
        operation.request.method = "HEAD"
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
}
