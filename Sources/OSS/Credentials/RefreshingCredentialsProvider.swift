/// Temporary (STS) credentials that are fetched again shortly before they expire.
///
/// Concurrent requests share one refresh: while a fetch is in flight, every caller awaits that same
/// fetch, so a burst of 100 requests at expiry costs one call to STS, not 100.
public actor RefreshingCredentialsProvider: CredentialsProvider {
    /// How long before expiry a refresh starts; 5 minutes by default, as the official SDKs do.
    public let refreshMargin: Int64
    private let fetch: @Sendable () async throws -> Credentials
    private let clock: SigningClock
    private var current: Credentials?
    private var inFlight: Task<Credentials, any Error>?

    /// - Parameters:
    ///   - refreshMargin: seconds before `expiration` at which credentials count as stale.
    ///   - clock: the time source (injectable for tests).
    ///   - fetch: obtains fresh credentials, with `expiration` set for temporary ones.
    public init(refreshMargin: Int64 = 300, clock: @escaping SigningClock = SigningTime.now,
                fetch: @escaping @Sendable () async throws -> Credentials) {
        self.refreshMargin = refreshMargin
        self.clock = clock
        self.fetch = fetch
    }

    /// The cached credentials while they are fresh; otherwise the one refresh in flight, started if none is.
    public func credentials() async throws -> Credentials? {
        if let current, isFresh(current) {
            return current
        }
        if let inFlight {
            return try await inFlight.value
        }
        let task = Task { try await fetch() }
        inFlight = task
        defer { inFlight = nil }
        let fresh = try await task.value
        current = fresh
        return fresh
    }

    private func isFresh(_ credentials: Credentials) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return clock().unixSeconds < expiration.unixSeconds - refreshMargin
    }
}
