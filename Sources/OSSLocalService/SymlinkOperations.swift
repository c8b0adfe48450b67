import OSSCore
import OSSCrypto
import OSSFileIO
import OSSSigner

/// PutSymlink and GetSymlink. A symlink is an object of type Symlink with no data whose record
/// names its target; GetObject and HeadObject through it answer with the target (404
/// SymlinkTargetNotExist when there is none). The target is resolved once: a symlink to a
/// symlink is not followed further.
extension LocalOSSService {
    func putSymlink(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        guard let raw = request.header("x-oss-symlink-target"), !raw.isEmpty else {
            throw ServiceError.invalidArgument("PutSymlink needs the x-oss-symlink-target header.", name: "x-oss-symlink-target", ec: "0026-00000011")
        }
        // OSS's SDKs send the target URL-encoded; a value that does not decode is taken as it is.
        let target = OSSPercentEncoding.decode(Substring(raw), plusIsSpace: false) ?? raw
        try Names.validateKey(target)
        var record = try uploadRecord(request, key: key)
        record.objectType = "Symlink"
        record.symlinkTarget = target
        record.etag = Crypto.md5(Array(target.utf8)).hexString.uppercased()
        record.crc64 = "0"
        let forbidOverwrite = request.header("x-oss-forbid-overwrite")?.trimmingWhitespace().lowercased() == "true"
        let store = self.store
        try await BlockingIO.run { [record] in
            let writer = try store.beginWrite()
            try store.commit(writer, bucket: bucket, record: record, forbidOverwrite: forbidOverwrite)
        }
        return ServiceResponse(status: 200, headers: [("ETag", record.quotedETag)])
    }

    func getSymlink(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        try Self.checkVersion(request)
        let store = self.store
        guard let record = try await BlockingIO.run({ try store.open(bucket: bucket, key: key)?.record }) else { throw ServiceError.noSuchKey(key) }
        guard record.objectType == "Symlink", let target = record.symlinkTarget else {
            throw ServiceError(status: 400, code: "NotSymlink", message: "The specified object is not a symlink.", ec: "0026-00000012",
                               details: [("Key", key)])
        }
        var headers: [(name: String, value: String)] = [("x-oss-symlink-target", OSSPercentEncoding.encodePath(target)), ("ETag", record.quotedETag),
                                                        ("Last-Modified", SigningTime(unixSeconds: record.lastModifiedSeconds).httpDate)]
        for (name, value) in record.userMetadata.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        return ServiceResponse(status: 200, headers: headers)
    }
}
