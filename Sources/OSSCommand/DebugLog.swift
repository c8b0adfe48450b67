import Logging

/// `--debug`: one line on stderr per request the client sends, through the client's swift-log
/// `Logger`, such as
/// `oss debug: GET examplebucket.host/key -> 200 in 3 ms, request id 5C3D…, attempt 1 (OSS request succeeded)`.
///
/// The client's log metadata names the operation, method, host, path, status, request id and
/// timing, never a header or a query, so no signature, token or secret reaches it. The handler
/// still cuts any query from the path and masks anything shaped like a credential, so that a
/// later field in the client's metadata cannot leak one through `--debug`.
struct DebugLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    let write: @Sendable (String) -> Void

    init(write: @escaping @Sendable (String) -> Void = writeStandardError) {
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        for (key, value) in event.metadata ?? [:] { fields[key] = value }
        write(Self.line(message: event.message.description, fields: fields.mapValues { "\($0)" }) + "\n")
    }

    /// The line for one log event: the request first, the other fields after it, in name order.
    static func line(message: String, fields: [String: String]) -> String {
        var fields = fields.mapValues(redacted)
        var line = "oss debug:"
        if let method = fields.removeValue(forKey: "http.method") { line += " " + method }
        let host = fields.removeValue(forKey: "http.host") ?? ""
        let path = (fields.removeValue(forKey: "http.path") ?? "").prefix { $0 != "?" }
        if !host.isEmpty || !path.isEmpty { line += " " + host + path }
        if let status = fields.removeValue(forKey: "http.status") { line += " -> " + status }
        if let duration = fields.removeValue(forKey: "duration_ms") { line += " in \(duration) ms" }
        if let requestId = fields.removeValue(forKey: "oss.request_id") { line += ", request id " + requestId }
        if let attempt = fields.removeValue(forKey: "oss.attempt") { line += ", attempt " + attempt }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { line += ", \(key) \(value)" }
        return line + " (\(message))"
    }

    /// The words that introduce a credential in a header or a query; what follows one, up to the
    /// next separator, is masked.
    static let credentialMarkers = ["signature=", "x-oss-signature=", "x-oss-security-token=", "security-token=",
                                    "authorization:", "accesskeysecret=", "ossaccesskeyid="]

    static func redacted(_ value: String) -> String {
        var result = ""
        var token = ""
        func flush() {
            let lowered = token.lowercased()
            if let marker = credentialMarkers.first(where: { lowered.hasPrefix($0) }) {
                result += token.prefix(marker.count) + "***"
            } else {
                result += token
            }
            token = ""
        }
        for character in value {
            if character == "&" || character == "," || character == " " || character == ";" || character == "?" {
                flush()
                result.append(character)
            } else {
                token.append(character)
            }
        }
        flush()
        return result
    }
}
