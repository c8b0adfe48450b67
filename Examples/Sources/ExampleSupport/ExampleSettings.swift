import Foundation
import OSS

/// The settings every example takes: a flag wins over the environment, which wins over the
/// documentation's defaults (`cn-hangzhou`, `examplebucket`, `example.jpg`).
public struct ExampleSettings: Sendable {
    /// The OSS region ID, `cn-hangzhou` unless given.
    public var region: String
    /// An endpoint that replaces the region's public one (a local OSS, an internal endpoint); nil for the region's.
    public var endpoint: String?
    /// The bucket the example works in, `examplebucket` unless given.
    public var bucket: String
    /// The object the example reads or writes, `example.jpg` unless given.
    public var key: String
    /// The local file the example writes its result to.
    public var destination: String

    /// Reads `--region`, `--endpoint`, `--bucket`, `--key`, `--destination` or OSS_REGION,
    /// OSS_ENDPOINT, OSS_BUCKET, OSS_KEY, OSS_DESTINATION.
    public init(defaultDestination: String, arguments: [String] = CommandLine.arguments) {
        let environment = ProcessInfo.processInfo.environment
        func value(_ flag: String, _ variable: String) -> String? {
            if let index = arguments.firstIndex(of: "--\(flag)"), index + 1 < arguments.count { return arguments[index + 1] }
            return environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        region = value("region", "OSS_REGION") ?? "cn-hangzhou"
        endpoint = value("endpoint", "OSS_ENDPOINT")
        bucket = value("bucket", "OSS_BUCKET") ?? "examplebucket"
        key = value("key", "OSS_KEY") ?? "example.jpg"
        destination = value("destination", "OSS_DESTINATION") ?? defaultDestination
    }

    /// A client as the docs build one: credentials from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET
    /// (and OSS_SESSION_TOKEN), the region, and the endpoint when one is given (a local OSS, say).
    public func client() -> OSSClient {
        OSSClient(configuration: Configuration(region: region, endpoint: endpoint,
                                               credentialsProvider: EnvironmentCredentialsProvider()))
    }
}

/// Runs an example body and turns an OSS error into a readable line and exit status 1.
public func runExample(_ body: () async throws -> Void) async {
    do {
        try await body()
    } catch let error as OSSError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}
