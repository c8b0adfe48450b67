#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// MARK: Presign

extension OSSBucket {
    /// A URL that performs `method` on the object without credentials until it expires: for a
    /// browser, an `<img>` tag or a public link. The process travels in the signed query, so the
    /// URL cannot be changed to serve the original or another variant.
    public func presign(_ key: String, method: PresignMethod = .get, process: String? = nil, expiresIn seconds: Int64 = 900,
                        headers: [String: String] = [:], responseOverrides: ResponseHeaderOverrides = ResponseHeaderOverrides()) async throws(OSSError) -> PresignedURL {
        try validate(key)
        var query: [QueryItem] = []
        if let process {
            guard method != .put else { throw .invalidArgument(parameter: "process", reason: "a PUT cannot carry x-oss-process.") }
            try client.caches.validateProcess(process)
            query.append(QueryItem("x-oss-process", process))
        }
        query += responseOverrides.queryItems
        let request = SignableRequest(method: method.rawValue, bucket: name, key: key, query: query,
                                      headers: headers.sorted { $0.key < $1.key }.map { HTTPHeaderField($0.key, $0.value) })
        guard let credentials = try await client.currentCredentials() else {
            throw .credentialsUnavailable("presigning needs credentials; the provider is anonymous.")
        }
        let now = client.now()
        let prepared = try client.configuration.presign(request, credentials: credentials, expiresIn: seconds, at: now, caches: client.caches)
        return PresignedURL(method: method, url: prepared.url, signedHeaders: prepared.headers,
                            expiration: Date(timeIntervalSince1970: TimeInterval(now.unixSeconds + seconds)))
    }
}
