/// How failed requests are tried again: exponential backoff with full jitter, honouring
/// `Retry-After`, as the official SDKs do.
///
/// Every body the SDK uploads is rewindable by construction (bytes in memory or a range of a
/// file), so a retry always resends the same bytes; a response that has started streaming to the
/// caller (``OSSBucket/getObjectStream(_:process:options:)``) is never retried.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. 1 disables retries.
    public var maxAttempts: Int
    /// The backoff base: the n-th retry waits a random time in 0...min(maxDelay, baseDelay·2ⁿ⁻¹).
    public var baseDelay: Duration
    /// The longest wait between attempts, `Retry-After` included.
    public var maxDelay: Duration

    /// Defaults match the official SDKs: 3 attempts, 200 ms base, 20 s cap.
    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Whether an error is worth another attempt: 5xx, 408, 429, `RequestTimeTooSkewed` (after
    /// the clock offset is corrected), broken connections, timeouts and truncated bodies.
    ///
    /// Two 5xx answers are final, since the same request cannot succeed on its own: 501
    /// `NotImplemented`, and 507 `InsufficientStorage` (a full disk, as a local OSS answers it),
    /// where retrying would only re-send the whole body to a server that has no room for it.
    public static func isRetryable(_ error: OSSError) -> Bool {
        if let server = error.serverError {
            if server.status == 501 || server.status == 507 || server.code == "InsufficientStorage" { return false }
            return server.status >= 500 || server.status == 408 || server.status == 429 || server.code == .requestTimeTooSkewed
        }
        if let transport = error.transportError { return transport.isRetryable }
        if let integrity = error.integrityError { return integrity.kind == .length }
        // Arguments, credentials, signing, processes, local files, unreadable answers and
        // cancellation: the same request would fail the same way.
        return false
    }

    /// The wait before retry number `retry` (1 for the first retry).
    public func delay(beforeRetry retry: Int, retryAfterSeconds: Int?) -> Duration {
        let exponent = min(30, max(0, retry - 1))
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let ceilingNanoseconds = max(0, ceiling.nanoseconds)
        var delay = Duration.nanoseconds(Int64.random(in: 0...ceilingNanoseconds))
        if let retryAfterSeconds, retryAfterSeconds > 0 {
            delay = max(delay, min(maxDelay, .seconds(retryAfterSeconds)))
        }
        return delay
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
