import OSSCore
import OSSCrypto

/// A source of the current time, injectable so that tests and vectors can pin it.
public typealias SigningClock = @Sendable () -> SigningTime

/// Keeps V4 signing keys between requests. The key depends only on the secret, the day, the region
/// and the product, so a client signing thousands of requests a day can derive it once instead of
/// running four HMACs for each (the official SDKs keep it too). The signer stays a pure value: it
/// asks the cache, which may call `derive` or answer what it kept for the same four inputs.
public protocol V4SigningKeyCache: Sendable {
    /// The key for these inputs: `derive()`'s answer, or the one kept for the same inputs.
    func signingKey(secret: String, scopeDate: String, region: String, product: String, derive: () -> [UInt8]) -> [UInt8]
}

/// OSS signature V4 (`OSS4-HMAC-SHA256`), by header and by presigned query.
///
/// A pure value: the same request, credentials and time always give the same bytes. The client
/// signs with it and the local OSS verifies with it, so both compute the canonical request in one
/// place.
public struct SignerV4: Sendable {
    /// The algorithm name that opens the string to sign and the `Authorization` header.
    public static let algorithm = "OSS4-HMAC-SHA256"
    /// The payload hash OSS uses: bodies are not hashed into the signature.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The longest a V4 presigned URL may live: 7 days.
    public static let maximumPresignSeconds: Int64 = 7 * 24 * 3600
    /// The presign lifetime when none is given: 15 minutes.
    public static let defaultPresignSeconds: Int64 = 15 * 60

    /// The region of the credential scope, such as `cn-hangzhou`.
    public var region: String
    /// The product of the credential scope; always `oss` for this service.
    public var product: String
    /// Where "now" comes from when a signing call does not pass a time.
    public var clock: SigningClock
    /// Where derived signing keys are kept between requests; nil derives one for every signature.
    public var keyCache: (any V4SigningKeyCache)?

    /// A signer for a region, reading the system clock unless given another.
    public init(region: String, product: String = "oss", clock: @escaping SigningClock = SigningTime.now) {
        self.region = region
        self.product = product
        self.clock = clock
    }

    // MARK: Signing

    /// Signs by `Authorization` header: adds `x-oss-date`, `Date`, the security token and
    /// `x-oss-content-sha256` (when absent), then `Authorization`.
    ///
    /// Header values are trimmed before they are signed and sent, since an HTTP server sees them
    /// trimmed. `additionalHeaders` names extra headers to sign; names that are signed anyway or are
    /// not on the request are dropped, as the official SDKs do.
    public func signHeaders(_ request: SignableRequest, credentials: Credentials, additionalHeaders: [String] = [],
                            at time: SigningTime? = nil) throws(SigningError) -> SignedRequest {
        guard !region.isEmpty else { throw .missingRegion }
        let time = time ?? clock()
        var request = request
        request.headers = request.headers.map { HTTPHeaderField($0.name, $0.value.trimmingWhitespace(lineBreaks: false)) }
        request.setHeader("x-oss-date", time.iso8601Basic)
        request.setHeader("Date", time.httpDate)
        if let token = credentials.securityToken {
            request.setHeader("x-oss-security-token", token)
        }
        if request.header("x-oss-content-sha256") == nil {
            request.setHeader("x-oss-content-sha256", Self.unsignedPayload)
        }
        let additional = effectiveAdditionalHeaders(additionalHeaders, in: request)
        let canonical = canonicalRequest(request, additionalHeaders: additional)
        let stringToSign = stringToSign(canonicalRequest: canonical, at: time)
        let signature = signature(stringToSign: stringToSign, secret: credentials.accessKeySecret, at: time)
        var authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope(at: time))"
        if !additional.isEmpty {
            authorization += ",AdditionalHeaders=\(additional.joined(separator: ";"))"
        }
        authorization += ",Signature=\(signature)"
        request.setHeader("Authorization", authorization)
        return SignedRequest(request: request, encodedQuery: request.encodedQuery(bareEmptyValues: false),
                             canonicalRequest: canonical, stringToSign: stringToSign, signature: signature,
                             authorization: authorization)
    }

    /// Signs by query, for a URL that works with no extra header: in a browser, an `<img>` tag or
    /// plain `curl`. The headers of `request` that are signed must still be sent with it; they are
    /// in the result's `request.headers`.
    ///
    /// - Parameter expiresIn: seconds, 1 to 7 days; 15 minutes when nil.
    public func presign(_ request: SignableRequest, credentials: Credentials, expiresIn: Int64? = nil,
                        additionalHeaders: [String] = [], at time: SigningTime? = nil) throws(SigningError) -> SignedRequest {
        guard !region.isEmpty else { throw .missingRegion }
        let expires = expiresIn ?? Self.defaultPresignSeconds
        guard expires >= 1, expires <= Self.maximumPresignSeconds else {
            throw .invalidExpiry(seconds: expires, maximum: Self.maximumPresignSeconds)
        }
        let time = time ?? clock()
        var request = request
        request.headers = request.headers.map { HTTPHeaderField($0.name, $0.value.trimmingWhitespace(lineBreaks: false)) }
        let additional = effectiveAdditionalHeaders(additionalHeaders, in: request)
        request.query.append(QueryItem("x-oss-signature-version", Self.algorithm))
        request.query.append(QueryItem("x-oss-date", time.iso8601Basic))
        request.query.append(QueryItem("x-oss-expires", String(expires)))
        request.query.append(QueryItem("x-oss-credential", "\(credentials.accessKeyId)/\(scope(at: time))"))
        if let token = credentials.securityToken {
            request.query.append(QueryItem("x-oss-security-token", token))
        }
        if !additional.isEmpty {
            request.query.append(QueryItem("x-oss-additional-headers", additional.joined(separator: ";")))
        }
        let canonical = canonicalRequest(request, additionalHeaders: additional)
        let stringToSign = stringToSign(canonicalRequest: canonical, at: time)
        let signature = signature(stringToSign: stringToSign, secret: credentials.accessKeySecret, at: time)
        request.query.append(QueryItem("x-oss-signature", signature))
        return SignedRequest(request: request, encodedQuery: request.encodedQuery(bareEmptyValues: true),
                             canonicalRequest: canonical, stringToSign: stringToSign, signature: signature,
                             authorization: nil)
    }

    // MARK: The parts, for verification and for diffing

    /// `20231216/cn-hangzhou/oss/aliyun_v4_request`.
    public func scope(at time: SigningTime) -> String {
        "\(time.scopeDate)/\(region)/\(product)/aliyun_v4_request"
    }

    /// The canonical request:
    /// method, canonical URI, canonical query, canonical headers, additional header names, payload hash.
    ///
    /// Every query parameter except `x-oss-signature` is signed. Headers signed are `content-type`,
    /// `content-md5`, every `x-oss-*` and the given additional names (lowercase, already filtered).
    public func canonicalRequest(_ request: SignableRequest, additionalHeaders: [String]) -> String {
        var pairs: [(name: String, value: String?)] = []
        for item in request.query where item.name != "x-oss-signature" {
            let value: String? = item.value.isEmpty ? nil : OSSPercentEncoding.encodeQueryComponent(item.value)
            pairs.append((OSSPercentEncoding.encodeQueryComponent(item.name), value))
        }
        pairs.sort { lhs, rhs in lhs.name == rhs.name ? (lhs.value ?? "") < (rhs.value ?? "") : lhs.name < rhs.name }
        let query = pairs.map { pair in pair.value.map { "\(pair.name)=\($0)" } ?? pair.name }.joined(separator: "&")

        let additional = Set(additionalHeaders)
        var signed: [String: [String]] = [:]
        for field in request.headers {
            let name = field.name.lowercased()
            if Self.isSignedByDefault(name) || additional.contains(name) {
                signed[name, default: []].append(field.value.trimmingWhitespace(lineBreaks: false))
            }
        }
        let headerLines = signed.keys.sorted().map { "\($0):\(signed[$0]!.joined(separator: ","))\n" }.joined()
        let payload = request.header("x-oss-content-sha256") ?? Self.unsignedPayload

        return [request.method.uppercased(), request.canonicalURI, query, headerLines,
                additionalHeaders.joined(separator: ";"), payload].joined(separator: "\n")
    }

    /// The string to sign: algorithm, time, scope and the SHA-256 of the canonical request.
    public func stringToSign(canonicalRequest: String, at time: SigningTime) -> String {
        "\(Self.algorithm)\n\(time.iso8601Basic)\n\(scope(at: time))\n\(Crypto.sha256(Array(canonicalRequest.utf8)).hexString)"
    }

    /// The hex signature, with the key derived from the secret, date, region and product (or kept
    /// by ``keyCache``).
    public func signature(stringToSign: String, secret: String, at time: SigningTime) -> String {
        let scopeDate = time.scopeDate
        let key = keyCache?.signingKey(secret: secret, scopeDate: scopeDate, region: region, product: product) {
            signingKey(secret: secret, scopeDate: scopeDate)
        } ?? signingKey(secret: secret, scopeDate: scopeDate)
        return Crypto.hmacSHA256(key: key, data: Array(stringToSign.utf8)).hexString
    }

    /// The signing key of a day: HMAC-SHA256 chained over the date, region, product and
    /// `aliyun_v4_request`, starting from `aliyun_v4` + the secret.
    public func signingKey(secret: String, scopeDate: String) -> [UInt8] {
        var key = Crypto.hmacSHA256(key: Array("aliyun_v4\(secret)".utf8), data: Array(scopeDate.utf8))
        key = Crypto.hmacSHA256(key: key, data: Array(region.utf8))
        key = Crypto.hmacSHA256(key: key, data: Array(product.utf8))
        return Crypto.hmacSHA256(key: key, data: Array("aliyun_v4_request".utf8))
    }

    /// The additional header names that will really be signed: lowercased, deduplicated, sorted,
    /// without the ones signed by default and without the ones absent from the request.
    public func effectiveAdditionalHeaders(_ names: [String], in request: SignableRequest) -> [String] {
        let present = Set(request.headers.map { $0.name.lowercased() })
        return Set(names.map { $0.lowercased() })
            .filter { !Self.isSignedByDefault($0) && present.contains($0) }
            .sorted()
    }

    /// `content-type`, `content-md5` and `x-oss-*` are always part of the signature.
    public static func isSignedByDefault(_ lowercasedName: String) -> Bool {
        lowercasedName == "content-type" || lowercasedName == "content-md5" || lowercasedName.hasPrefix("x-oss-")
    }
}
