import OSSCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AsyncProcessObject: `POST /key?x-oss-async-process` with the form body
/// `x-oss-async-process=<process>|sys/saveas,b_<base64url>,o_<base64url>[/notify,topic_<base64url>]`.
///
/// OSS accepts the task, answers `{"EventId": …, "RequestId": …, "TaskId": …}` and saves the
/// result as the `sys/saveas` target when the task ends, telling the `notify` topic. This local
/// OSS runs the task before it answers, through the same path as ProcessObject (the same target
/// checks, the same image pool and limits, the same store): when the answer arrives the target is
/// saved, so a test reads it at once and never has to wait for a background task. Our choices,
/// where a local server cannot do what OSS does:
/// - a task that fails answers its error (400 with the EC, 404 for a missing source) instead of
///   a TaskId and a failure notification, so the caller learns why nothing was saved;
/// - a process the processor does not run (`video/…`, `doc/…`, `audio/…`: OSS hands them to IMM)
///   is the processor's 501 `NotImplemented`, and nothing is stored;
/// - `notify,topic_` is checked (URL-safe base64 of a name) and accepted, but no message is sent:
///   there is no message queue here, and the answer already means the task is done;
/// - the IDs are this server's own: `EventId` `000-` and the request's ID, `RequestId` a UUID,
///   `TaskId` `ImageProcess-` and a UUID. OSS documents no format for them.
extension LocalOSSService {
    static let asyncProcessField = "x-oss-async-process"

    func asyncProcessObject(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks, capacity: Int64?) async throws -> ServiceResponse {
        guard let value = try await Self.formValue(body, field: Self.asyncProcessField) else {
            // What OSS answers a body without the field (the Go SDK v2's recorded answer).
            throw ServiceError(status: 400, code: "InvalidRequest", message: "no x-oss-async-process parameter found", ec: "")
        }
        let process = try Self.withoutNotify(value)
        let saveAs = try SaveAsTarget.parse(process, defaultBucket: bucket, field: Self.asyncProcessField)
        _ = try await processAndSave(saveAs, bucket: bucket, key: key, capacity: capacity, field: Self.asyncProcessField)
        let json = "{\"EventId\":\"000-\(jsonEscape(request.requestId))\",\"RequestId\":\"\(UUID().uuidString)\","
            + "\"TaskId\":\"ImageProcess-\(UUID().uuidString.lowercased())\"}"
        return Self.jsonResponse(json)
    }

    /// The value without the `/notify,topic_…` that may follow its saveas stage; the topic must be
    /// the URL-safe base64 of a name, as OSS documents it.
    static func withoutNotify(_ value: String) throws(ServiceError) -> String {
        guard let saveAs = value.firstRange(of: "|sys/saveas,"), let notify = value[saveAs.upperBound...].firstRange(of: "/notify,") else {
            return value
        }
        var topic: String?
        for parameter in value[notify.upperBound...].split(separator: ",") where parameter.hasPrefix("topic_") {
            topic = Base64.decodeURLSafe(parameter.dropFirst(6).utf8).flatMap { String(validating: $0, as: UTF8.self) }
        }
        guard let topic, !topic.isEmpty else {
            throw .invalidArgument("notify needs topic_<the URL-safe base64 of the topic's name>.", name: "topic", value: String(value[notify.lowerBound...].prefix(256)))
        }
        return String(value[..<notify.lowerBound])
    }
}
