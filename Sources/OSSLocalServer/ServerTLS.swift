#if LocalServerTLS
import NIOSSL
#endif

/// HTTPS for the local OSS: every real OSS endpoint is HTTPS, so a test can take the path its
/// app really takes. The certificate chain and key are PEM files (a self-signed pair from
/// `openssl req -x509` will do; the client must trust it). TLS 1.2 and 1.3, from swift-nio-ssl.
///
/// Only with the package trait `LocalServerTLS` (a default): a build without it does not compile
/// swift-nio-ssl's BoringSSL, and ``init(certificateChainPath:privateKeyPath:)`` throws.
public struct ServerTLS: Sendable {
    /// Whether this build can serve HTTPS (the `LocalServerTLS` trait was on).
    public static var isAvailable: Bool {
        #if LocalServerTLS
        return true
        #else
        return false
        #endif
    }

    #if LocalServerTLS
    let context: NIOSSLContext

    /// Loads a PEM certificate chain (leaf first) and its PEM private key. Errors name the file.
    public init(certificateChainPath: String, privateKeyPath: String) throws {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath)
        } catch {
            throw TLSFilesError(path: certificateChainPath, reason: "not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw TLSFilesError(path: certificateChainPath, reason: "holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw TLSFilesError(path: privateKeyPath, reason: "not a PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFilesError(path: privateKeyPath, reason: "does not go with the certificate in \(certificateChainPath) (\(error))")
        }
    }
    #else
    /// Refuses: this build has no TLS (the `LocalServerTLS` package trait was off).
    public init(certificateChainPath: String, privateKeyPath: String) throws {
        throw TLSFilesError(path: certificateChainPath, reason: "cannot be served: this build has no TLS (the LocalServerTLS package trait is off)")
    }
    #endif
}

/// A certificate or key file that cannot be used, named.
public struct TLSFilesError: Error, CustomStringConvertible, Sendable {
    /// The certificate or key file at fault.
    public var path: String
    /// Why it cannot be used: not PEM, no certificate in it, a key that does not go with the certificate.
    public var reason: String
    /// The path and the reason, as `oss serve` prints them.
    public var description: String { "\(path): \(reason)" }
}
