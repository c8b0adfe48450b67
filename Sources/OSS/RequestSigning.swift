/// A request ready for the transport: the URL and headers are exactly those that were signed.
public struct PreparedRequest: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The HTTP method.
    public var method: String
    /// The URL to send to, path and query exactly as signed.
    public var url: String
    /// The headers to send, signing headers included.
    public var headers: [HTTPHeaderField]
    /// The signing details, for diffing against a server's `SignatureDoesNotMatch`; nil when
    /// anonymous.
    public var signing: SignedRequest?

    /// Method and URL only: headers may hold `Authorization` or a token, and a presigned URL's
    /// query holds its signature, so neither is printed.
    public var description: String {
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        return "\(method) \(path)"
    }

    /// The same as the description, so that `debugPrint` cannot show a header value either.
    public var debugDescription: String { description }

    /// What `dump()` shows: the same as the description, and header names without values.
    public var customMirror: Mirror {
        Mirror(self, children: ["request": description, "headers": headers.map(\.name)])
    }
}

extension Configuration {
    /// The endpoint, from the client's caches when there are some.
    private func endpoint(_ caches: ClientCaches?) throws(OSSError) -> ServiceEndpoint {
        if let caches { return try caches.endpoint(self) }
        return try resolvedEndpoint()
    }

    /// A V4 signer for the signing region, keeping its keys in the client's caches when there are some.
    private func v4Signer(_ caches: ClientCaches?) throws(OSSError) -> SignerV4 {
        let region: Region
        if let caches { region = try caches.signingRegion(self) } else { region = try signingRegion() }
        var signer = SignerV4(region: region.id)
        signer.keyCache = caches
        return signer
    }

    /// Signs `request` by header with `credentials` (nil: unsigned) at `time`, and builds the URL
    /// from the same encoded path and query.
    public func prepare(_ request: SignableRequest, credentials: Credentials?, at time: SigningTime? = nil) throws(OSSError) -> PreparedRequest {
        try prepare(request, credentials: credentials, at: time, caches: nil)
    }

    /// ``prepare(_:credentials:at:)`` with what a client keeps between calls.
    func prepare(_ request: SignableRequest, credentials: Credentials?, at time: SigningTime?, caches: ClientCaches?) throws(OSSError) -> PreparedRequest {
        let endpoint = try endpoint(caches)
        guard let credentials else {
            let url = endpoint.url(bucket: request.bucket, key: request.key, query: request.encodedQuery(bareEmptyValues: false))
            return PreparedRequest(method: request.method, url: url, headers: request.headers, signing: nil)
        }
        let signed: SignedRequest
        switch signatureVersion {
        case .v4:
            let signer = try v4Signer(caches)
            do {
                signed = try signer.signHeaders(request, credentials: credentials, additionalHeaders: additionalSignedHeaders, at: time)
            } catch {
                throw .signing(error)
            }
        case .v1:
            signed = SignerV1().signHeaders(request, credentials: credentials, at: time)
        }
        return PreparedRequest(method: signed.request.method, url: endpoint.url(for: signed), headers: signed.request.headers, signing: signed)
    }

    /// Signs `request` by query: a URL that works with no `Authorization` header. The headers in the
    /// result (content type, `x-oss-*`) must be sent with it; a GET carrying only a process needs none.
    public func presign(_ request: SignableRequest, credentials: Credentials, expiresIn: Int64? = nil,
                        at time: SigningTime? = nil) throws(OSSError) -> PreparedRequest {
        try presign(request, credentials: credentials, expiresIn: expiresIn, at: time, caches: nil)
    }

    /// ``presign(_:credentials:expiresIn:at:)`` with what a client keeps between calls.
    func presign(_ request: SignableRequest, credentials: Credentials, expiresIn: Int64?, at time: SigningTime?,
                 caches: ClientCaches?) throws(OSSError) -> PreparedRequest {
        let endpoint = try endpoint(caches)
        let signed: SignedRequest
        do {
            switch signatureVersion {
            case .v4:
                signed = try v4Signer(caches).presign(request, credentials: credentials, expiresIn: expiresIn, additionalHeaders: additionalSignedHeaders, at: time)
            case .v1:
                signed = try SignerV1().presign(request, credentials: credentials, expiresIn: expiresIn, at: time)
            }
        } catch let error as SigningError {
            throw .signing(error)
        } catch let error as OSSError {
            throw error
        } catch {
            throw .invalidArgument(parameter: "request", reason: "could not be signed")
        }
        return PreparedRequest(method: signed.request.method, url: endpoint.url(for: signed), headers: signed.request.headers, signing: signed)
    }
}
