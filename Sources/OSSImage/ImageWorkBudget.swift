import CImageCodecs
import OSSLocking

/// The running account of one image job: its limits, its deadline, its cancellation flag and the
/// pixels produced so far. Kernels call ``checkpoint()`` before each image they allocate and
/// between rows; the C codecs ask ``shouldStop`` through ``stop`` between scanlines.
///
/// Thread-safe: band decoders and the transcode's encoder thread ask it at the same time.
final class ImageWorkBudget: Sendable {
    let limits: ImageWorkLimits
    let cancellation: ImageCancellation?
    /// nil: no time limit.
    let deadline: ContinuousClock.Instant?
    private let produced = LockedValue<Int>(0)
    /// What the C codecs call; its context is this budget, unretained (the budget outlives every
    /// call it is passed to). Written once in `init`, then only read.
    private nonisolated(unsafe) let callback: UnsafeMutablePointer<oss_stop>

    /// A budget whose clock starts now.
    init(limits: ImageWorkLimits, cancellation: ImageCancellation?) {
        self.limits = limits
        self.cancellation = cancellation
        deadline = limits.timeLimit >= .seconds(Int64.max / 2) ? nil : ContinuousClock.now.advanced(by: limits.timeLimit)
        callback = .allocate(capacity: 1)
        callback.initialize(to: oss_stop(should_stop: { context in
            guard let context else { return 0 }
            return Unmanaged<ImageWorkBudget>.fromOpaque(context).takeUnretainedValue().shouldStop ? 1 : 0
        }, context: nil))
        callback.pointee.context = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit { callback.deallocate() }

    /// No limits, no deadline, no cancellation: for codec functions called on their own.
    static var unbounded: ImageWorkBudget { ImageWorkBudget(limits: .unbounded, cancellation: nil) }

    /// For the C codecs; nil when nothing can stop the work (saves a call per scanline).
    var stop: UnsafePointer<oss_stop>? {
        cancellation == nil && deadline == nil ? nil : UnsafePointer(callback)
    }

    /// Whether the work must end now: cancelled, or past the deadline.
    var shouldStop: Bool {
        if cancellation?.isCancelled == true { return true }
        if let deadline { return ContinuousClock.now >= deadline }
        return false
    }

    /// Why the work ended: cancellation wins over the clock.
    var stopError: ImageError {
        cancellation?.isCancelled == true ? .cancelled : .timedOut(after: limits.timeLimit)
    }

    /// Throws the stop's error when the work must end.
    @inline(__always)
    func checkpoint() throws(ImageError) {
        if shouldStop { throw stopError }
    }

    /// Refuses a decode larger than ``ImageWorkLimits/maximumDecodedPixels``.
    func admitDecode(width: Int, height: Int) throws(ImageError) {
        let pixels = Checked.saturating(width, height)
        guard pixels <= limits.maximumDecodedPixels else {
            throw .invalidArgument("Decoding \(width)x\(height) (\(pixels) pixels) exceeds this server's limit of \(limits.maximumDecodedPixels) decoded pixels per request.")
        }
    }

    /// Counts pixels about to be produced; refuses them past ``ImageWorkLimits/maximumProducedPixels``.
    func chargeProduced(_ pixels: Int) throws(ImageError) {
        let limit = limits.maximumProducedPixels
        let refused: Int? = produced.withLock { total in
            let next = Checked.sum(total, pixels)
            guard next <= limit else { return next }
            total = next
            return nil
        }
        if let next = refused {
            throw .invalidArgument("The process would produce \(next == .max ? "too many" : String(next)) pixels in all; this server's limit is \(limit) produced pixels per request.")
        }
    }

    /// Maps a C codec's status to an error: a stop to the stop's error, others to `failure`.
    func codecFailure(_ status: Int32, _ failure: @autoclosure () -> ImageError) -> ImageError {
        status == OSS_CODEC_STOPPED ? stopError : failure()
    }
}
