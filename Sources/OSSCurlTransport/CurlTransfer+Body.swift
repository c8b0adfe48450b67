import CCurlShim
import OSSHTTP
import OSSLocking

/// The response body's side of a transfer: the consumer's reads, cancels and returned chunks,
/// and curl's write callback that fills the buffer. The rules (order, watermarks, spares, end,
/// failure, cancel) are `ResponseBodyBuffer`'s; this file only performs its answers under the
/// transfer's lock, and talks to curl on the driver thread.
extension CurlTransfer {
    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                switch state.withLock({ $0.body.next(continuation) }) {
                case let .deliver(chunk, resumeProducer):
                    // Only the driver thread calls curl: it lifts the pause.
                    if resumeProducer { driver.submit(.resume(self)) }
                    continuation.resume(returning: chunk)
                case .end:
                    continuation.resume(returning: nil)
                case let .fail(error):
                    continuation.resume(throwing: error)
                case .wait:
                    break
                }
            }
        } onCancel: {
            cancel()
        }
    }

    func recycle(_ chunk: [UInt8]) {
        state.withLock { $0.body.recycle(chunk) }
    }

    func cancel() {
        guard case let .stopProducer(waiter, error) = state.withLock({ $0.body.cancel() }) else { return }
        waiter?.resume(throwing: error)
        driver.submit(.remove(self, error))
    }

    /// curl's write callback, on the driver thread: at most 16 KiB per call, gathered by the
    /// buffer into large chunks.
    func onData(_ buffer: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let bytes = UnsafeRawBufferPointer(start: buffer, count: count)
        enum Reply {
            case taken, refused, aborted
            case handedOff(CheckedContinuation<[UInt8]?, any Error>, [UInt8])
        }
        let reply = state.withLock { state -> Reply in
            // curl pauses by refusing a delivery: it keeps the bytes and offers them again once
            // the driver lifts the pause. So a pause the buffer asked for takes effect here, on
            // the delivery after the one that reached the high watermark.
            if state.body.isProducerPaused { return .refused }
            switch state.body.receive(bytes) {
            case .none, .pauseProducer: return .taken
            case let .resume(waiter, chunk): return .handedOff(waiter, chunk)
            case .discard: return .aborted
            }
        }
        switch reply {
        case .taken: return count
        case .refused: return oss_curl_writefunc_pause()
        case .aborted: return 0 // makes curl abort with CURLE_WRITE_ERROR
        case let .handedOff(waiter, chunk):
            waiter.resume(returning: chunk)
            return count
        }
    }
}
