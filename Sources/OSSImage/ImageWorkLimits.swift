import OSSLocking

/// A flag that stops image work early: set when the client that asked for it has gone, or when
/// the work's time is up. Kernels and decoders look at it between rows, so a cancelled job gives
/// its core back within milliseconds instead of running to the end.
public final class ImageCancellation: Sendable {
    private let flag = LockedValue(false)

    /// A flag that is not set.
    public init() {}

    /// Asks the work to stop; safe from any thread, more than once.
    public func cancel() { flag.store(true) }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool { flag.load() }
}

/// What one image process may cost: the bounds that keep a single request from holding a core or
/// memory for long. The defaults follow OSS's documented limits; a server may lower them.
public struct ImageWorkLimits: Sendable, Hashable {
    /// Pixels decoded from the source (OSS: 250 megapixels).
    public var maximumDecodedPixels: Int
    /// Pixels produced by all actions together, intermediate images included.
    public var maximumProducedPixels: Int
    /// Actions in one process.
    public var maximumActions: Int
    /// Wall-clock time for the whole process.
    public var timeLimit: Duration

    /// Limits; the defaults are ``oss``'s.
    public init(maximumDecodedPixels: Int = 250_000_000, maximumProducedPixels: Int = 1_000_000_000,
                maximumActions: Int = 64, timeLimit: Duration = .seconds(30)) {
        self.maximumDecodedPixels = maximumDecodedPixels
        self.maximumProducedPixels = maximumProducedPixels
        self.maximumActions = maximumActions
        self.timeLimit = timeLimit
    }

    /// OSS's documented limits.
    public static let oss = ImageWorkLimits()
}
