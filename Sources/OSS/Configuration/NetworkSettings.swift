import OSSFileIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the default transport reaches OSS behind real networks: which CAs to trust, and which
/// proxy to use. TLS verification is never switched off; a private CA is trusted by naming it.
///
/// Honoured by the libcurl transport (Linux). URLSession (Apple platforms) takes trust and proxies
/// from the system, so these are ignored there.
public struct NetworkSettings: Sendable, Hashable {
    /// A PEM bundle of CA certificates to trust instead of the system store; `SSL_CERT_FILE` when
    /// nil, as OpenSSL users expect.
    public var caBundlePath: String?
    /// A folder of hashed CA certificates; `SSL_CERT_DIR` when nil.
    public var caDirectory: String?
    /// A proxy URL that takes precedence over `https_proxy`; nil leaves libcurl reading the
    /// environment itself.
    public var proxy: String?
    /// Hosts that bypass the proxy, comma-separated; nil leaves `no_proxy` to libcurl.
    public var noProxy: String?
    /// Whether `SSL_CERT_FILE` and `SSL_CERT_DIR` fill the CA fields left nil.
    public var readsOpenSSLEnvironment: Bool

    /// Settings; nil fields keep the defaults.
    public init(caBundlePath: String? = nil, caDirectory: String? = nil, proxy: String? = nil, noProxy: String? = nil,
                readsOpenSSLEnvironment: Bool = true) {
        self.caBundlePath = caBundlePath
        self.caDirectory = caDirectory
        self.proxy = proxy
        self.noProxy = noProxy
        self.readsOpenSSLEnvironment = readsOpenSSLEnvironment
    }

    /// The settings with the OpenSSL environment applied to the CA fields left nil, so that
    /// `SSL_CERT_FILE=/etc/corp-ca.pem` works for this client as for `openssl` and `curl`.
    public func resolved(environment: [String: String]) -> NetworkSettings {
        var settings = self
        guard readsOpenSSLEnvironment else { return settings }
        if settings.caBundlePath == nil, let file = environment["SSL_CERT_FILE"], !file.isEmpty { settings.caBundlePath = file }
        if settings.caDirectory == nil, let folder = environment["SSL_CERT_DIR"], !folder.isEmpty { settings.caDirectory = folder }
        return settings
    }

    /// Checks, off the cooperative pool, that the CA file and folder exist and the proxy URL is
    /// one line, naming what is wrong: otherwise the first request fails with a TLS error that
    /// does not say which file was meant.
    public func validate() async throws(OSSError) {
        let settings = self
        let problem: OSSError?
        do {
            problem = try await BlockingIO.run { () -> OSSError? in
                if let file = settings.caBundlePath, Self.fileKind(file) != S_IFREG || access(file, R_OK) != 0 {
                    return .invalidArgument(parameter: "caBundlePath", reason: "\(file) is not a readable file of CA certificates.")
                }
                if let folder = settings.caDirectory, Self.fileKind(folder) != S_IFDIR {
                    return .invalidArgument(parameter: "caDirectory", reason: "\(folder) is not a folder of CA certificates.")
                }
                return nil
            }
        } catch {
            problem = .invalidArgument(parameter: "caBundlePath", reason: "could not be checked")
        }
        if let problem { throw problem }
        if let proxy, proxy.isEmpty || proxy.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
            throw .invalidArgument(parameter: "proxy", reason: "the proxy URL is empty or holds spaces or control characters.")
        }
    }

    /// `S_IFREG`, `S_IFDIR`... of a path, following links; 0 when it cannot be read.
    private static func fileKind(_ path: String) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }
}
