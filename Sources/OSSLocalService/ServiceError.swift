/// An OSS error as the service answers it: status, code, message, EC, and the extra fields some
/// codes carry.
///
/// EC values: those OSS documents per case are used as documented (for example `0026-00000001`
/// NoSuchKey, `0002-00000504` RequestTimeTooSkewed, `0040-00000233` a bad circle radius); the others
/// follow OSS's numbering scheme but are this server's best guesses, not documented values.
public struct ServiceError: Error, Sendable {
    /// The HTTP status.
    public var status: Int
    /// OSS's error code.
    public var code: String
    /// OSS's explanation.
    public var message: String
    /// OSS's numeric error code, such as `0026-00000001`.
    public var ec: String
    /// Extra elements, in order (`Key`, `BucketName`, `StringToSign`, `CanonicalRequest`, `ServerTime`...).
    public var details: [(String, String)]
    /// Extra response headers (for example `Retry-After`).
    public var headers: [(String, String)]

    /// An error answer; an empty EC is left out of the XML.
    public init(status: Int, code: String, message: String, ec: String, details: [(String, String)] = [], headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.ec = ec
        self.details = details
        self.headers = headers
    }

    static func noSuchBucket(_ bucket: String) -> ServiceError {
        ServiceError(status: 404, code: "NoSuchBucket", message: "The specified bucket does not exist.", ec: "0015-00000101", details: [("BucketName", bucket)])
    }

    static func noSuchKey(_ key: String) -> ServiceError {
        ServiceError(status: 404, code: "NoSuchKey", message: "The specified key does not exist.", ec: "0026-00000001", details: [("Key", key)])
    }

    static func invalidArgument(_ message: String, name: String? = nil, value: String? = nil, ec: String = "0016-00000001") -> ServiceError {
        var details: [(String, String)] = []
        if let name { details.append(("ArgumentName", name)) }
        if let value { details.append(("ArgumentValue", value)) }
        return ServiceError(status: 400, code: "InvalidArgument", message: message, ec: ec, details: details)
    }

    static func accessDenied(_ message: String, ec: String = "0003-00000001") -> ServiceError {
        ServiceError(status: 403, code: "AccessDenied", message: message, ec: ec)
    }

    static func invalidAccessKeyId(_ id: String) -> ServiceError {
        ServiceError(status: 403, code: "InvalidAccessKeyId", message: "The OSS Access Key Id you provided does not exist in our records.",
                     ec: "0002-00000902", details: [("OSSAccessKeyId", id)])
    }

    static func notImplemented(_ message: String) -> ServiceError {
        ServiceError(status: 501, code: "NotImplemented", message: message, ec: "0000-00000001")
    }

    /// The storage is full (`ENOSPC`, `EDQUOT`). OSS documents no such answer, since its storage
    /// does not fill up; this server's choice is 507 with code `InsufficientStorage` and its own EC
    /// `0000-00000004`, which the SDK's retry policy treats as final: re-sending the same body
    /// cannot succeed until someone frees space.
    static func insufficientStorage(key: String?) -> ServiceError {
        var details: [(String, String)] = []
        if let key { details.append(("Key", key)) }
        return ServiceError(status: 507, code: "InsufficientStorage",
                            message: "The local storage is full: the object was not stored, and any previous object under this key is unchanged.",
                            ec: "0000-00000004", details: details)
    }

    static func methodNotAllowed(_ method: String) -> ServiceError {
        ServiceError(status: 405, code: "MethodNotAllowed", message: "The specified method is not allowed against this resource.", ec: "0000-00000002",
                     details: [("Method", method)])
    }

    /// The XML body OSS sends.
    public func xml(requestId: String, hostId: String) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n"
        xml += "  <Code>\(XML.escape(code))</Code>\n"
        xml += "  <Message>\(XML.escape(message))</Message>\n"
        xml += "  <RequestId>\(XML.escape(requestId))</RequestId>\n"
        xml += "  <HostId>\(XML.escape(hostId))</HostId>\n"
        for (name, value) in details {
            xml += "  <\(name)>\(XML.escape(value))</\(name)>\n"
        }
        if !ec.isEmpty {
            xml += "  <EC>\(XML.escape(ec))</EC>\n"
            xml += "  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=\(XML.escape(ec))</RecommendDoc>\n"
        }
        xml += "</Error>\n"
        return xml
    }
}

/// XML text escaping for the few documents the service writes.
enum XML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default:
                // XML 1.0 cannot carry the other C0 controls, U+FFFE or U+FFFF, even as character
                // references (`&#0;` is refused by every conforming reader, the client's
                // included), so a name that holds one is shown with U+FFFD in its place.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
