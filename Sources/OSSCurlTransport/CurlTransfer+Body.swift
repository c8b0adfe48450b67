import CCurlShim
import OSSHTTP
import OSSLocking

/// The response body's side of a transfer: the consumer's reads, cancels and returned chunks,
/// and curl's write callback that fills the buffer.
extension CurlTransfer {
    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                var resumeTransfer = false
                let ready: Result<[UInt8]?, TransportError>? = state.withLock { state in
                    if state.chunkIndex < state.chunks.count {
                        // Move the chunk out, so the queue holds no second reference to it: the
                        // consumer's copy must be unique for the buffer to be reused, not copied.
                        let chunk = state.chunks[state.chunkIndex]
                        state.chunks[state.chunkIndex] = []
                        state.chunkIndex += 1
                        if state.chunkIndex == state.chunks.count {
                            state.chunks.removeAll(keepingCapacity: true)
                            state.chunkIndex = 0
                        } else if state.chunkIndex >= 64 {
                            state.chunks.removeFirst(state.chunkIndex)
                            state.chunkIndex = 0
                        }
                        state.buffered -= chunk.count
                        if state.paused && state.buffered < CurlTransport.lowWatermark {
                            state.paused = false
                            resumeTransfer = true
                        }
                        return .success(chunk)
                    }
                    if let outcome = state.outcome {
                        return outcome.map { nil }
                    }
                    state.bodyContinuation = continuation
                    return nil
                }
                if resumeTransfer { driver.submit(.resume(self)) }
                if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
            }
        } onCancel: {
            cancel()
        }
    }

    func recycle(_ chunk: [UInt8]) {
        state.withLock { state in
            if state.spare.count < 24 && chunk.capacity >= 16 << 10 { state.spare.append(chunk) }
        }
    }

    func cancel() {
        let first = state.withLock { state -> Bool in
            defer { state.cancelled = true }
            return !state.cancelled && state.outcome == nil
        }
        if first { driver.submit(.remove(self, TransportError(.cancelled, "the request was cancelled"))) }
    }

    func onData(_ buffer: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        // curl delivers at most 16 KiB per call; deliveries are gathered into chunks of up to
        // `chunkSize`, refilled from the spare list, so the consumer sees few, large chunks and
        // the buffered bytes are what the memory holds.
        let bytes = UnsafeRawBufferPointer(start: buffer, count: count)
        var continuation: CheckedContinuation<[UInt8]?, any Error>?
        var handOff: [UInt8] = []
        enum Outcome { case pause, cancelled, taken }
        let outcome = state.withLock { state -> Outcome in
            if state.cancelled { return .cancelled }
            if let waiting = state.bodyContinuation {
                // The consumer is idle and the buffer empty: hand this delivery over at once.
                state.bodyContinuation = nil
                continuation = waiting
                handOff = state.spare.popLast() ?? []
                handOff.removeAll(keepingCapacity: true)
                handOff.append(contentsOf: bytes)
                return .taken
            }
            if state.buffered >= CurlTransport.highWatermark {
                state.paused = true
                return .pause
            }
            if state.chunks.count > state.chunkIndex, state.chunks[state.chunks.count - 1].count + count <= Self.chunkSize {
                state.chunks[state.chunks.count - 1].append(contentsOf: bytes)
            } else {
                var chunk = state.spare.popLast() ?? []
                chunk.removeAll(keepingCapacity: true)
                chunk.reserveCapacity(Self.chunkSize)
                chunk.append(contentsOf: bytes)
                state.chunks.append(chunk)
            }
            state.buffered += count
            return .taken
        }
        switch outcome {
        case .pause: return oss_curl_writefunc_pause()
        case .cancelled: return 0 // makes curl abort with CURLE_WRITE_ERROR
        case .taken:
            continuation?.resume(returning: handOff)
            return count
        }
    }
}
