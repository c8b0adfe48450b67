import OSSLocking

/// A flag that stops image work early: set when the client that asked for it has gone, or when
/// the server is stopping. Kernels and decoders look at it between rows (the C codecs between
/// scanlines, or a few kilobytes of compressed input), so a cancelled job gives its core back
/// within milliseconds instead of running to the end; it then throws a 503
/// `ProcessingCancelled` ``ImageError``.
public final class ImageCancellation: Sendable {
    private let flag = LockedValue(false)
    /// Tests': after how many looks at ``isCancelled`` it answers true by itself, and the looks so
    /// far, so that a test can cancel at a known point of the work instead of after a guessed
    /// time. nil: only ``cancel()``.
    private let countdown: LockedValue<(limit: Int, looks: Int)>?

    /// A flag that is not set.
    public init() { countdown = nil }

    /// A flag that sets itself at the `looks + 1`-th look at ``isCancelled``; with `Int.max`,
    /// never in practice, for counting the looks a job takes (``looks``).
    package init(settingItselfAfter looks: Int) { countdown = LockedValue((limit: looks, looks: 0)) }

    /// Asks the work to stop; safe from any thread, more than once.
    public func cancel() { flag.store(true) }

    /// Whether ``cancel()`` was called (or a test's flag has set itself).
    public var isCancelled: Bool {
        if flag.load() { return true }
        guard let countdown else { return false }
        return countdown.withLock { state in
            if state.looks < Int.max { state.looks += 1 }
            return state.looks > state.limit
        }
    }

    /// The looks at ``isCancelled`` so far, for a flag made by ``init(settingItselfAfter:)``.
    package var looks: Int { countdown?.load().looks ?? 0 }
}

/// What one image process may cost: the bounds that keep a single request from holding a core or
/// memory for long. The defaults follow OSS's documented limits where it documents one; a server
/// may lower them.
///
/// Past a size or count limit, ``ImageProcessor/process(_:source:limits:cancellation:)-(ImageProcess,_,_,_)``
/// throws 400 `InvalidArgument` naming the limit, before any pixel buffer exists: every size is
/// known from the source's header and the process. Past ``timeLimit`` it throws 503
/// `ProcessingTimeout` (see ``ImageError/processingTimeoutCode``), within milliseconds of the
/// deadline. OSS's own limits (``ImageLimits``: 20 MB, 30,000 px a side and 250 MP sources, rotate
/// ≤ 4096², resize ≤ 16,384 a side and 250 MP) apply whatever these say.
public struct ImageWorkLimits: Sendable, Hashable {
    /// Pixels decoded from the source at the size actually decoded (a JPEG region decode counts
    /// the region). OSS: 250 megapixels.
    public var maximumDecodedPixels: Int
    /// Pixels produced by all actions together, intermediate images included. The default is four
    /// full-size 250 MP images: room for any documented chain on the largest source, not for a
    /// loop of rotations.
    public var maximumProducedPixels: Int
    /// Actions in one process (OSS documents none; its styles are short).
    public var maximumActions: Int
    /// Frames of an animated GIF processed as an animation (OSS documents none; each frame is
    /// decoded, processed and written in turn, so this bounds the per-frame work that the pixel
    /// limits, which count frames × frame size, do not).
    public var maximumFrames: Int
    /// Wall-clock time for the whole process, decode and encode included.
    public var timeLimit: Duration
    /// Cores one process may spread its bands over; nil: the machine's cores shared among the
    /// jobs running at that moment (a job alone takes them all, and gives them up stage by stage
    /// as others arrive).
    ///
    /// nil gives a job that runs alone its shortest time, which suits an app's own jobs and the
    /// offline mode, and under load about the same throughput as 1 (measured with `oss serve`:
    /// then every job has one core either way). A limit suits a server: no single request takes
    /// more cores than it is given, so requests/s grows with the clients until every core is busy.
    /// `oss serve` holds each request to 1 unless told otherwise. What a process makes does not
    /// depend on it.
    public var coresPerJob: Int?

    /// Limits; the defaults are ``oss``'s.
    public init(maximumDecodedPixels: Int = 250_000_000, maximumProducedPixels: Int = 1_000_000_000,
                maximumActions: Int = 64, timeLimit: Duration = .seconds(30), maximumFrames: Int = 1000, coresPerJob: Int? = nil) {
        self.maximumDecodedPixels = maximumDecodedPixels
        self.maximumProducedPixels = maximumProducedPixels
        self.maximumActions = maximumActions
        self.timeLimit = timeLimit
        self.maximumFrames = maximumFrames
        self.coresPerJob = coresPerJob
    }

    /// OSS's documented limits.
    public static let oss = ImageWorkLimits()

    /// No bound beyond ``ImageLimits``: for the codec functions called on their own.
    static let unbounded = ImageWorkLimits(maximumDecodedPixels: .max, maximumProducedPixels: .max, maximumActions: .max, timeLimit: .seconds(Int64.max), maximumFrames: .max)
}
