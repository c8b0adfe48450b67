import ArgumentParser
import Dispatch
import OSS
import OSSLocalServer
import OSSLocalService
import OSSLocking
import OSSOffline

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

/// `oss serve`: a local OSS on a folder, checking signatures like the real service.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a folder as an OSS-compatible endpoint (buckets are subfolders).",
        discussion: """
        Prints its base URL (http://HOST:PORT) as the first line of stdout, then serves until SIGINT or SIGTERM \
        (requests in flight then get --shutdown-grace seconds to finish).
        Credentials come from the options, then --credentials-file, then OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and \
        OSS_SESSION_TOKEN. --access-key-secret and --session-token work but warn: ps shows a command line to every user.
        """)

    @Option(help: "The folder to serve; each subfolder is a bucket.")
    var root: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 0

    @Option(help: "The region V4 signatures must be scoped to.")
    var region = "cn-hangzhou"

    @Option(name: .customLong("access-key-id"), help: "The accepted access key ID (default: $OSS_ACCESS_KEY_ID).")
    var accessKeyId: String?

    @Option(name: .customLong("access-key-secret"),
            help: "The accepted access key secret (default: $OSS_ACCESS_KEY_SECRET). Visible in ps: prefer the variable or --credentials-file.")
    var accessKeySecret: String?

    @Option(name: .customLong("session-token"),
            help: "An STS token every request must carry (default: $OSS_SESSION_TOKEN). Visible in ps, like --access-key-secret.")
    var sessionToken: String?

    @Option(name: .customLong("credentials-file"), help: CredentialsFile.help)
    var credentialsFile: String?

    @Option(name: .customLong("bucket"), help: "Create this bucket if it does not exist (repeatable).")
    var buckets: [String] = []

    @Option(name: .customLong("public-read"), help: "Let anyone read this bucket without signing (repeatable).")
    var publicReadBuckets: [String] = []

    @Option(help: "A JSON file holding an array of fault rules to inject (see FaultRule).")
    var faults: String?

    @Option(name: .customLong("virtual-host-suffix"), help: "Host suffix for virtual-hosted requests, besides localhost (repeatable).")
    var virtualHostSuffixes: [String] = []

    @Option(name: .customLong("restore-delay"), help: "Seconds a RestoreObject of an Archive object takes before the object reads (default: 3).")
    var restoreDelay: Double = 3

    @Flag(name: .customLong("allow-remote-callbacks"), help: "Let upload callbacks (x-oss-callback) go to hosts other than loopback.")
    var allowRemoteCallbacks = false

    @Option(name: .customLong("tls-cert"), help: "A PEM certificate chain: serve HTTPS with it (needs --tls-key).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    @OptionGroup(title: "Limits")
    var limits: ServeLimitOptions

    func run() async throws {
        let credentials = try await CredentialSources.resolve(
            options: CredentialSources(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret, sessionToken: sessionToken),
            file: credentialsFile, environment: ProcessInfo.processInfo.environment)
        guard let id = credentials.accessKeyId, let secret = credentials.accessKeySecret else {
            throw ValidationError("No credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, or pass --credentials-file.")
        }
        let token = credentials.sessionToken
        var rules: [FaultRule] = []
        if let faults {
            guard let data = FileManager.default.contents(atPath: faults) else {
                throw ValidationError("Cannot read the fault file \(faults).")
            }
            do {
                rules = try JSONDecoder().decode([FaultRule].self, from: data)
            } catch {
                throw ValidationError("The fault file \(faults) is not a JSON array of fault rules: \(error)")
            }
        }
        guard restoreDelay.isFinite, (0...86_400).contains(restoreDelay) else {
            throw ValidationError("--restore-delay must be between 0 and 86400 seconds, not \(restoreDelay).")
        }
        var configuration = LocalOSSConfiguration(
            root: root, credentials: [ServiceCredentials(accessKeyId: id, accessKeySecret: secret, securityToken: token)],
            region: region, publicReadBuckets: Set(publicReadBuckets), virtualHostSuffixes: virtualHostSuffixes,
            hostId: host, processor: try limits.imageProcessor(), faults: FaultInjector(rules))
        configuration.restoreDelay = .milliseconds(Int64(restoreDelay * 1000))
        // Callbacks go out through the client's own transport (libcurl on Linux).
        configuration.callbackSender = TransportCallbackSender(transport: OSSClient.defaultTransport)
        configuration.allowRemoteCallbacks = allowRemoteCallbacks
        let service = try LocalOSSService(configuration: configuration)
        for bucket in buckets {
            try service.createBucket(bucket)
        }
        // Signals are caught before the URL is printed, so a supervisor that stops the server as
        // soon as it has read the URL still gets a clean exit.
        let shutdown = ShutdownSignal()
        let signals = SignalSources.install([SIGINT, SIGTERM]) { _ in shutdown.trigger() }
        guard #available(macOS 14, iOS 17, tvOS 17, watchOS 10, *) else {
            throw ValidationError("oss serve needs macOS 14 or later")
        }
        let tls: ServerTLS?
        switch (tlsCertificate, tlsKey) {
        case let (certificate?, key?):
            do {
                tls = try ServerTLS(certificateChainPath: certificate, privateKeyPath: key)
            } catch {
                throw ValidationError("\(error)")
            }
        case (nil, nil): tls = nil
        default: throw ValidationError("--tls-cert and --tls-key go together.")
        }
        let server = try await LocalOSSServer.bind(service: service, host: host, port: port, configuration: try limits.serverConfiguration(), tls: tls)
        shutdown.attach(server)
        service.setEndpoint(server.baseURL)
        print(server.baseURL)
        fflush(nil)
        try await server.run()
        signals.cancel()
    }
}

/// Closes the server on SIGINT/SIGTERM, including a signal that arrives before it is bound.
final class ShutdownSignal: Sendable {
    private let state = LockedValue<(server: LocalOSSServer?, triggered: Bool)>((nil, false))

    func trigger() {
        let server = state.withLock { state -> LocalOSSServer? in
            state.triggered = true
            return state.server
        }
        if let server { Task { await server.close() } }
    }

    func attach(_ server: LocalOSSServer) {
        let triggered = state.withLock { state -> Bool in
            state.server = server
            return state.triggered
        }
        if triggered { Task { await server.close() } }
    }
}
