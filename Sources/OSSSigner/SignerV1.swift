import OSSCore
import OSSCrypto

/// OSS signature V1 (HMAC-SHA1), by header and by signed URL.
///
/// Kept for endpoints and tools that still speak it. Like ``SignerV4`` it is a pure value with an
/// injectable clock, and the local OSS verifies with the same code.
public struct SignerV1: Sendable {
    /// The query parameters V1 signs as sub-resources, as the official oss2 SDK lists them. Any
    /// other parameter is sent but not signed.
    public static let subresources: Set<String> = [
        "response-content-type", "response-content-language", "response-cache-control", "logging",
        "response-content-encoding", "acl", "uploadId", "uploads", "partNumber", "group", "link",
        "delete", "website", "location", "objectInfo", "objectMeta", "response-expires",
        "response-content-disposition", "cors", "lifecycle", "restore", "qos", "referer", "stat",
        "bucketInfo", "append", "position", "security-token", "live", "comp", "status", "vod",
        "startTime", "endTime", "x-oss-process", "symlink", "callback", "callback-var", "tagging",
        "encryption", "versions", "versioning", "versionId", "policy", "requestPayment",
        "x-oss-traffic-limit", "qosInfo", "asyncFetch", "x-oss-request-payer", "sequential",
        "inventory", "inventoryId", "continuation-token", "worm", "wormId", "wormExtend",
        "replication", "replicationLocation", "replicationProgress", "transferAcceleration", "cname",
        "metaQuery", "x-oss-ac-source-ip", "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id",
        "x-oss-ac-forward-allow", "resourceGroup", "style", "styleName", "x-oss-async-process",
        "regionList",
    ]

    /// Where "now" comes from when a signing call does not pass a time.
    public var clock: SigningClock

    /// A signer reading the system clock unless given another.
    public init(clock: @escaping SigningClock = SigningTime.now) {
        self.clock = clock
    }

    /// Signs by header: adds the security token, `date`, then `authorization`.
    public func signHeaders(_ request: SignableRequest, credentials: Credentials, at time: SigningTime? = nil) -> SignedRequest {
        let time = time ?? clock()
        var request = request
        request.headers = request.headers.map { HTTPHeaderField($0.name, $0.value.trimmingWhitespace(lineBreaks: false)) }
        if let token = credentials.securityToken {
            request.setHeader("x-oss-security-token", token)
        }
        request.setHeader("date", time.httpDate)
        let stringToSign = stringToSign(request, date: time.httpDate)
        let signature = signature(stringToSign: stringToSign, secret: credentials.accessKeySecret)
        let authorization = "OSS \(credentials.accessKeyId):\(signature)"
        request.setHeader("authorization", authorization)
        return SignedRequest(request: request, encodedQuery: request.encodedQuery(bareEmptyValues: false),
                             canonicalRequest: nil, stringToSign: stringToSign, signature: signature,
                             authorization: authorization)
    }

    /// Signs by URL: `OSSAccessKeyId`, `Expires` (absolute Unix time) and `Signature` in the query;
    /// the security token travels as the `security-token` parameter.
    public func presign(_ request: SignableRequest, credentials: Credentials, expiresIn: Int64? = nil,
                        at time: SigningTime? = nil) throws(SigningError) -> SignedRequest {
        let lifetime = expiresIn ?? SignerV4.defaultPresignSeconds
        guard lifetime >= 1 else { throw .invalidExpiry(seconds: lifetime, maximum: Int64.max) }
        let time = time ?? clock()
        let expires = String(time.unixSeconds + lifetime)
        var request = request
        request.headers = request.headers.map { HTTPHeaderField($0.name, $0.value.trimmingWhitespace(lineBreaks: false)) }
        if let token = credentials.securityToken {
            request.query.append(QueryItem("security-token", token))
        }
        let stringToSign = stringToSign(request, date: expires)
        let signature = signature(stringToSign: stringToSign, secret: credentials.accessKeySecret)
        request.query.append(QueryItem("OSSAccessKeyId", credentials.accessKeyId))
        request.query.append(QueryItem("Expires", expires))
        request.query.append(QueryItem("Signature", signature))
        return SignedRequest(request: request, encodedQuery: request.encodedQuery(bareEmptyValues: true),
                             canonicalRequest: nil, stringToSign: stringToSign, signature: signature,
                             authorization: nil)
    }

    /// `VERB\nContent-MD5\nContent-Type\nDate-or-Expires\n` + `x-oss-*` headers + resource.
    public func stringToSign(_ request: SignableRequest, date: String) -> String {
        var ossHeaders: [String: String] = [:]
        for field in request.headers {
            let name = field.name.lowercased()
            if name.hasPrefix("x-oss-") {
                ossHeaders[name] = field.value.trimmingWhitespace(lineBreaks: false)
            }
        }
        let headerLines = ossHeaders.keys.sorted().map { "\($0):\(ossHeaders[$0]!)\n" }.joined()
        return [request.method.uppercased(), request.header("Content-MD5") ?? "", request.header("Content-Type") ?? "", date]
            .joined(separator: "\n") + "\n" + headerLines + canonicalResource(request)
    }

    /// `/bucket/key` raw (not encoded), then the signed sub-resources sorted, bare when empty.
    public func canonicalResource(_ request: SignableRequest) -> String {
        var resource = "/"
        if let bucket = request.bucket {
            resource += bucket + "/" + (request.key ?? "")
        }
        let subresources = request.query
            .filter { Self.subresources.contains($0.name) }
            .sorted { $0.name < $1.name }
            .map { $0.value.isEmpty ? $0.name : "\($0.name)=\($0.value)" }
        if !subresources.isEmpty {
            resource += "?" + subresources.joined(separator: "&")
        }
        return resource
    }

    /// Base64 of HMAC-SHA1 over the string to sign.
    public func signature(stringToSign: String, secret: String) -> String {
        Base64.encode(Crypto.hmacSHA1(key: Array(secret.utf8), data: Array(stringToSign.utf8)))
    }
}
