/// The buffering between a transport that receives a response body and the task that reads it.
///
/// A pure state machine: it holds no lock, does no I/O and resumes nothing. Each method takes one
/// event (bytes arrived, the consumer asks for a chunk, the body ended or failed, the consumer
/// cancelled, a chunk came back for reuse) and returns what the caller must do: resume the
/// waiting consumer with these bytes, pause or resume the producer, stop it, nothing. Both network
/// transports keep one behind their lock and perform the returned actions after it, so the
/// ordering, back-pressure and end-of-body rules are written and tested once (ResponseBodyBufferTests)
/// instead of twice with different numbers.
///
/// `Waiter` is whatever stands for the suspended consumer: a continuation in the transports, a
/// plain token in the tests. At most one is held, and only while nothing is queued.
package struct ResponseBodyBuffer<Waiter> {
    /// The sizes the buffer works with.
    package typealias Limits = ResponseBodyLimits

    /// What the caller does after bytes arrived.
    package enum ReceiveAction {
        /// The bytes are queued; nothing else to do.
        case none
        /// The bytes are queued and the buffer reached the high watermark: pause the producer
        /// until a ``NextAction/deliver(_:resumeProducer:)`` says to resume it.
        case pauseProducer
        /// The consumer was waiting on an empty buffer: resume it with these bytes.
        case resume(Waiter, with: [UInt8])
        /// The body is already over (cancelled, ended or failed): the bytes were dropped, and a
        /// producer still running should stop.
        case discard
    }

    /// What the caller does when the consumer asks for the next chunk.
    package enum NextAction {
        /// Return this chunk now; when `resumeProducer`, the buffer fell to the low watermark and
        /// the paused producer should go on.
        case deliver([UInt8], resumeProducer: Bool)
        /// Return the end of the body (nil).
        case end
        /// Throw this error.
        case fail(TransportError)
        /// Nothing yet: the waiter is kept and a later event returns it.
        case wait
    }

    /// What the caller does when the producer reports the end of the body or a failure.
    package enum FinishAction {
        case none
        /// The consumer was waiting on an empty buffer: resume it with the end (nil) or the error.
        case resume(Waiter, with: Result<[UInt8]?, TransportError>)
    }

    /// What the caller does when the consumer cancels.
    package enum CancelAction {
        case none
        /// Stop the producer, and resume the waiter, if any, with `error`.
        case stopProducer(failing: Waiter?, with: TransportError)
    }

    fileprivate enum Phase {
        /// The producer may still deliver. A waiter is held only while the queue is empty.
        case streaming(waiter: Waiter?)
        /// The producer delivered everything; the queue drains, then the consumer sees the end.
        case ended
        /// The producer failed; the queue drains, then the consumer sees the error.
        case failed(TransportError)
        /// The consumer gave up: nothing is kept, every later read throws.
        case cancelled
    }

    package let limits: Limits
    private var phase: Phase = .streaming(waiter: nil)
    /// Chunks in arrival order. Short (about high / chunkSize), so removing from the front is cheap.
    private var chunks: [[UInt8]] = []
    /// Emptied chunks handed back by the consumer, refilled instead of allocating.
    private var spare: [[UInt8]] = []
    /// Bytes queued and not yet taken by the consumer.
    package private(set) var bufferedBytes = 0
    /// Whether the producer has been told to pause and not yet to resume. A producer that can
    /// refuse a delivery (curl) reads it to refuse the next one; one that cannot (URLSession)
    /// just performs the action.
    package private(set) var isProducerPaused = false

    static var cancelledError: TransportError { TransportError(.cancelled, "the request was cancelled") }

    /// An empty buffer, streaming.
    package init(limits: Limits = .standard) {
        self.limits = limits
    }

    /// Whether the consumer cancelled.
    package var isCancelled: Bool {
        if case .cancelled = phase { true } else { false }
    }

    /// Whether the producer's part is over (ended, failed or cancelled).
    package var isFinished: Bool {
        if case .streaming = phase { false } else { true }
    }

    /// Whether a consumer is waiting.
    package var hasWaiter: Bool {
        if case .streaming(waiter: .some) = phase { true } else { false }
    }

    /// The number of spare chunks held, for tests.
    package var spareCount: Int { spare.count }

    // MARK: Events

    /// The producer delivered `bytes`. They are always taken (curl refuses by itself while
    /// ``isProducerPaused``; URLSession cannot refuse).
    package mutating func receive(_ bytes: UnsafeRawBufferPointer) -> ReceiveAction {
        guard case let .streaming(waiter) = phase else { return .discard }
        guard !bytes.isEmpty else { return .none }
        if let waiter {
            // The consumer is idle and the queue empty: hand this delivery over at once.
            phase = .streaming(waiter: nil)
            var chunk = takeSpare()
            chunk.append(contentsOf: bytes)
            return .resume(waiter, with: chunk)
        }
        if let last = chunks.indices.last, chunks[last].count + bytes.count <= limits.chunkSize {
            chunks[last].append(contentsOf: bytes)
        } else {
            var chunk = takeSpare()
            chunk.reserveCapacity(max(limits.chunkSize, bytes.count))
            chunk.append(contentsOf: bytes)
            chunks.append(chunk)
        }
        bufferedBytes += bytes.count
        if !isProducerPaused && bufferedBytes >= limits.highWatermark {
            isProducerPaused = true
            return .pauseProducer
        }
        return .none
    }

    /// The consumer asks for the next chunk and would wait as `waiter`.
    package mutating func next(_ waiter: Waiter) -> NextAction {
        if !chunks.isEmpty {
            // Removed, not copied: the consumer's chunk is then the only reference to its
            // storage, so it can come back through ``recycle(_:)`` and be refilled in place.
            let chunk = chunks.removeFirst()
            bufferedBytes -= chunk.count
            var resumeProducer = false
            if isProducerPaused && bufferedBytes <= limits.lowWatermark {
                isProducerPaused = false
                resumeProducer = true
            }
            return .deliver(chunk, resumeProducer: resumeProducer)
        }
        switch phase {
        case .streaming(waiter: nil):
            phase = .streaming(waiter: waiter)
            return .wait
        case .streaming(waiter: .some):
            // Two readers of one body (two iterators): the second is refused, the first keeps its place.
            return .fail(TransportError(.other, "the response body is already being read by another iterator"))
        case .ended:
            return .end
        case let .failed(error):
            return .fail(error)
        case .cancelled:
            return .fail(Self.cancelledError)
        }
    }

    /// The producer is done: `.success` at the end of the body, `.failure` when the transfer
    /// broke. The first outcome wins; queued chunks are still delivered before it.
    package mutating func finish(_ outcome: Result<Void, TransportError>) -> FinishAction {
        guard case let .streaming(waiter) = phase else { return .none }
        switch outcome {
        case .success: phase = .ended
        case let .failure(error): phase = .failed(error)
        }
        // Nothing is left to resume, and the spares would only be kept alive by the queue.
        isProducerPaused = false
        spare = []
        guard let waiter else { return .none }
        return .resume(waiter, with: outcome.map { nil })
    }

    /// The consumer gives up: queued bytes are dropped, a waiter is failed, and a producer still
    /// running is told to stop. Safe to repeat.
    package mutating func cancel() -> CancelAction {
        let previous = phase
        phase = .cancelled
        chunks = []
        spare = []
        bufferedBytes = 0
        isProducerPaused = false
        guard case let .streaming(waiter) = previous else { return .none }
        return .stopProducer(failing: waiter, with: Self.cancelledError)
    }

    /// Takes back a chunk the consumer is done with, to be refilled. Only large chunks are kept
    /// (a small one would need regrowing), and only while the producer may still deliver.
    package mutating func recycle(_ chunk: [UInt8]) {
        guard case .streaming = phase, spare.count < limits.spareLimit,
              chunk.capacity >= min(limits.chunkSize, 16 << 10) else { return }
        spare.append(chunk)
    }

    private mutating func takeSpare() -> [UInt8] {
        guard var chunk = spare.popLast() else { return [] }
        chunk.removeAll(keepingCapacity: true)
        return chunk
    }
}

/// The sizes a ``ResponseBodyBuffer`` works with.
package struct ResponseBodyLimits: Sendable, Hashable {
    /// Buffered bytes at which the producer is told to pause.
    package var highWatermark: Int
    /// Buffered bytes at or below which a paused producer is told to resume.
    package var lowWatermark: Int
    /// Deliveries are gathered into chunks of up to this size before the consumer sees them.
    package var chunkSize: Int
    /// The most emptied chunks kept for refilling.
    package var spareLimit: Int

    /// Limits; `0 <= lowWatermark < highWatermark` and a positive chunk size.
    package init(highWatermark: Int, lowWatermark: Int, chunkSize: Int, spareLimit: Int) {
        precondition(lowWatermark >= 0 && lowWatermark < highWatermark && chunkSize > 0 && spareLimit >= 0,
                     "ResponseBodyLimits needs 0 <= low < high and a positive chunk size")
        self.highWatermark = highWatermark
        self.lowWatermark = lowWatermark
        self.chunkSize = chunkSize
        self.spareLimit = spareLimit
    }

    /// The one set both transports use.
    ///
    /// - 2 MiB high: the memory a slow consumer may cost per response. The Downloader runs four
    ///   parts at once by default, so a stalled disk holds about 8 MiB, not the object.
    /// - 512 KiB low: a quarter of the high mark. The consumer still has two chunks in hand
    ///   while the resume reaches the producer (a wake-up of curl's thread, a re-opened TCP
    ///   window: tens of milliseconds on a WAN), and every pause/resume cycle moves at least
    ///   1.5 MiB, so a consumer just slower than the link does not toggle the producer per chunk.
    /// - 256 KiB chunks: curl delivers at most 16 KiB per callback, URLSession slices of its
    ///   own choosing; gathering them makes the per-chunk cost (a continuation, a write
    ///   syscall) negligible, and eight chunks fill the high mark.
    /// - 12 spare chunks: enough to cover a full buffer (8 chunks) plus the few the consumer
    ///   holds, so a long download runs on a fixed set of buffers.
    package static let standard = ResponseBodyLimits(highWatermark: 2 << 20, lowWatermark: 512 << 10, chunkSize: 256 << 10, spareLimit: 12)
}

extension ResponseBodyBuffer: Sendable where Waiter: Sendable {}
extension ResponseBodyBuffer.Phase: Sendable where Waiter: Sendable {}
extension ResponseBodyBuffer.ReceiveAction: Sendable where Waiter: Sendable {}
extension ResponseBodyBuffer.FinishAction: Sendable where Waiter: Sendable {}
extension ResponseBodyBuffer.CancelAction: Sendable where Waiter: Sendable {}
