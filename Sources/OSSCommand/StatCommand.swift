import ArgumentParser
import OSS

struct Stat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stat",
        abstract: "Show what OSS stores about an object: size, ETag, CRC-64, type, times, storage class, metadata.",
        discussion: "One HeadObject request; each line is a field and its value, user metadata last (x-oss-meta-NAME).")

    @Argument(help: "oss://BUCKET/KEY") var object: OSSLocation
    @OptionGroup var options: ClientOptions

    /// The headers shown, by the name printed, in this order; a field OSS did not send is `-`.
    static let fields: [(label: String, header: String)] = [
        ("Size", "Content-Length"), ("ETag", "ETag"), ("CRC-64", "x-oss-hash-crc64ecma"), ("Content-Type", "Content-Type"),
        ("Last-Modified", "Last-Modified"), ("Object-Type", "x-oss-object-type"), ("Storage-Class", "x-oss-storage-class"),
        ("Content-MD5", "Content-MD5"), ("Version-Id", "x-oss-version-id"), ("Cache-Control", "Cache-Control"),
        ("Content-Disposition", "Content-Disposition"), ("Content-Encoding", "Content-Encoding"), ("Expires", "Expires"),
        ("Server-Side-Encryption", "x-oss-server-side-encryption"), ("Tagging-Count", "x-oss-tagging-count"),
        ("Restore", "x-oss-restore"), ("Request-Id", "x-oss-request-id"),
    ]

    func run() async throws {
        try await reportingErrors {
            let client = try await options.client()
            let key = try object.requireKey()
            let response = try await client.send(OSSRequest(operationName: "HeadObject", method: "HEAD", bucket: object.bucket, key: key),
                                                 maximumBodyBytes: 0)
            print("Object: oss://\(object.bucket)/\(key)")
            for (label, header) in Self.fields {
                guard let value = response.header(header) else { continue }
                let shown = header == "ETag" ? String(value.filter { $0 != "\"" }) : value
                print("\(label): \(shown)")
            }
            for field in response.headers where field.name.lowercased().hasPrefix("x-oss-meta-") {
                print("\(field.name.lowercased()): \(field.value)")
            }
        }
    }
}
