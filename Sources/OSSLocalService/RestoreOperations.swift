import OSSCore
import OSSFileIO
import OSSSigner

/// Storage classes and RestoreObject.
///
/// An object of a cold class (Archive, ColdArchive, DeepColdArchive) cannot be read until it is
/// restored: GET answers 403 InvalidObjectState. RestoreObject answers 202 and the restore
/// completes after ``LocalOSSConfiguration/restoreDelay`` (a few seconds by default, where OSS
/// takes minutes to hours); asked again meanwhile it answers 409 RestoreAlreadyInProgress, and
/// once done 200 (the restored copy's life is extended). `x-oss-restore` on HEAD and GET tells the
/// state: `ongoing-request="true"`, then `ongoing-request="false", expiry-date="..."`.
extension LocalOSSService {
    /// The `x-oss-restore` value of a record, nil when it has no restore or it expired.
    func restoreHeader(_ record: ObjectRecord, now: SigningTime) -> String? {
        guard let restore = record.restore, now.unixSeconds * 1000 < restore.expiresAtMilliseconds else { return nil }
        if now.unixSeconds * 1000 < restore.readyAtMilliseconds { return "ongoing-request=\"true\"" }
        return "ongoing-request=\"false\", expiry-date=\"\(SigningTime(unixSeconds: restore.expiresAtMilliseconds / 1000).httpDate)\""
    }

    /// Refuses to read a cold object that is not restored.
    func checkReadable(_ record: ObjectRecord, now: SigningTime) throws(ServiceError) {
        guard record.isCold else { return }
        let ms = now.unixSeconds * 1000
        if let restore = record.restore, ms >= restore.readyAtMilliseconds, ms < restore.expiresAtMilliseconds { return }
        throw ServiceError(status: 403, code: "InvalidObjectState", message: "The operation is not valid for the object's state",
                           ec: "0026-00000008", details: [("Key", record.key)])
    }

    func restoreObject(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks) async throws -> ServiceResponse {
        try Self.checkVersion(request)
        let bytes = try await body.collect(limit: 64 << 10)
        var days = 1
        var tier: String?
        if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let document = try RequestXML.parse(bytes, root: "RestoreRequest")
            if let text = document.trimmedValue("Days") {
                guard let value = Int(text), (1...365).contains(value) else {
                    throw ServiceError.invalidArgument("Days must be an integer between 1 and 365.", name: "Days", value: String(text.prefix(32)), ec: "0016-00000302")
                }
                days = value
            }
            tier = document.child("JobParameters")?.trimmedValue("Tier") ?? document.trimmedValue("Tier")
            if let value = tier, !["Expedited", "Standard", "Bulk"].contains(value) {
                throw ServiceError.invalidArgument("Tier must be Expedited, Standard or Bulk.", name: "Tier", value: value, ec: "0016-00000303")
            }
        }
        let now = configuration.clock().unixSeconds * 1000
        let delay = Int64(configuration.restoreDelay.components.seconds * 1000 + configuration.restoreDelay.components.attoseconds / 1_000_000_000_000_000)
        let store = self.store
        let status: Int = try await BlockingIO.run { [tier, days] in
            var answer = 202
            try store.rewriteRecord(bucket: bucket, key: key) { record in
                guard record.isCold else {
                    throw ServiceError(status: 400, code: "OperationNotSupported", message: "The operation is not supported for this resource.",
                                       ec: "0016-00000702", details: [("Key", key)])
                }
                if let restore = record.restore, now < restore.expiresAtMilliseconds {
                    if now < restore.readyAtMilliseconds {
                        throw ServiceError(status: 409, code: "RestoreAlreadyInProgress", message: "The restore operation is in progress.",
                                           ec: "0016-00000703", details: [("Key", key)])
                    }
                    record.restore?.expiresAtMilliseconds = now + Int64(days) * 86_400_000
                    answer = 200
                    return
                }
                record.restore = RestoreState(readyAtMilliseconds: now + delay, expiresAtMilliseconds: now + delay + Int64(days) * 86_400_000, tier: tier)
            }
            return answer
        }
        var headers: [(name: String, value: String)] = []
        if let tier { headers.append(("x-oss-object-restore-priority", tier)) }
        return ServiceResponse(status: status, headers: headers)
    }
}
