import Dispatch
import OSSCrypto
import OSSFileIO
import OSSLocking

/// The last stage of a download: CRC-64 and file writes on a serial queue of their own, so that
/// receiving, checksumming and writing overlap. At most ``maximumInFlight`` bytes wait for the
/// disk; beyond that the receiving task waits, which in turn pauses the transfer.
final class DownloadSink: @unchecked Sendable {
    static let maximumInFlight = 2 << 20
    /// Bytes between background flushes to disk, so the final fsync is short.
    static let flushInterval: Int64 = 64 << 20

    let writer: AtomicFileWriter
    private let queue = DispatchQueue(label: "swift-oss.download-sink")
    /// Background flushes run here, beside the writes, one at a time.
    private let flusher = DispatchQueue(label: "swift-oss.download-flush")
    private let flushing = LockedValue(false)
    private var flushedUpTo: Int64 = 0
    private struct State {
        var inFlight = 0
        var failure: (any Error)?
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = LockedValue(State())
    // Touched only on `queue`.
    private var crc = CRC64()
    private var written: Int64 = 0

    /// Where written chunks go back for reuse (the response body's recycler).
    private let recycle: @Sendable ([UInt8]) -> Void

    init(writer: AtomicFileWriter, recycle: @escaping @Sendable ([UInt8]) -> Void = { _ in }) {
        self.writer = writer
        self.recycle = recycle
    }

    /// Queues a chunk; returns at once unless too much is already waiting.
    func append(_ chunk: [UInt8]) async throws {
        let mustWait = state.withLock { $0.inFlight >= Self.maximumInFlight }
        if mustWait {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.inFlight < Self.maximumInFlight || state.failure != nil { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
        if let failure = state.withLock({ $0.failure }) { throw failure }
        let count = chunk.count
        state.withLock { $0.inFlight += count }
        // Boxed so the queue's copy is the only reference when it goes back for reuse; a second
        // reference would make the transport's refill allocate a new buffer.
        let box = ChunkBox(chunk)
        queue.async { [self] in
            let bytes = box.take()
            var failure: (any Error)?
            if state.withLock({ $0.failure }) == nil {
                do {
                    crc.update(bytes)
                    try writer.write(bytes)
                    written += Int64(count)
                    if written - flushedUpTo >= Self.flushInterval,
                       flushing.withLock({ busy in defer { busy = true }; return !busy }) {
                        flushedUpTo = written
                        flusher.async { [self] in
                            writer.flushWritten()
                            flushing.store(false)
                        }
                    }
                } catch {
                    failure = error
                }
            }
            recycle(consume bytes)
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.inFlight -= count
                if let failure, state.failure == nil { state.failure = failure }
                guard state.inFlight < Self.maximumInFlight || state.failure != nil else { return nil }
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// Waits for every queued write; returns the CRC-64 and the byte count.
    func finish() async throws -> (crc: UInt64, bytes: Int64) {
        let result: (UInt64, Int64) = await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: (crc.value, written)) }
        }
        if let failure = state.withLock({ $0.failure }) { throw failure }
        return result
    }

    /// Makes the file durable and visible at its destination.
    func commit() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { [self] in
                // Wait for a background flush in progress before the final sync and rename.
                flusher.sync {}
                continuation.resume(with: Result { try writer.commit() })
            }
        }
    }

    /// Drops the temporary file, after any queued write.
    func abort() async {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                flusher.sync {}
                writer.abort()
                continuation.resume()
            }
        }
    }
}

/// Carries a chunk to the queue and gives it up on first use.
private final class ChunkBox: @unchecked Sendable {
    private var bytes: [UInt8]?
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func take() -> [UInt8] {
        defer { bytes = nil }
        return bytes ?? []
    }
}
