import OSSCore
import OSSFileIO
import OSSSigner

/// From an operation to the code that serves it.
extension LocalOSSService {
    /// ``admit(_:now:)``, except that a request whose signature or key is refused for a bucket
    /// that does not exist answers 404 NoSuchBucket, as OSS does: the bucket is looked up first.
    /// Not for PutBucket and PutBucketAcl, which OSS refuses with the 403 (the official suites
    /// record both behaviours).
    @discardableResult
    func admitOrMissingBucket(_ request: ParsedRequest, now: SigningTime) async throws -> Authentication {
        do {
            return try admit(request, now: now)
        } catch let error where error.status == 403 {
            if !Self.refusedBeforeBucketLookup(request), let bucket = request.bucket, (try? Names.validateBucket(bucket)) != nil {
                let store = self.store
                if try await !BlockingIO.run({ try store.bucketExists(bucket) }) { throw ServiceError.noSuchBucket(bucket) }
            }
            throw error
        }
    }

    /// PutBucket and PutBucketAcl: a PUT on a bucket with no sub-resource but `acl`.
    static func refusedBeforeBucketLookup(_ request: ParsedRequest) -> Bool {
        guard request.key == nil, request.method == "PUT" else { return false }
        for item in request.query where SubResources.all.contains(item.name) && item.name != "acl" { return false }
        return true
    }

    func dispatch(_ operation: Operation, _ request: ParsedRequest, body: ByteChunks, capacity: Int64?) async throws -> ServiceResponse {
        switch operation {
        case .listBuckets:
            return try await listBuckets(request)
        case .putBucket:
            guard let bucket = request.bucket else { break }
            return try await putBucket(request, bucket: bucket, body: body)
        default:
            break
        }
        guard let bucket = request.bucket else { throw ServiceError.methodNotAllowed(request.method) }
        let store = self.store
        guard try await BlockingIO.run({ try store.bucketExists(bucket) }) else {
            throw ServiceError.noSuchBucket(bucket)
        }
        if let key = request.key {
            return try await dispatchObject(operation, request, bucket: bucket, key: key, body: body, capacity: capacity)
        }
        switch operation {
        case .listObjects: return try await listObjects(request, bucket: bucket)
        case .deleteBucket: return try await deleteBucket(bucket: bucket)
        case .getBucketAcl: return try await getBucketAcl(bucket: bucket)
        case .putBucketAcl: return try await putBucketAcl(request, bucket: bucket)
        case .listMultipartUploads: return try await listMultipartUploads(request, bucket: bucket)
        case .deleteMultipleObjects: return try await deleteMultipleObjects(request, bucket: bucket, body: body)
        case .listObjectVersions: return try await listObjectVersions(request, bucket: bucket)
        case .getBucketInfo: return try await getBucketInfo(request, bucket: bucket)
        case .getBucketLocation: return getBucketLocation()
        case .getBucketStat: return try await getBucketStat(bucket: bucket)
        case .getBucketVersioning: return getBucketVersioning()
        case .putBucketTags: return try await putBucketTags(bucket: bucket, body: body)
        case .getBucketTags: return try await getBucketTags(bucket: bucket)
        case .deleteBucketTags: return try await deleteBucketTags(request, bucket: bucket)
        case .putStyle: return try await putStyle(request, bucket: bucket, body: body)
        case .getStyle: return try await getStyle(request, bucket: bucket)
        case .listStyle: return try await listStyle(bucket: bucket)
        case .deleteStyle: return try await deleteStyle(request, bucket: bucket)
        default: throw ServiceError.methodNotAllowed(request.method)
        }
    }

    private func dispatchObject(_ operation: Operation, _ request: ParsedRequest, bucket: String, key: String, body: ByteChunks,
                                capacity: Int64?) async throws -> ServiceResponse {
        switch operation {
        case .getObject:
            return try await getObject(request, bucket: bucket, key: key)
        case .getObjectMeta:
            return try await getObjectMeta(request, bucket: bucket, key: key)
        case .putObject:
            let callback = try UploadCallback.parse(request)
            let response = try await putObject(request, bucket: bucket, key: key, body: try throttledUpload(body, request: request), capacity: capacity)
            guard let callback else { return response }
            let store = self.store
            guard let record = try await BlockingIO.run({ try store.open(bucket: bucket, key: key)?.record }) else { return response }
            return await callback.answer(for: self, bucket: bucket, record: record, request: request, response: response)
        case .deleteObject:
            try Self.checkVersion(request)
            let store = self.store
            try await BlockingIO.run { try store.delete(bucket: bucket, key: key) }
            return ServiceResponse(status: 204)
        case .processObject:
            return try await processObject(request, bucket: bucket, key: key, body: body, capacity: capacity)
        case .asyncProcessObject:
            return try await asyncProcessObject(request, bucket: bucket, key: key, body: body, capacity: capacity)
        case .copyObject: return try await copyObject(request, bucket: bucket, key: key, capacity: capacity)
        case .appendObject: return try await appendObject(request, bucket: bucket, key: key, body: body, capacity: capacity)
        case .putObjectAcl: return try await putObjectAcl(request, bucket: bucket, key: key)
        case .getObjectAcl: return try await getObjectAcl(request, bucket: bucket, key: key)
        case .putObjectTagging: return try await putObjectTagging(request, bucket: bucket, key: key, body: body)
        case .getObjectTagging: return try await getObjectTagging(request, bucket: bucket, key: key)
        case .deleteObjectTagging: return try await deleteObjectTagging(request, bucket: bucket, key: key)
        case .putSymlink: return try await putSymlink(request, bucket: bucket, key: key)
        case .getSymlink: return try await getSymlink(request, bucket: bucket, key: key)
        case .restoreObject: return try await restoreObject(request, bucket: bucket, key: key, body: body)
        case .initiateMultipartUpload: return try await initiateMultipartUpload(request, bucket: bucket, key: key)
        case .uploadPart: return try await uploadPart(request, bucket: bucket, key: key, body: body, capacity: capacity)
        case .uploadPartCopy: return try await uploadPartCopy(request, bucket: bucket, key: key, capacity: capacity)
        case .completeMultipartUpload: return try await completeMultipartUpload(request, bucket: bucket, key: key, body: body, capacity: capacity)
        case .abortMultipartUpload: return try await abortMultipartUpload(request, bucket: bucket, key: key)
        case .listParts: return try await listParts(request, bucket: bucket, key: key)
        default: throw ServiceError.methodNotAllowed(request.method)
        }
    }
}
