/// Which signature the client puts on its requests.
public enum SignatureVersion: String, Sendable, Hashable, CaseIterable {
    /// `OSS4-HMAC-SHA256`, the default, required by new regions.
    case v4
    /// HMAC-SHA1, for older deployments and tools.
    case v1
}

/// Everything a client needs to reach OSS, as a Sendable value that can be copied and adjusted.
///
/// Credentials are a provider, asked on every request, never frozen here: rotating STS credentials
/// keep working for the life of the client.
public struct Configuration: Sendable {
    /// The region ID, such as `cn-hangzhou` (`oss-cn-hangzhou` is accepted too). Required for V4.
    public var region: String?
    /// An explicit endpoint (`host`, `host:port`, `http://...`); overrides the derived one.
    public var endpoint: String?
    /// Which derived endpoint to use when ``endpoint`` is nil.
    public var endpointKind: EndpointKind
    /// How the bucket appears in URLs. IP and `localhost` endpoints always use path style.
    public var addressStyle: AddressStyle
    /// V4 unless told otherwise.
    public var signatureVersion: SignatureVersion
    /// Asked for credentials before each request.
    public var credentialsProvider: any CredentialsProvider
    /// Extra header names to sign under V4 (for example `host`, `range`).
    public var additionalSignedHeaders: [String]
    /// The CA bundle and proxy the default transport uses (`SSL_CERT_FILE` and `SSL_CERT_DIR`
    /// apply unless set here). Ignored when the client is given a transport of its own.
    public var network = NetworkSettings()

    /// Everything optional has the documentation's default; only the region is needed for the public cloud.
    public init(region: String? = nil, endpoint: String? = nil, endpointKind: EndpointKind = .publicInternet,
                addressStyle: AddressStyle = .virtualHosted, signatureVersion: SignatureVersion = .v4,
                credentialsProvider: any CredentialsProvider = EnvironmentCredentialsProvider(),
                additionalSignedHeaders: [String] = []) {
        self.region = region
        self.endpoint = endpoint
        self.endpointKind = endpointKind
        self.addressStyle = addressStyle
        self.signatureVersion = signatureVersion
        self.credentialsProvider = credentialsProvider
        self.additionalSignedHeaders = additionalSignedHeaders
    }

    /// The region, validated and normalised; nil when none is set.
    public func resolvedRegion() throws(OSSError) -> Region? {
        try region.map { raw throws(OSSError) in try Region(raw) }
    }

    /// The endpoint requests go to: the explicit one, or the one derived from the region.
    public func resolvedEndpoint() throws(OSSError) -> ServiceEndpoint {
        if let endpoint {
            return try ServiceEndpoint(parsing: endpoint, addressStyle: addressStyle)
        }
        // The acceleration hosts do not depend on the region (V4 still signs with it).
        let region = endpointKind.needsRegion ? try resolvedRegion() : nil
        guard let host = endpointKind.host(region: region) else {
            throw .invalidArgument(parameter: "region", reason: "no region is set, so no endpoint can be derived; set a region such as cn-hangzhou, or an endpoint.")
        }
        return ServiceEndpoint(scheme: "https", host: host, addressStyle: addressStyle)
    }

    /// The region V4 signs with; a missing region is an error under V4.
    public func signingRegion() throws(OSSError) -> Region {
        guard let region = try resolvedRegion() else {
            throw .invalidArgument(parameter: "region", reason: "signature V4 needs the bucket's region, such as cn-hangzhou; set Configuration.region.")
        }
        return region
    }
}
