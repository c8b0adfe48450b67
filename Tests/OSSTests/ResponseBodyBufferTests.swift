import OSSHTTP
import Testing

/// The response-body state machine both network transports share, driven alone: events in,
/// actions out, with integer tokens standing for the consumer's continuations.
@Suite("Response body buffer state machine")
struct ResponseBodyBufferTests {
    typealias Buffer = ResponseBodyBuffer<Int>

    /// Small limits, so a few bytes cross every threshold.
    static let small = Buffer.Limits(highWatermark: 100, lowWatermark: 40, chunkSize: 10, spareLimit: 2)
    static let failure = TransportError(.connectionLost, "reset by peer")

    @Test("chunks come out in arrival order, small deliveries gathered up to the chunk size")
    func ordering() {
        var buffer = Buffer(limits: Self.small)
        for start in stride(from: 0, to: 12, by: 3) {
            #expect(Did(buffer.receive(Array(UInt8(start)..<UInt8(start + 3)))) == .none)
        }
        // 3 + 3 + 3 fit one 10-byte chunk; the fourth delivery starts the next one.
        #expect(Took(buffer.next(1)) == .chunk(Array(0..<9), resume: false))
        #expect(Took(buffer.next(2)) == .chunk(Array(9..<12), resume: false))
        // A delivery larger than a chunk stays whole.
        #expect(Did(buffer.receive(Array(12..<37))) == .none)
        #expect(Took(buffer.next(3)) == .chunk(Array(12..<37), resume: false))
        #expect(Took(buffer.next(4)) == .wait)
        #expect(buffer.bufferedBytes == 0)
    }

    @Test("the producer pauses once at the high watermark and resumes only at the low one")
    func hysteresis() {
        var buffer = Buffer(limits: Self.small)
        for index in 0..<9 {
            #expect(Did(buffer.receive([UInt8](repeating: UInt8(index), count: 10))) == .none)
        }
        #expect(Did(buffer.receive([UInt8](repeating: 9, count: 10))) == .pause)
        #expect(buffer.isProducerPaused)
        // A producer that cannot refuse (URLSession) delivers a little more: taken, no second pause.
        #expect(Did(buffer.receive([UInt8](repeating: 10, count: 10))) == .none)
        #expect(buffer.bufferedBytes == 110)
        // 110 → 50: above the low watermark, still paused.
        for index in 0..<6 {
            #expect(Took(buffer.next(index)) == .chunk([UInt8](repeating: UInt8(index), count: 10), resume: false))
        }
        #expect(buffer.isProducerPaused)
        // 50 → 40: at the low watermark, resumed once.
        #expect(Took(buffer.next(6)) == .chunk([UInt8](repeating: 6, count: 10), resume: true))
        #expect(!buffer.isProducerPaused)
        #expect(Took(buffer.next(7)) == .chunk([UInt8](repeating: 7, count: 10), resume: false))
        // Back up: 30 buffered, the pause comes again only at 100.
        for _ in 0..<6 { #expect(Did(buffer.receive([UInt8](repeating: 0, count: 10))) == .none) }
        #expect(Did(buffer.receive([UInt8](repeating: 0, count: 10))) == .pause)
        #expect(buffer.bufferedBytes == 100)
    }

    @Test("a consumer waiting on an empty buffer gets the next delivery directly")
    func consumerWaitsFirst() {
        var buffer = Buffer(limits: Self.small)
        #expect(Took(buffer.next(7)) == .wait)
        #expect(buffer.hasWaiter)
        #expect(Did(buffer.receive([]) ) == .none, "an empty delivery wakes nobody")
        #expect(Did(buffer.receive([1, 2, 3])) == .resume(7, [1, 2, 3]))
        #expect(!buffer.hasWaiter)
        #expect(buffer.bufferedBytes == 0)
        #expect(Did(buffer.receive([4])) == .none)
        #expect(Took(buffer.next(8)) == .chunk([4], resume: false))
    }

    @Test("the end of the body comes after the chunks still queued, then stays")
    func endWithDataQueued() {
        var buffer = Buffer(limits: Self.small)
        _ = buffer.receive([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        _ = buffer.receive([11])
        #expect(Ended(buffer.finish(.success(()))) == .none)
        #expect(buffer.isFinished)
        #expect(Took(buffer.next(1)) == .chunk(Array(1...10), resume: false))
        #expect(Took(buffer.next(2)) == .chunk([11], resume: false))
        #expect(Took(buffer.next(3)) == .end)
        #expect(Took(buffer.next(4)) == .end)

        var waiting = Buffer(limits: Self.small)
        #expect(Took(waiting.next(5)) == .wait)
        #expect(Ended(waiting.finish(.success(()))) == .resume(5, .success(nil)))
        #expect(Took(waiting.next(6)) == .end)
    }

    @Test("a failure comes after the chunks still queued, and every later read throws it")
    func failureWithDataQueued() {
        var buffer = Buffer(limits: Self.small)
        for _ in 0..<10 { _ = buffer.receive([UInt8](repeating: 1, count: 10)) }
        #expect(buffer.isProducerPaused)
        #expect(Ended(buffer.finish(.failure(Self.failure))) == .none)
        #expect(!buffer.isProducerPaused, "a finished producer is never left paused")
        for index in 0..<10 {
            // Draining past the low watermark asks for no resume: there is no producer left.
            #expect(Took(buffer.next(index)) == .chunk([UInt8](repeating: 1, count: 10), resume: false))
        }
        #expect(Took(buffer.next(10)) == .fail(Self.failure))
        #expect(Took(buffer.next(11)) == .fail(Self.failure))

        var waiting = Buffer(limits: Self.small)
        #expect(Took(waiting.next(12)) == .wait)
        #expect(Ended(waiting.finish(.failure(Self.failure))) == .resume(12, .failure(Self.failure)))
    }

    @Test("cancelling stops the producer, fails the waiter, drops the queue, and is final")
    func cancellation() {
        var waiting = Buffer(limits: Self.small)
        #expect(Took(waiting.next(3)) == .wait)
        #expect(Stopped(waiting.cancel()) == .stop(failing: 3))
        #expect(waiting.isCancelled)
        #expect(Stopped(waiting.cancel()) == .none, "a second cancel does nothing")

        var queued = Buffer(limits: Self.small)
        for _ in 0..<10 { _ = queued.receive([UInt8](repeating: 2, count: 10)) }
        #expect(queued.isProducerPaused)
        #expect(Stopped(queued.cancel()) == .stop(failing: nil))
        #expect(queued.bufferedBytes == 0)
        #expect(!queued.isProducerPaused)
        #expect(Took(queued.next(4)) == .fail(TransportError(.cancelled, "the request was cancelled")))
        // A delivery already on its way when the consumer gave up: dropped, producer to stop.
        #expect(Did(queued.receive([1])) == .discard)

        // After the producer ended, cancelling only drops what the consumer did not read.
        var ended = Buffer(limits: Self.small)
        _ = ended.receive([1])
        _ = ended.finish(.success(()))
        #expect(Stopped(ended.cancel()) == .none)
        #expect(Took(ended.next(5)) == .fail(TransportError(.cancelled, "the request was cancelled")))
    }

    @Test("chunks handed back are refilled in place, up to the spare limit, only while streaming")
    func spareReuse() throws {
        var buffer = Buffer(limits: Buffer.Limits(highWatermark: 1 << 20, lowWatermark: 0, chunkSize: 64 << 10, spareLimit: 2))
        let payload = [UInt8](repeating: 7, count: 40 << 10)
        _ = buffer.receive(payload)
        guard case let .chunk(first, _) = Took(buffer.next(1)) else { Issue.record("no chunk"); return }
        let firstAddress = first.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        buffer.recycle(consume first)
        #expect(buffer.spareCount == 1)
        _ = buffer.receive(payload)
        guard case let .chunk(second, _) = Took(buffer.next(2)) else { Issue.record("no chunk"); return }
        #expect(second == payload)
        #expect(second.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == firstAddress,
                "the recycled storage is filled again instead of a new allocation")
        #expect(buffer.spareCount == 0)

        // The hand-off to a waiting consumer draws on the spares too.
        buffer.recycle(consume second)
        #expect(Took(buffer.next(3)) == .wait)
        guard case let .resume(_, third) = Did(buffer.receive([1, 2, 3])) else { Issue.record("no hand-off"); return }
        #expect(third.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == firstAddress)

        for _ in 0..<5 { buffer.recycle([UInt8](repeating: 0, count: 64 << 10)) }
        #expect(buffer.spareCount == 2, "no more than the spare limit is kept")
        buffer.recycle([1, 2, 3])
        #expect(buffer.spareCount == 2)

        var small = Buffer(limits: Buffer.Limits(highWatermark: 1 << 20, lowWatermark: 0, chunkSize: 64 << 10, spareLimit: 2))
        small.recycle([1, 2, 3])
        #expect(small.spareCount == 0, "a small chunk would need regrowing: not kept")
        small.recycle([UInt8](repeating: 0, count: 64 << 10))
        _ = small.finish(.success(()))
        #expect(small.spareCount == 0, "the spares go with the end of the body")
        small.recycle([UInt8](repeating: 0, count: 64 << 10))
        #expect(small.spareCount == 0)
    }

    @Test("after an end, a failure or a cancel no event resumes, pauses or wakes anything")
    func nothingAfterTerminal() {
        let terminals: [(String, (inout Buffer) -> Void)] = [
            ("ended", { _ = $0.finish(.success(())) }),
            ("failed", { _ = $0.finish(.failure(Self.failure)) }),
            ("cancelled", { _ = $0.cancel() }),
        ]
        for (name, end) in terminals {
            var buffer = Buffer(limits: Self.small)
            end(&buffer)
            for index in 0..<20 {
                #expect(Did(buffer.receive([UInt8](repeating: 1, count: 10))) == .discard, "\(name)")
                #expect(!buffer.isProducerPaused, "\(name)")
                #expect(Ended(buffer.finish(.success(()))) == .none, "\(name)")
                #expect(Ended(buffer.finish(.failure(Self.failure))) == .none, "\(name)")
                let took = Took(buffer.next(index))
                #expect(took != .wait && !took.isChunk, "\(name): \(took)")
                #expect(!buffer.hasWaiter, "\(name)")
            }
            #expect(Stopped(buffer.cancel()) == .none, "\(name)")
        }
    }

    @Test("a second reader of one body is refused and the first keeps its place")
    func secondReader() {
        var buffer = Buffer(limits: Self.small)
        #expect(Took(buffer.next(1)) == .wait)
        guard case let .fail(error) = Took(buffer.next(2)) else { Issue.record("second reader accepted"); return }
        #expect(error.kind == .other)
        #expect(Did(buffer.receive([9])) == .resume(1, [9]))
    }

    @Test("random event sequences against a reference model", arguments: Array(UInt64(0)..<8))
    func randomized(seed: UInt64) {
        var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        for _ in 0..<150 {
            var model = Model(random: &random)
            for _ in 0..<300 { model.step(&random) }
            model.drain()
        }
    }
}

// MARK: The reference model

/// The simplest account of what the buffer must do: every byte accepted comes out once, in order;
/// one waiter at most; pauses only at the high mark, resumes only at the low one, none after the end.
private struct Model {
    typealias Buffer = ResponseBodyBuffer<Int>
    var buffer: Buffer
    let limits: Buffer.Limits
    /// Whether the producer stops delivering while told to pause (curl) or keeps on (URLSession).
    let honoursPause: Bool
    var sent: [UInt8] = []
    var received: [UInt8] = []
    var waiter: Int?
    var paused = false
    var producerDone = false
    var outcome: Result<Void, TransportError>?
    var cancelled = false
    var nextToken = 0
    var held: [[UInt8]] = []

    init(random: inout SplitMix64) {
        let high = Int.random(in: 2...64, using: &random)
        limits = Buffer.Limits(highWatermark: high, lowWatermark: Int.random(in: 0..<high, using: &random),
                               chunkSize: Int.random(in: 1...32, using: &random), spareLimit: Int.random(in: 0...3, using: &random))
        buffer = Buffer(limits: limits)
        honoursPause = Bool.random(using: &random)
    }

    var terminal: Bool { cancelled || outcome != nil }

    mutating func step(_ random: inout SplitMix64) {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<45: deliver(count: Int.random(in: 0...40, using: &random))
        case 45..<88: read(recycle: Bool.random(using: &random))
        case 88..<92: finish(Bool.random(using: &random) ? .success(()) : .failure(TransportError(.connectionLost, "x")))
        case 92..<94: cancel()
        default: returnHeld()
        }
        check()
    }

    mutating func deliver(count: Int) {
        guard !producerDone, !(paused && honoursPause) else { return }
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: (sent.count + $0) % 251) }
        switch Did(buffer.receive(bytes)) {
        case .none:
            #expect(!terminal)
            sent += bytes
        case .pause:
            #expect(!paused && !terminal)
            #expect(buffer.bufferedBytes >= limits.highWatermark)
            paused = true
            sent += bytes
        case let .resume(token, chunk):
            #expect(token == waiter, "only the one outstanding waiter is resumed")
            #expect(chunk == bytes)
            waiter = nil
            sent += bytes
            received += chunk
        case .discard:
            #expect(terminal)
        }
    }

    mutating func read(recycle: Bool) {
        let token = nextToken
        nextToken += 1
        let hadWaiter = waiter != nil
        switch Took(buffer.next(token)) {
        case let .chunk(chunk, resume):
            #expect(!chunk.isEmpty)
            received += chunk
            if resume {
                #expect(paused && buffer.bufferedBytes <= limits.lowWatermark)
                paused = false
            }
            if recycle { buffer.recycle(chunk) } else { held.append(chunk) }
        case .wait:
            #expect(!hadWaiter && !terminal && buffer.bufferedBytes == 0)
            waiter = token
        case .end:
            #expect(outcome.map { (try? $0.get()) != nil } == true && !cancelled)
            #expect(received == sent)
        case let .fail(error):
            if hadWaiter {
                #expect(waiter != nil, "the first reader keeps its place")
            } else if cancelled {
                #expect(error.kind == .cancelled)
            } else if case let .failure(expected) = outcome {
                #expect(error == expected)
                #expect(received == sent)
            } else {
                Issue.record("unexpected failure \(error)")
            }
        }
    }

    mutating func finish(_ result: Result<Void, TransportError>) {
        guard !producerDone else { return }
        producerDone = true
        let wasTerminal = terminal
        switch Ended(buffer.finish(result)) {
        case .none:
            #expect(wasTerminal || waiter == nil)
        case let .resume(token, value):
            #expect(!wasTerminal && token == waiter && buffer.bufferedBytes == 0)
            switch (value, result) {
            case (.success(nil), .success): break
            case let (.failure(got), .failure(expected)): #expect(got == expected)
            default: Issue.record("finish resumed with \(value) for \(result)")
            }
            waiter = nil
        }
        if !wasTerminal { outcome = result }
        paused = false
    }

    mutating func cancel() {
        let wasStreaming = !terminal
        switch Stopped(buffer.cancel()) {
        case .none:
            #expect(!wasStreaming)
        case let .stop(token):
            #expect(wasStreaming && token == waiter)
        }
        waiter = nil
        cancelled = true
        paused = false
    }

    mutating func returnHeld() {
        if let chunk = held.popLast() { buffer.recycle(chunk) }
    }

    func check() {
        #expect(received.count <= sent.count && Array(sent.prefix(received.count)) == received, "bytes out in the order they went in")
        if !cancelled {
            #expect(received.count + buffer.bufferedBytes == sent.count, "no byte lost or made up")
        }
        #expect(buffer.isProducerPaused == paused)
        if buffer.isFinished { #expect(!buffer.isProducerPaused, "never paused after the end") }
        if paused { #expect(buffer.bufferedBytes > limits.lowWatermark) }
        #expect(buffer.hasWaiter == (waiter != nil), "at most one outstanding waiter, the model's")
        if waiter != nil { #expect(buffer.bufferedBytes == 0) }
        #expect(buffer.spareCount <= limits.spareLimit)
    }

    /// Ends the producer if it has not ended and reads to the end: everything sent came out.
    mutating func drain() {
        if !producerDone { finish(.success(())) }
        guard !cancelled else { return }
        var reads = 0
        while reads < 10_000 {
            reads += 1
            let token = nextToken
            nextToken += 1
            switch Took(buffer.next(token)) {
            case let .chunk(chunk, _): received += chunk
            case .wait: Issue.record("waiting after the end"); return
            case .end, .fail: #expect(received == sent, "bytes out == bytes in"); return
            }
        }
        Issue.record("the body never ended")
    }
}

// MARK: Comparable views of the actions

private enum Did: Equatable {
    case none, pause, discard
    case resume(Int, [UInt8])
    init(_ action: ResponseBodyBuffer<Int>.ReceiveAction) {
        switch action {
        case .none: self = .none
        case .pauseProducer: self = .pause
        case .discard: self = .discard
        case let .resume(waiter, bytes): self = .resume(waiter, bytes)
        }
    }
}

private enum Took: Equatable {
    case chunk([UInt8], resume: Bool)
    case end, wait
    case fail(TransportError)
    init(_ action: ResponseBodyBuffer<Int>.NextAction) {
        switch action {
        case let .deliver(bytes, resumeProducer): self = .chunk(bytes, resume: resumeProducer)
        case .end: self = .end
        case .wait: self = .wait
        case let .fail(error): self = .fail(error)
        }
    }
    var isChunk: Bool { if case .chunk = self { true } else { false } }
}

private enum Ended: Equatable {
    case none
    case resume(Int, Result<[UInt8]?, TransportError>)
    init(_ action: ResponseBodyBuffer<Int>.FinishAction) {
        switch action {
        case .none: self = .none
        case let .resume(waiter, value): self = .resume(waiter, value)
        }
    }
}

private enum Stopped: Equatable {
    case none
    case stop(failing: Int?)
    init(_ action: ResponseBodyBuffer<Int>.CancelAction) {
        switch action {
        case .none: self = .none
        case let .stopProducer(waiter, error):
            #expect(error.kind == .cancelled)
            self = .stop(failing: waiter)
        }
    }
}

extension ResponseBodyBuffer {
    fileprivate mutating func receive(_ bytes: [UInt8]) -> ReceiveAction {
        bytes.withUnsafeBytes { receive($0) }
    }
}

/// A seeded generator, so a failing sequence replays.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
