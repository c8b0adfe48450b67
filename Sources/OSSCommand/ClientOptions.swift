import ArgumentParser
import Logging
import OSS
import OSSFileIO
import OSSLocking

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

/// The options every client command shares. Credentials come from `--credentials-file`, else from
/// the environment (`OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET`, `OSS_SESSION_TOKEN`); no option
/// takes a secret, since `ps` shows every argument to every user.
struct ClientOptions: ParsableArguments {
    @Option(help: "Endpoint URL or host (default: derived from the region).")
    var endpoint: String?

    @Option(help: "Region ID such as cn-hangzhou (default: $OSS_REGION, else cn-hangzhou).")
    var region: String?

    @Flag(name: .customLong("path-style"), help: "Put the bucket in the path instead of the host.")
    var pathStyle = false

    @Flag(help: "The endpoint is a custom domain bound to the bucket.")
    var cname = false

    @Option(name: .customLong("signature-version"), help: "v4 (default) or v1.")
    var signatureVersion: String = "v4"

    @Flag(name: .customLong("internal"), help: "Use the region's internal endpoint.")
    var useInternal = false

    @Flag(help: "Use the transfer-acceleration endpoint.")
    var accelerate = false

    @Option(name: .customLong("credentials-file"), help: CredentialsFile.help)
    var credentialsFile: String?

    @Flag(help: "Print each request's method and path, status, request id and timing on stderr (never a secret, token or signature).")
    var debug = false

    @Option(name: .customLong("ca-bundle"), help: "A PEM file of CA certificates to trust instead of the system's (default: $SSL_CERT_FILE).")
    var caBundle: String?

    @Option(name: .customLong("ca-dir"), help: "A folder of hashed CA certificates (default: $SSL_CERT_DIR).")
    var caDirectory: String?

    @Option(help: "A proxy URL, before $https_proxy (hosts in $no_proxy still bypass it).")
    var proxy: String?

    @Option(name: .customLong("connect-timeout"), help: "Seconds to connect (TCP and TLS) before a request fails or is retried. (default: 10)")
    var connectTimeout: Double?

    func client() async throws -> OSSClient {
        guard let version = SignatureVersion(rawValue: signatureVersion.lowercased()) else {
            throw ValidationError("--signature-version must be v4 or v1.")
        }
        let environment = ProcessInfo.processInfo.environment
        let style: AddressStyle = cname ? .cname : pathStyle ? .path : .virtualHosted
        let kind: EndpointKind = accelerate ? .accelerate : useInternal ? .internal : .publicInternet
        let provider: any CredentialsProvider
        if let credentialsFile {
            let file = try await BlockingIO.run { try CredentialsFile.load(credentialsFile, warn: writeStandardError) }
            guard let id = file.accessKeyId, !id.isEmpty, let secret = file.accessKeySecret, !secret.isEmpty else {
                throw ValidationError("The credentials file \(credentialsFile) needs both OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET lines.")
            }
            provider = StaticCredentialsProvider(accessKeyId: id, accessKeySecret: secret,
                                                 securityToken: file.sessionToken.flatMap { $0.isEmpty ? nil : $0 })
        } else {
            provider = EnvironmentCredentialsProvider()
        }
        var configuration = Configuration(region: region ?? environment["OSS_REGION"] ?? "cn-hangzhou", endpoint: endpoint,
                                          endpointKind: kind, addressStyle: style, signatureVersion: version,
                                          credentialsProvider: provider)
        configuration.network = NetworkSettings(caBundlePath: caBundle, caDirectory: caDirectory, proxy: proxy)
        var timeouts = TransportTimeouts()
        if let connectTimeout {
            guard connectTimeout.isFinite, connectTimeout > 0, connectTimeout <= 3600 else {
                throw ValidationError("--connect-timeout must be a number of seconds above 0 and at most 3600, not \(connectTimeout).")
            }
            timeouts.connect = .milliseconds(Int64((connectTimeout * 1000).rounded(.up)))
        }
        let logger = debug ? Logger(label: "oss", factory: { _ in DebugLogHandler() }) : nil
        return OSSClient(configuration: configuration, logger: logger, timeouts: timeouts)
    }
}

/// `oss://bucket/key`.
struct OSSLocation: ExpressibleByArgument {
    var bucket: String
    var key: String

    init?(argument: String) {
        guard argument.hasPrefix("oss://") else { return nil }
        let rest = argument.dropFirst(6)
        if let slash = rest.firstIndex(of: "/") {
            bucket = String(rest[..<slash])
            key = String(rest[rest.index(after: slash)...])
        } else {
            bucket = String(rest)
            key = ""
        }
        guard !bucket.isEmpty else { return nil }
    }

    func requireKey() throws -> String {
        guard !key.isEmpty else { throw ValidationError("oss://\(bucket)/ needs an object key: oss://BUCKET/KEY.") }
        return key
    }
}

/// Runs a command body, turning OSS errors into a clear line on stderr and a non-zero exit.
@discardableResult
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as OSSError {
        // After SIGINT/SIGTERM/SIGHUP the cancellation is expected; `Interruption` sets the exit status.
        if error == .cancelled && Interruption.interrupted { throw ExitCode(1) }
        writeStandardError("oss: " + describe(error) + "\n")
        throw ExitCode(1)
    }
}

/// An error as the commands print it: OSS's code, message, EC, status and request id for an
/// answer from the server, the error's own description otherwise.
func describe(_ error: any Error) -> String {
    guard let error = error as? OSSError else {
        if let error = error as? LocalFileError { return error.description }
        return "\(error)"
    }
    guard let server = error.serverError else { return error.description }
    var line = "\(server.code): \(server.message)"
    if let ec = server.ec { line += " (EC \(ec))" }
    line += " [status \(server.status), request id \(server.requestId ?? "-")]"
    return line
}

/// A one-line progress bar on stderr, shown only when stderr is a terminal.
final class ProgressBar: Sendable {
    private let enabled = isatty(2) == 1
    private let lastDraw = LockedValue(ContinuousClock.now - .seconds(1))

    func update(_ bytes: Int64, _ total: Int64?) {
        guard enabled else { return }
        lastDraw.withLock { lastDraw in
            let now = ContinuousClock.now
            guard now - lastDraw > .milliseconds(100) || bytes == total else { return }
            lastDraw = now
            writeStandardError(Self.line(bytes: bytes, total: total))
        }
    }

    func finish() {
        guard enabled else { return }
        writeStandardError("\n")
    }

    /// The bar for `bytes` of `total`. Total for any input: a body longer than its
    /// `Content-Length` (a decoded gzip body, a lying server) keeps the bar full at 100% instead
    /// of asking for a negative number of spaces; negative or absent totals show bytes only.
    static func line(bytes: Int64, total: Int64?, width: Int = 30) -> String {
        var line = "\r"
        if let total, total > 0 {
            let fraction = min(1, max(0, Double(bytes) / Double(total)))
            let filled = min(width, max(0, Int(fraction * Double(width))))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            let percent = String(min(100, max(0, Int(fraction * 100))))
            line += String(repeating: " ", count: max(0, 3 - percent.count)) + percent + "% "
        }
        line += "\(max(0, bytes) / 1024) KiB"
        return line
    }
}

/// Writes all bytes to a file descriptor (stdout is 1, stderr is 2). False when the descriptor
/// no longer takes bytes: `EPIPE` when the reader of a pipe has gone (SIGPIPE is ignored by the
/// commands that stream, so this is how they learn it).
@discardableResult
func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    var offset = 0
    return bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return true }
        while offset < raw.count {
            let n = write(descriptor, base + offset, raw.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

func writeStandardError(_ text: String) {
    writeAll(Array(text.utf8), to: 2)
}
