#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Success bodies to types: the XML and JSON OSS answers with, read into the SDK's values. A body
/// that cannot be read is an ``OSSError/Kind/responseParse`` error naming the operation and what
/// was wrong, never a transport error: the bytes arrived, they are not what OSS sends.
enum ResponseDecoders {
    /// A `ListBucketResult` (ListObjectsV2, `encoding-type=url`).
    static func listObjectsV2Page(_ bytes: [UInt8], requestId: String?) throws(OSSError) -> ListObjectsV2Page {
        guard let tree = XMLTree.parse(bytes) else {
            throw .responseParse(ResponseParseError(operation: "ListObjectsV2", problem: "the body is not well-formed XML", requestId: requestId))
        }
        guard tree.name == "ListBucketResult" else {
            throw .responseParse(ResponseParseError(operation: "ListObjectsV2",
                                                    problem: "the root element is <\(tree.name.prefix(64))>, not <ListBucketResult>",
                                                    requestId: requestId))
        }
        let encoded = tree.value("EncodingType") == "url"
        func decode(_ text: String) -> String {
            encoded ? OSSPercentEncoding.decode(Substring(text), plusIsSpace: false) ?? text : text
        }
        let objects = tree.children("Contents").map { item in
            ObjectSummary(key: decode(item.value("Key") ?? ""), size: Int64(item.value("Size") ?? "") ?? 0,
                          etag: (item.value("ETag") ?? "").unquoted,
                          lastModified: item.value("LastModified") ?? "", storageClass: item.value("StorageClass"))
        }
        let prefixes = tree.children("CommonPrefixes").compactMap { $0.value("Prefix") }.map(decode)
        return ListObjectsV2Page(objects: objects, commonPrefixes: prefixes, isTruncated: tree.value("IsTruncated") == "true",
                                 nextContinuationToken: tree.value("NextContinuationToken"),
                                 keyCount: Int(tree.value("KeyCount") ?? "") ?? objects.count + prefixes.count,
                                 requestId: requestId)
    }

    /// The JSON answer of a ProcessObject with `sys/saveas`; missing fields fall back to what was asked.
    static func processObjectResult(_ bytes: [UInt8], defaultBucket: String, defaultKey: String,
                                    requestId: String?) throws(OSSError) -> ProcessObjectResult {
        struct Answer: Decodable {
            var bucket: String?
            var object: String?
            var fileSize: Int64?
            var status: String?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(bytes)) else {
            throw .responseParse(ResponseParseError(operation: "ProcessObject", problem: "the body is not a JSON object of bucket, object, fileSize and status",
                                                    requestId: requestId))
        }
        return ProcessObjectResult(bucket: answer.bucket ?? defaultBucket, object: answer.object ?? defaultKey,
                                   fileSize: answer.fileSize ?? 0, status: answer.status ?? "", requestId: requestId)
    }

    /// The JSON answer of an AsyncProcessObject, `{"EventId": …, "RequestId": …, "TaskId": …}`; a
    /// field left out is empty, a body that is not a JSON object is a parse error.
    static func asyncProcessObjectResult(_ bytes: [UInt8], requestId: String?) throws(OSSError) -> AsyncProcessObjectResult {
        struct Answer: Decodable {
            var eventId: String?
            var requestId: String?
            var taskId: String?
            enum CodingKeys: String, CodingKey {
                case eventId = "EventId", requestId = "RequestId", taskId = "TaskId"
            }
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(bytes)) else {
            throw .responseParse(ResponseParseError(operation: "AsyncProcessObject", problem: "the body is not a JSON object of EventId, RequestId and TaskId",
                                                    requestId: requestId))
        }
        return AsyncProcessObjectResult(eventId: answer.eventId ?? "", taskId: answer.taskId ?? "", processRequestId: answer.requestId ?? "",
                                        requestId: requestId)
    }

    /// An error answer: the XML body (or `x-oss-err` on HEAD), with a code from the status when
    /// the body has none. Signing strings are kept for a `SignatureDoesNotMatch` diff, with the
    /// security token redacted from both sides.
    static func serverError(status: Int, xml: [UInt8], requestIdHeader: String?, ecHeader: String?, isObjectRequest: Bool,
                            signing: SignedRequest?) -> ServerError {
        let tree = XMLTree.parse(xml)
        let fallbackCode: String
        switch status {
        case 404: fallbackCode = isObjectRequest ? "NoSuchKey" : "NoSuchBucket"
        case 403: fallbackCode = "AccessDenied"
        case 304: fallbackCode = "NotModified"
        case 412: fallbackCode = "PreconditionFailed"
        default: fallbackCode = "HTTP\(status)"
        }
        let token = signing?.request.header("x-oss-security-token")
        func redact(_ text: String?) -> String? {
            guard let text, let token, !token.isEmpty else { return text }
            return text.replacing(token, with: "<redacted security token>")
                .replacing(OSSPercentEncoding.encodeQueryComponent(token), with: "<redacted security token>")
        }
        let isSignatureMismatch = tree?.value("Code") == "SignatureDoesNotMatch"
        return ServerError(
            status: status,
            code: OSSErrorCode(rawValue: tree?.value("Code") ?? fallbackCode),
            message: tree?.value("Message") ?? "HTTP \(status) with no error body",
            requestId: tree?.value("RequestId") ?? requestIdHeader,
            hostId: tree?.value("HostId"),
            ec: tree?.value("EC") ?? ecHeader,
            serverStringToSign: redact(tree?.value("StringToSign")),
            serverCanonicalRequest: redact(tree?.value("CanonicalRequest")),
            clientStringToSign: isSignatureMismatch ? redact(signing?.stringToSign) : nil,
            clientCanonicalRequest: isSignatureMismatch ? redact(signing?.canonicalRequest) : nil,
            serverTime: tree?.value("ServerTime"))
    }
}
