import OSSCore
import OSSSigner

/// The keys a local OSS accepts: one access key pair, with an STS token when the keys are
/// temporary (then every request must carry that token).
public struct ServiceCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The accepted access key ID.
    public var accessKeyId: String
    /// Its secret; kept out of every description.
    public var accessKeySecret: String
    /// The STS token requests must carry, if any; kept out of every description.
    public var securityToken: String?

    /// Keys a local OSS accepts.
    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The keys as `Credentials` print them: the access key ID masked, the secret and token redacted.
    public var description: String {
        Credentials(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret, securityToken: securityToken).description
    }
}

extension ServiceCredentials: CustomDebugStringConvertible, CustomReflectable {
    /// The same as the description, so that `debugPrint` cannot show the secret either.
    public var debugDescription: String { description }

    /// What `dump()` shows: masked and redacted like the description.
    public var customMirror: Mirror {
        Credentials(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret, securityToken: securityToken).customMirror
    }
}

/// The request, parsed: bucket, key and query decoded from the target.
struct ParsedRequest: Sendable {
    var method: String
    var bucket: String?
    var key: String?
    var query: [QueryItem]
    var headers: [HTTPHeaderField]
    /// The body, pulled as the operation reads it.
    var body: ByteChunks = .empty
    /// The `x-oss-request-id` the reply will carry.
    var requestId: String = ""

    var signable: SignableRequest {
        SignableRequest(method: method, bucket: bucket, key: key, query: query, headers: headers)
    }

    func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }
    func hasQuery(_ name: String) -> Bool { query.contains { $0.name == name } }
    func header(_ name: String) -> String? { headers.value(forHeader: name) }
}

/// How a request proved who sent it.
enum Authentication: Sendable, Equatable {
    case anonymous
    case signed
}

/// Verifies the four OSS signature forms (V4 header, V4 query, V1 header, V1 URL) with the very
/// signer the client uses, and answers the way OSS does when they fail.
struct RequestAuthenticator: Sendable {
    var accepted: [ServiceCredentials]
    var region: String
    /// How far a signed time may be from the server clock: 15 minutes, as OSS allows.
    var allowedSkewSeconds: Int64 = 15 * 60

    init(credentials: [ServiceCredentials], region: String) {
        accepted = credentials
        self.region = region
    }

    private func credentials(for id: some StringProtocol) throws(ServiceError) -> ServiceCredentials {
        guard let found = accepted.first(where: { $0.accessKeyId == id }) else { throw .invalidAccessKeyId(String(id)) }
        return found
    }

    func authenticate(_ request: ParsedRequest, now: SigningTime) throws(ServiceError) -> Authentication {
        if let authorization = request.header("Authorization") {
            if authorization.hasPrefix(SignerV4.algorithm + " ") {
                try verifyV4Header(request, authorization: authorization, now: now)
            } else if authorization.hasPrefix("OSS ") {
                try verifyV1Header(request, authorization: authorization, now: now)
            } else {
                throw .invalidArgument("Authorization header is invalid.", name: "Authorization", ec: "0002-00000001")
            }
            return .signed
        }
        if request.hasQuery("x-oss-signature") || request.hasQuery("x-oss-signature-version") || request.hasQuery("x-oss-credential") {
            try verifyV4Query(request, now: now)
            return .signed
        }
        if request.hasQuery("Signature") || request.hasQuery("OSSAccessKeyId") {
            try verifyV1Query(request, now: now)
            return .signed
        }
        return .anonymous
    }

    // MARK: V4

    private func verifyV4Header(_ request: ParsedRequest, authorization: String, now: SigningTime) throws(ServiceError) {
        var fields: [String: String] = [:]
        for part in authorization.dropFirst(SignerV4.algorithm.count + 1).split(separator: ",") {
            let trimmedPart = part.drop { $0 == " " }
            guard let equals = trimmedPart.firstIndex(of: "=") else { continue }
            fields[String(trimmedPart[..<equals])] = String(trimmedPart[trimmedPart.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let provided = fields["Signature"] else {
            throw .invalidArgument("Authorization header is invalid: Credential and Signature are required.", name: "Authorization", ec: "0002-00000001")
        }
        // OSS never hashes the body for V4: it accepts only UNSIGNED-PAYLOAD here and refuses any
        // other value, a correct digest included, before the signature is looked at.
        if let payload = request.header("x-oss-content-sha256"), payload.trimmingWhitespace(lineBreaks: false) != SignerV4.unsignedPayload {
            throw .invalidArgument("The x-oss-content-sha256 only supports UNSIGNED-PAYLOAD.", name: "x-oss-content-sha256",
                                   value: String(payload.prefix(128)), ec: "0002-00000214")
        }
        guard let dateText = request.header("x-oss-date"), let time = SigningTime(iso8601Basic: dateText) else {
            throw .accessDenied("x-oss-date header is missing or malformed.", ec: "0002-00000017")
        }
        try checkSkew(time, now: now)
        let additional = (fields["AdditionalHeaders"] ?? "").split(separator: ";").map { $0.lowercased() }
        try verifyV4(request, credential: credential, provided: provided, time: time, additional: additional,
                     securityToken: request.header("x-oss-security-token"))
    }

    private func verifyV4Query(_ request: ParsedRequest, now: SigningTime) throws(ServiceError) {
        guard request.queryValue("x-oss-signature-version") == SignerV4.algorithm else {
            throw .invalidArgument("x-oss-signature-version must be OSS4-HMAC-SHA256.", name: "x-oss-signature-version", ec: "0002-00000001")
        }
        guard let credential = request.queryValue("x-oss-credential"), let provided = request.queryValue("x-oss-signature"),
              let dateText = request.queryValue("x-oss-date"), let time = SigningTime(iso8601Basic: dateText),
              let expiresText = request.queryValue("x-oss-expires"), let expires = Int64(expiresText) else {
            throw .invalidArgument("A V4 presigned URL needs x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature.", ec: "0002-00000001")
        }
        guard expires >= 1, expires <= SignerV4.maximumPresignSeconds else {
            throw .invalidArgument("x-oss-expires must be between 1 and 604800 seconds.", name: "x-oss-expires", value: expiresText, ec: "0002-00000020")
        }
        if now.unixSeconds > time.unixSeconds + expires {
            throw .accessDenied("Request has expired.", ec: "0002-00000069")
        }
        if time.unixSeconds > now.unixSeconds + allowedSkewSeconds {
            throw skewed(time, now: now)
        }
        let additional = (request.queryValue("x-oss-additional-headers") ?? "").split(separator: ";").map { $0.lowercased() }
        try verifyV4(request, credential: credential, provided: provided, time: time, additional: additional,
                     securityToken: request.queryValue("x-oss-security-token"))
    }

    private func verifyV4(_ request: ParsedRequest, credential: String, provided: String, time: SigningTime,
                          additional: [String], securityToken: String?) throws(ServiceError) {
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4] == "aliyun_v4_request", parts[3] == "oss" else {
            throw .invalidArgument("The credential scope is malformed.", name: "Credential", ec: "0002-00000001")
        }
        let credentials = try credentials(for: parts[0])
        try checkToken(securityToken, expected: credentials.securityToken)
        guard parts[1] == time.scopeDate else {
            throw .accessDenied("The date in the credential scope does not match x-oss-date.", ec: "0002-00000015")
        }
        guard parts[2] == region else {
            throw .accessDenied("Invalid signing region in Authorization header: this server signs for \(region), the request for \(parts[2]).", ec: "0002-00000016")
        }
        let signer = SignerV4(region: region)
        let canonical = signer.canonicalRequest(request.signable, additionalHeaders: additional)
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, at: time)
        let expected = signer.signature(stringToSign: stringToSign, secret: credentials.accessKeySecret, at: time)
        guard constantTimeEqual(expected, provided) else {
            throw ServiceError(status: 403, code: "SignatureDoesNotMatch",
                               message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                               ec: "0002-00000040",
                               details: [("OSSAccessKeyId", credentials.accessKeyId), ("StringToSign", stringToSign), ("CanonicalRequest", canonical)])
        }
    }

    // MARK: V1

    private func verifyV1Header(_ request: ParsedRequest, authorization: String, now: SigningTime) throws(ServiceError) {
        let body = authorization.dropFirst(4)
        guard let colon = body.lastIndex(of: ":") else {
            throw .invalidArgument("Authorization header is invalid.", name: "Authorization", ec: "0002-00000001")
        }
        let id = String(body[..<colon]).trimmingWhitespace(lineBreaks: false)
        let provided = String(body[body.index(after: colon)...])
        // With x-oss-date, OSS signs and checks the time by it instead of Date (the Python SDK
        // v2 signs its date line with x-oss-date when the caller sets one).
        let dateText: String
        let time: SigningTime
        if let ossDate = request.header("x-oss-date") {
            guard let parsed = SigningTime(httpDate: ossDate) ?? SigningTime(iso8601Basic: ossDate) else {
                throw .accessDenied("The x-oss-date header is not an RFC 1123 or ISO 8601 date.", ec: "0002-00000017")
            }
            (dateText, time) = (ossDate, parsed)
        } else {
            guard let date = request.header("Date"), let parsed = SigningTime(httpDate: date) else {
                throw .accessDenied("The Date header is missing or not an RFC 1123 date.", ec: "0002-00000017")
            }
            (dateText, time) = (date, parsed)
        }
        try checkSkew(time, now: now)
        let credentials = try credentials(for: id)
        try checkToken(request.header("x-oss-security-token"), expected: credentials.securityToken)
        try verifyV1(request, credentials: credentials, date: dateText, provided: provided)
    }

    private func verifyV1Query(_ request: ParsedRequest, now: SigningTime) throws(ServiceError) {
        guard let id = request.queryValue("OSSAccessKeyId"), let provided = request.queryValue("Signature"),
              let expiresText = request.queryValue("Expires"), let expires = Int64(expiresText) else {
            throw .invalidArgument("A signed URL needs OSSAccessKeyId, Expires and Signature.", ec: "0002-00000001")
        }
        if now.unixSeconds > expires {
            throw .accessDenied("Request has expired.", ec: "0002-00000069")
        }
        let credentials = try credentials(for: id)
        try checkToken(request.queryValue("security-token"), expected: credentials.securityToken)
        var unsigned = request
        unsigned.query.removeAll { $0.name == "OSSAccessKeyId" || $0.name == "Signature" || $0.name == "Expires" }
        try verifyV1(unsigned, credentials: credentials, date: expiresText, provided: provided)
    }

    private func verifyV1(_ request: ParsedRequest, credentials: ServiceCredentials, date: String, provided: String) throws(ServiceError) {
        let signer = SignerV1()
        let stringToSign = signer.stringToSign(request.signable, date: date)
        let expected = signer.signature(stringToSign: stringToSign, secret: credentials.accessKeySecret)
        guard constantTimeEqual(expected, provided) else {
            throw ServiceError(status: 403, code: "SignatureDoesNotMatch",
                               message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                               ec: "0002-00000040",
                               details: [("OSSAccessKeyId", credentials.accessKeyId), ("StringToSign", stringToSign),
                                         ("StringToSignBytes", stringToSign.utf8.map { String($0, radix: 16) }.joined(separator: " "))])
        }
    }

    // MARK: Shared checks

    private func checkToken(_ provided: String?, expected: String?) throws(ServiceError) {
        guard let expected else { return }
        guard let provided, constantTimeEqual(provided, expected) else {
            throw ServiceError(status: 403, code: "InvalidAccessKeyId", message: "The security token you provided is invalid.", ec: "0002-00000903")
        }
    }

    private func checkSkew(_ time: SigningTime, now: SigningTime) throws(ServiceError) {
        if abs(time.unixSeconds - now.unixSeconds) > allowedSkewSeconds {
            throw skewed(time, now: now)
        }
    }

    private func skewed(_ time: SigningTime, now: SigningTime) -> ServiceError {
        ServiceError(status: 403, code: "RequestTimeTooSkewed",
                     message: "The difference between the request time and the current time is too large.",
                     ec: "0002-00000504",
                     details: [("RequestTime", time.iso8601Extended), ("ServerTime", now.iso8601Extended), ("MaxAllowedSkewMilliseconds", String(allowedSkewSeconds * 1000))])
    }
}

/// Compares two signatures without leaking, through timing, how many leading bytes matched.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<x.count { difference |= x[i] ^ y[i] }
    return difference == 0
}
