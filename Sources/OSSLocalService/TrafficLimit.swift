import OSSCore
import OSSLocking

/// `x-oss-traffic-limit`: a body paced to a rate in bits per second, as OSS throttles a PUT,
/// GET, append, part upload or copy that asks for it (header, or query parameter of a presigned
/// URL). OSS takes 245,760 to 838,860,800 bit/s (30 KB/s to 100 MB/s) and refuses anything else.
///
/// The pacing sits on the body as the service reads or produces it, so it holds over loopback and
/// in-process alike: each chunk waits until the bytes before it are due at the rate, and chunks
/// are cut to a tenth of a second's worth so the rate is smooth, not bursts.
struct TrafficLimit: Sendable, Equatable {
    static let range: ClosedRange<Int64> = 245_760...838_860_800

    var bitsPerSecond: Int64

    /// The request's limit; nil when it asks for none; InvalidArgument when out of range.
    static func of(_ request: ParsedRequest) throws(ServiceError) -> TrafficLimit? {
        guard let text = request.header("x-oss-traffic-limit") ?? request.queryValue("x-oss-traffic-limit") else { return nil }
        guard let value = Int64(text.trimmingWhitespace()), range.contains(value) else {
            throw ServiceError.invalidArgument("The x-oss-traffic-limit must be between 245760 and 838860800 bits per second.",
                                               name: "x-oss-traffic-limit", value: String(text.prefix(64)), ec: "0016-00000104")
        }
        return TrafficLimit(bitsPerSecond: value)
    }

    /// Bytes per tenth of a second, the size chunks are cut to.
    var slice: Int { Int(max(1, bitsPerSecond / 80)) }

    /// The body, paced.
    func pace(_ body: ByteChunks) -> ByteChunks {
        let state = LockedValue(PaceState())
        let clock = ContinuousClock()
        let start = clock.now
        let slice = self.slice
        let rate = Double(bitsPerSecond)
        // The iterator only forwards to the body's pull closure, so a copy of it reads on.
        let upstream = body.makeAsyncIterator()
        return ByteChunks {
            // The remainder of the last chunk comes first.
            var chunk = state.withLock { pace -> [UInt8]? in
                guard !pace.pending.isEmpty else { return nil }
                defer { pace.pending = [] }
                return pace.pending
            }
            if chunk == nil {
                var next = upstream
                chunk = try await next.next()
            }
            guard var piece = chunk else { return nil }
            if piece.count > slice {
                let rest = Array(piece[slice...])
                piece = Array(piece[..<slice])
                state.withLock { $0.pending = rest }
            }
            let sent = state.withLock { pace -> Int64 in
                pace.sent += Int64(piece.count)
                return pace.sent - Int64(piece.count)
            }
            // Bytes before this piece are due at sent * 8 / rate seconds after the start.
            let due = start + .milliseconds(Int64(Double(sent) * 8 / rate * 1000))
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            return piece
        }
    }

    private struct PaceState {
        var sent: Int64 = 0
        var pending: [UInt8] = []
    }
}
