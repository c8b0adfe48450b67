/// What libcurl needs to reach OSS behind real networks: a private CA (a corporate TLS proxy, a
/// test server) and an explicit proxy. Empty settings leave libcurl's own defaults (its built-in
/// CA store, and the `https_proxy`/`no_proxy` environment it reads itself).
public struct CurlTransportSettings: Sendable, Hashable {
    /// A PEM file of CA certificates to trust instead of the system's (`CURLOPT_CAINFO`).
    public var caBundlePath: String?
    /// A folder of hashed CA certificates, as `c_rehash` makes them (`CURLOPT_CAPATH`).
    public var caDirectory: String?
    /// A proxy URL (`http://proxy:3128`, `socks5h://...`), which takes precedence over the
    /// environment's.
    public var proxy: String?
    /// Hosts that bypass the proxy, comma-separated, as `no_proxy` writes them.
    public var noProxy: String?

    /// Settings; nil fields keep libcurl's defaults.
    public init(caBundlePath: String? = nil, caDirectory: String? = nil, proxy: String? = nil, noProxy: String? = nil) {
        self.caBundlePath = caBundlePath
        self.caDirectory = caDirectory
        self.proxy = proxy
        self.noProxy = noProxy
    }

    /// Whether every field is nil, so the shared transport serves.
    public var isDefault: Bool { caBundlePath == nil && caDirectory == nil && proxy == nil && noProxy == nil }
}
