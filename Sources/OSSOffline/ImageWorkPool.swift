import OSSImage
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads of its own for image work, with a bounded queue and a memory budget.
///
/// Image work is long and CPU-bound. On Swift's cooperative pool (one thread per core) a few
/// concurrent jobs would hold every thread, and every other request of the server (a 1-byte GET,
/// a listing) would wait behind them; on the NIO event loops they would stall the sockets. Here the
/// jobs run on at most ``Configuration/workers`` threads made for them, at a lower scheduling
/// priority, and the rest of the server keeps its threads.
///
/// Admission is by count and by cost: a job starts when a worker is free and the bytes held by the
/// running jobs plus its own estimate stay within ``Configuration/memoryBudget`` (a job larger than
/// the whole budget runs alone). Waiting jobs are served in order; past
/// ``Configuration/maximumQueued`` waiting jobs, a new one is refused at once with ``Busy`` (the
/// server answers `503 SlowDown`, which clients retry).
///
/// Threads start when there is work and end when there is none, so an idle pool holds no thread.
public final class ImageWorkPool: Sendable {
    /// How much image work runs at once and how much may wait.
    public struct Configuration: Sendable, Hashable {
        /// Jobs running at once. Default: the number of cores, so image work can use the whole
        /// machine while it runs at a lower priority than the server's own threads.
        public var workers: Int
        /// Jobs waiting for a worker before new ones are refused. Default: 16 per worker. A job
        /// further back would wait for 16 jobs' time per worker; a client is better served by a
        /// `503 SlowDown` and a retry with back-off than by a request that long.
        public var maximumQueued: Int
        /// Bytes the running jobs may hold together, by each job's estimate. Default: 1 GiB, which
        /// lets dozens of camera photos run together but only one image near OSS's 250-megapixel
        /// limit at a time.
        public var memoryBudget: Int

        /// A configuration; each value defaults to the one explained on its property.
        public init(workers: Int = Configuration.defaultWorkers, maximumQueued: Int? = nil, memoryBudget: Int = 1 << 30) {
            self.workers = max(1, workers)
            self.maximumQueued = max(0, maximumQueued ?? 16 * self.workers)
            self.memoryBudget = max(1, memoryBudget)
        }

        /// The cores available to the process.
        public static var defaultWorkers: Int {
            max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        }
    }

    /// The queue was full: retry later.
    public struct Busy: Error, Sendable, CustomStringConvertible {
        /// Jobs running when the job was refused.
        public var running: Int
        /// Jobs waiting when the job was refused.
        public var queued: Int

        /// Says how busy the pool was and that a retry may succeed.
        public var description: String {
            "Image processing is busy: \(running) jobs are running and \(queued) are waiting. Retry later."
        }
    }

    /// What the pool has done, for tests and monitoring.
    public struct Statistics: Sendable, Hashable {
        /// Jobs running now.
        public var running = 0
        /// Jobs waiting now.
        public var queued = 0
        /// Bytes the running jobs hold, by their estimates.
        public var bytesInUse = 0
        /// Jobs that ran to their end.
        public var completed = 0
        /// Jobs refused because the queue was full.
        public var refused = 0
        /// Jobs cancelled while waiting (they never ran).
        public var cancelledWhileQueued = 0
        /// Jobs whose cancellation flag was set while they ran.
        public var cancelledWhileRunning = 0
        /// The most jobs that ever ran at once.
        public var peakRunning = 0
        /// The most bytes running jobs ever held at once, by their estimates.
        public var peakBytesInUse = 0
    }

    /// The name image threads carry (Linux: `/proc/self/task/*/comm`).
    public static let threadName = "oss-image"
    /// How far below the server's threads image threads run.
    static let niceness: Int32 = 5

    /// The pool ``ImageObjectProcessor`` uses unless given another.
    public static let shared = ImageWorkPool()

    /// The limits in force.
    public let configuration: Configuration

    private struct Job {
        let id: Int
        let cost: Int
        /// Runs the work; returns what hands its result to the caller, called once the pool's
        /// books show the job as done (so statistics never lag behind a returned result).
        let work: @Sendable () -> @Sendable () -> Void
    }

    private struct State {
        var waiting: [Job] = []
        var waitingStart = 0
        var threads = 0
        var nextId = 0
        var runningIds: Set<Int> = []
        var statistics = Statistics()

        var queuedCount: Int { waiting.count - waitingStart }

        mutating func popFirst() -> Job {
            let job = waiting[waitingStart]
            waitingStart += 1
            if waitingStart > 64 && waitingStart * 2 > waiting.count {
                waiting.removeFirst(waitingStart)
                waitingStart = 0
            }
            return job
        }
    }

    private let state = LockedValue(State())

    /// A pool with its own limits.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// What the pool is doing and has done.
    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.queued = state.queuedCount
            return statistics
        }
    }

    /// Runs `body` on a pool thread once admitted, and returns its result.
    ///
    /// When the calling task is cancelled (the client went away), `cancellation` is set: a job
    /// still waiting is dropped without running, a running one stops at its next check. Either way
    /// this returns at once with `CancellationError`, without waiting for the thread.
    ///
    /// - Throws: ``Busy`` when the queue is full, `CancellationError`, or what `body` throws.
    public func run<Result: Sendable>(cost: Int, cancellation: ImageCancellation,
                                      _ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        let outcome = OneTimeResult<Result>()
        let id = state.withLock { state -> Int in
            state.nextId += 1
            return state.nextId
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                outcome.setContinuation(continuation)
                let job = Job(id: id, cost: max(0, cost)) {
                    let result = Swift.Result { try body() }
                    return { outcome.resume(with: result) }
                }
                do {
                    try submit(job)
                } catch {
                    outcome.resume(with: .failure(error))
                }
                if Task.isCancelled { cancel(id, cancellation: cancellation, outcome: outcome) }
            }
        } onCancel: {
            cancel(id, cancellation: cancellation, outcome: outcome)
        }
    }

    private func submit(_ job: Job) throws {
        let start = try state.withLock { state -> Bool in
            let running = state.statistics.running
            // Nothing waiting and room to start: it runs now, whatever the queue's size.
            let startsNow = state.queuedCount == 0 && admissible(job, state)
            guard startsNow || state.queuedCount < configuration.maximumQueued else {
                state.statistics.refused += 1
                throw Busy(running: running, queued: state.queuedCount)
            }
            state.waiting.append(job)
            // A new thread only when a worker slot is free: a running thread picks up the rest.
            guard state.threads < configuration.workers, admissible(state.waiting[state.waitingStart], state) else { return false }
            state.threads += 1
            return true
        }
        if start { startThread() }
    }

    /// Whether `job` may start now: a worker is free and the budget has room (or nothing runs).
    private func admissible(_ job: Job, _ state: State) -> Bool {
        let running = state.statistics.running
        guard running < configuration.workers else { return false }
        if running == 0 { return true }
        let (total, overflow) = state.statistics.bytesInUse.addingReportingOverflow(job.cost)
        return !overflow && total <= configuration.memoryBudget
    }

    /// Takes the next admissible job, counting it as running; nil ends the thread.
    private func next(finished: Job?) -> Job? {
        state.withLock { state -> Job? in
            if let finished {
                state.runningIds.remove(finished.id)
                state.statistics.running -= 1
                state.statistics.bytesInUse -= finished.cost
                state.statistics.completed += 1
            }
            guard state.queuedCount > 0, admissible(state.waiting[state.waitingStart], state) else {
                state.threads -= 1
                return nil
            }
            let job = state.popFirst()
            state.runningIds.insert(job.id)
            state.statistics.running += 1
            state.statistics.bytesInUse += job.cost
            state.statistics.peakRunning = max(state.statistics.peakRunning, state.statistics.running)
            state.statistics.peakBytesInUse = max(state.statistics.peakBytesInUse, state.statistics.bytesInUse)
            return job
        }
    }

    /// A waiting job is removed; a running one is only flagged. The caller returns at once.
    private func cancel(_ id: Int, cancellation: ImageCancellation, outcome: OneTimeResult<some Sendable>) {
        cancellation.cancel()
        state.withLock { state in
            if let index = state.waiting[state.waitingStart...].firstIndex(where: { $0.id == id }) {
                state.waiting.remove(at: index)
                state.statistics.cancelledWhileQueued += 1
            } else if state.runningIds.contains(id), !outcome.isResumed {
                state.statistics.cancelledWhileRunning += 1
            }
        }
        outcome.resume(with: .failure(CancellationError()))
    }

    private func startThread() {
        let box = Unmanaged.passRetained(WorkerStart(pool: self))
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<WorkerStart>.fromOpaque(argument!).takeRetainedValue()
            start.pool.work()
            return nil
        }, box.toOpaque())
        guard created == 0 else {
            box.release()
            // No thread: the job stays queued until a running thread takes it, or is refused.
            state.withLock { $0.threads -= 1 }
            return
        }
        pthread_detach(thread)
    }

    /// A worker thread's loop: runs admissible jobs until there are none.
    private func work() {
        #if os(Linux)
        // Below the server's threads: a GET of a few bytes is answered first, and image work
        // still gets every cycle nobody else wants. (On Linux the nice value is per thread, and
        // `who` 0 is the calling thread.)
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
        // Named, so that `top -H` and the tests can tell image threads apart.
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        if fd >= 0 {
            _ = Array(Self.threadName.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        #endif
        var job = next(finished: nil)
        while let current = job {
            let deliver = current.work()
            job = next(finished: current)
            deliver()
        }
    }
}

private final class WorkerStart {
    let pool: ImageWorkPool
    init(pool: ImageWorkPool) { self.pool = pool }
}

/// A continuation resumed once, by whichever comes first: the job's end, its refusal, or the
/// caller's cancellation.
private final class OneTimeResult<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var pending: Result<Value, any Error>?
        var resumed = false
    }

    private let state = LockedValue(State())

    var isResumed: Bool { state.withLock { $0.resumed } }

    func setContinuation(_ continuation: CheckedContinuation<Value, any Error>) {
        let early = state.withLock { state -> Result<Value, any Error>? in
            state.continuation = continuation
            return state.pending
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(with result: Result<Value, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard !state.resumed else { return nil }
            state.resumed = true
            guard let continuation = state.continuation else {
                state.pending = result
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}
