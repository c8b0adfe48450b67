#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One bucket of a client. Its methods mirror the OSS documentation's samples:
///
/// ```swift
/// let bucket = client.bucket("examplebucket")
/// try await bucket.getObject("example.jpg", process: "image/circle,r_100", toFile: "dest.jpg")
/// ```
///
/// The operations live one family a file: `OSSBucket+Get` (downloads), `+Put`, `+HeadDelete`,
/// `+List`, `+Presign`, `+Process` (save-as), `+AsyncProcess` (tasks) and `+TypedProcess`; the download pipeline
/// (`DownloadPipeline`, `DownloadSink`) and the response decoders (`ResponseDecoders`) apart.
public struct OSSBucket: Sendable {
    /// The client that signs and sends.
    public let client: OSSClient
    /// The bucket name, validated on each call.
    public let name: String

    /// A handle; nothing is sent until an operation is called.
    public init(client: OSSClient, name: String) {
        self.client = client
        self.name = name
    }

    /// The bucket name and the key, by OSS's naming rules.
    func validate(_ key: String) throws(OSSError) {
        try OSSValidation.validateBucketName(name)
        try OSSValidation.validateObjectKey(key)
    }

    /// A process is refused before sending only where OSS documents an error for that exact
    /// input (`image/circle,r_0`: EC 0040-00000233), with the action, the parameter and the EC.
    /// Everything else goes on the wire as written, byte for byte: unknown actions and
    /// parameters, empty segments, pipes, `video/` and `style/`; the service is the authority.
    static func validateProcess(_ process: String) throws(OSSError) {
        guard !process.trimmingWhitespace().isEmpty else {
            throw .invalidArgument(parameter: "process", reason: "the process is empty; pass nil for the original object.")
        }
        if let refusal = ImageProcess.refusal(for: process) { throw .invalidProcess(refusal) }
    }

    /// `Date` as an HTTP date, for the conditional headers.
    static func httpDate(_ date: Date) -> String {
        SigningTime(unixSeconds: Int64(date.timeIntervalSince1970.rounded(.down))).httpDate
    }
}
