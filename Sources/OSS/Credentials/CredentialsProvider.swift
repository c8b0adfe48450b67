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

/// Where a client gets its credentials, asked again for every request.
///
/// Returning nil means "anonymous": the request goes out unsigned, which OSS accepts for
/// public-read buckets. Throwing means this provider has nothing to give; a
/// ``ChainCredentialsProvider`` then asks the next one.
public protocol CredentialsProvider: Sendable {
    func credentials() async throws -> Credentials?
}

/// Reads `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and optional `OSS_SESSION_TOKEN`, as the
/// OSS documentation's samples do. Read at every call, so a changed environment is picked up.
public struct EnvironmentCredentialsProvider: CredentialsProvider, CustomStringConvertible {
    /// Variable names, overridable for tools that use their own prefix.
    public var accessKeyIdVariable = "OSS_ACCESS_KEY_ID"
    /// The variable holding the secret.
    public var accessKeySecretVariable = "OSS_ACCESS_KEY_SECRET"
    /// The variable holding an STS token, when there is one.
    public var sessionTokenVariable = "OSS_SESSION_TOKEN"
    private let lookup: @Sendable (String) -> String?

    /// Reads the process environment.
    public init() {
        lookup = { name in getenv(name).map { String(cString: $0) } }
    }

    /// Reads a given dictionary instead of the process environment (for tests and sandboxes).
    public init(environment: [String: String]) {
        lookup = { environment[$0] }
    }

    /// Reads the variables on every call, so that rotated keys are picked up without a new client.
    public func credentials() async throws -> Credentials? {
        try read()
    }

    /// The synchronous read behind ``credentials()``.
    public func read() throws(OSSError) -> Credentials {
        let id = lookup(accessKeyIdVariable).map { $0.trimmingWhitespace() } ?? ""
        let secret = lookup(accessKeySecretVariable).map { $0.trimmingWhitespace() } ?? ""
        let missing = [(accessKeyIdVariable, id), (accessKeySecretVariable, secret)].filter { $0.1.isEmpty }.map(\.0)
        guard missing.isEmpty else {
            throw .credentialsUnavailable("the environment variable\(missing.count > 1 ? "s" : "") \(missing.joined(separator: " and ")) \(missing.count > 1 ? "are" : "is") not set.")
        }
        let token = lookup(sessionTokenVariable).map { $0.trimmingWhitespace() }
        return Credentials(accessKeyId: id, accessKeySecret: secret, securityToken: token)
    }

    /// The variable names it reads, never their values.
    public var description: String { "EnvironmentCredentialsProvider(\(accessKeyIdVariable), \(accessKeySecretVariable), \(sessionTokenVariable))" }
}

/// Fixed credentials, for scripts and tests.
public struct StaticCredentialsProvider: CredentialsProvider, CustomStringConvertible {
    /// The credentials returned for every request.
    public let fixed: Credentials

    /// Serves these credentials.
    public init(_ credentials: Credentials) {
        fixed = credentials
    }

    /// Serves a key pair, with an optional STS token.
    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil) {
        fixed = Credentials(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret, securityToken: securityToken)
    }

    /// The same keys on every call.
    public func credentials() async throws -> Credentials? { fixed }

    /// The keys as `Credentials` print them: the access key ID masked, the secret and token redacted.
    public var description: String { "StaticCredentialsProvider(\(fixed))" }
}

/// No credentials: requests go out unsigned, for public-read buckets.
public struct AnonymousCredentialsProvider: CredentialsProvider, CustomStringConvertible {
    /// Requests go out unsigned.
    public init() {}
    /// Always nil: no keys, so nothing is signed.
    public func credentials() async throws -> Credentials? { nil }
    /// The type's name; there is nothing else to show.
    public var description: String { "AnonymousCredentialsProvider" }
}

/// Credentials from your own code: a keychain, a config service, a test double.
public struct ClosureCredentialsProvider: CredentialsProvider, CustomStringConvertible {
    private let body: @Sendable () async throws -> Credentials?

    /// Calls `body` before every request.
    public init(_ body: @escaping @Sendable () async throws -> Credentials?) {
        self.body = body
    }

    /// Calls the closure on every request; caching, if any, is the closure's.
    public func credentials() async throws -> Credentials? { try await body() }

    /// The type's name only: what the closure captures may be secret.
    public var description: String { "ClosureCredentialsProvider" }
}

/// Asks each provider in turn and uses the first that does not throw.
///
/// `[EnvironmentCredentialsProvider(), AnonymousCredentialsProvider()]` signs when the environment
/// has keys and goes unsigned otherwise.
public struct ChainCredentialsProvider: CredentialsProvider, CustomStringConvertible {
    /// Asked in order.
    public let providers: [any CredentialsProvider]

    /// A chain over `providers`, asked in order.
    public init(_ providers: [any CredentialsProvider]) {
        self.providers = providers
    }

    /// The answer of the first provider that does not throw, nil included (so an anonymous provider
    /// ends a chain); when every provider throws, one error that lists each reason.
    public func credentials() async throws -> Credentials? {
        var reasons: [String] = []
        for provider in providers {
            do {
                return try await provider.credentials()
            } catch let error as OSSError {
                reasons.append(error.description)
            } catch {
                reasons.append("\(type(of: provider)) failed (\(type(of: error)))")
            }
        }
        throw OSSError.credentialsUnavailable("no provider in the chain had credentials: " + reasons.joined(separator: "; "))
    }

    /// The types of the providers, in order, never their keys.
    public var description: String { "ChainCredentialsProvider(\(providers.map { String(describing: type(of: $0)) }.joined(separator: ", ")))" }
}
