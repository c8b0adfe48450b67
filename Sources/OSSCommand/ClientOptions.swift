import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSS
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The options every client command shares. Credentials come from the environment.
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

    func client() throws -> OSSClient {
        guard let version = SignatureVersion(rawValue: signatureVersion.lowercased()) else {
            throw ValidationError("--signature-version must be v4 or v1.")
        }
        let environment = ProcessInfo.processInfo.environment
        let style: AddressStyle = cname ? .cname : pathStyle ? .path : .virtualHosted
        let kind: EndpointKind = accelerate ? .accelerate : useInternal ? .internal : .publicInternet
        let configuration = Configuration(region: region ?? environment["OSS_REGION"] ?? "cn-hangzhou", endpoint: endpoint,
                                          endpointKind: kind, addressStyle: style, signatureVersion: version,
                                          credentialsProvider: EnvironmentCredentialsProvider())
        return OSSClient(configuration: configuration)
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
        var line = "oss: "
        switch error {
        case let .server(server):
            line += "\(server.code): \(server.message)"
            if let ec = server.ec { line += " (EC \(ec))" }
            line += " [status \(server.status), request id \(server.requestId ?? "-")]"
        default:
            line += error.description
        }
        writeStandardError(line + "\n")
        throw ExitCode(1)
    }
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
            var line = "\r"
            if let total, total > 0 {
                let fraction = Double(bytes) / Double(total)
                let filled = Int(fraction * 30)
                line += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "] "
                let percent = String(Int(fraction * 100))
                line += String(repeating: " ", count: 3 - percent.count) + percent + "% "
            }
            line += "\(bytes / 1024) KiB"
            writeStandardError(line)
        }
    }

    func finish() {
        guard enabled else { return }
        writeStandardError("\n")
    }
}

/// Writes all bytes to a file descriptor (stdout is 1, stderr is 2).
func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    var offset = 0
    bytes.withUnsafeBytes { raw in
        while offset < raw.count {
            let n = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

func writeStandardError(_ text: String) {
    writeAll(Array(text.utf8), to: 2)
}
