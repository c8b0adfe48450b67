import Dispatch
import Foundation
import OSSImage
import OSSLocking
import OSSOffline
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The image pool with jobs the tests hold and release, so every assertion is on order and
/// counts, never on time.
@Suite("Image work pool: own threads, bounded queue, memory budget, cancellation")
struct ImageWorkPoolTests {
    /// A job body that blocks its pool thread until released.
    final class Latch: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let entered = LockedValue<Int>(0)
        var entries: Int { entered.load() }
        func enter() {
            entered.withLock { $0 += 1 }
            semaphore.wait()
        }
        func release(_ count: Int = 1) { for _ in 0..<count { semaphore.signal() } }
    }

    /// Waits (off the cooperative pool's hot path) until `condition` holds, for up to 30 s.
    func eventually(_ what: Comment, _ condition: () -> Bool) async throws {
        for _ in 0..<3000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("never happened: \(what)")
    }

    @Test("jobs run on threads of the pool's own, named and below normal priority, not on the cooperative pool")
    func ownThreads() async throws {
        let pool = ImageWorkPool(configuration: .init(workers: 2))
        let (name, niceness) = try await pool.run(cost: 1, cancellation: ImageCancellation()) { () -> (String, Int32) in
            let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            errno = 0
            return (name.trimmingCharacters(in: .whitespacesAndNewlines), getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        }
        #expect(name == ImageWorkPool.threadName)
        #expect(niceness > 0)
        #expect(pool.statistics.completed == 1)
    }

    @Test("past the queue a job is refused at once with Busy; the queued ones still run")
    func boundedQueue() async throws {
        let pool = ImageWorkPool(configuration: .init(workers: 1, maximumQueued: 1))
        let latch = Latch()
        let first = Task { try await pool.run(cost: 1, cancellation: ImageCancellation()) { latch.enter(); return 1 } }
        try await eventually("the first job runs") { pool.statistics.running == 1 }
        let second = Task { try await pool.run(cost: 1, cancellation: ImageCancellation()) { latch.enter(); return 2 } }
        try await eventually("the second job waits") { pool.statistics.queued == 1 }
        await #expect(throws: ImageWorkPool.Busy.self) {
            try await pool.run(cost: 1, cancellation: ImageCancellation()) { 3 }
        }
        latch.release(2)
        #expect(try await first.value == 1)
        #expect(try await second.value == 2)
        #expect(pool.statistics.refused == 1)
        #expect(pool.statistics.completed == 2)
    }

    @Test("jobs that together exceed the memory budget run one after the other, small ones together")
    func memoryBudget() async throws {
        let pool = ImageWorkPool(configuration: .init(workers: 2, memoryBudget: 100))
        let latch = Latch()
        let big1 = Task { try await pool.run(cost: 80, cancellation: ImageCancellation()) { latch.enter() } }
        try await eventually("the first large job runs") { pool.statistics.running == 1 }
        let big2 = Task { try await pool.run(cost: 80, cancellation: ImageCancellation()) { latch.enter() } }
        try await eventually("the second large job waits") { pool.statistics.queued == 1 }
        // A worker is free, but the budget is not: the second waits for the first.
        #expect(pool.statistics.running == 1)
        latch.release()
        try await big1.value
        try await eventually("the second large job runs") { pool.statistics.running == 1 && pool.statistics.queued == 0 }
        latch.release()
        try await big2.value
        #expect(pool.statistics.peakRunning == 1)
        #expect(pool.statistics.peakBytesInUse == 80)

        let small = (0..<2).map { _ in Task { try await pool.run(cost: 30, cancellation: ImageCancellation()) { latch.enter() } } }
        try await eventually("both small jobs run together") { pool.statistics.running == 2 }
        latch.release(2)
        for job in small { try await job.value }
        #expect(pool.statistics.peakRunning == 2)
    }

    @Test("a job larger than the whole budget still runs, alone")
    func oversizedJobRunsAlone() async throws {
        let pool = ImageWorkPool(configuration: .init(workers: 2, memoryBudget: 100))
        #expect(try await pool.run(cost: 10_000, cancellation: ImageCancellation()) { 7 } == 7)
        #expect(try await pool.run(cost: Int.max, cancellation: ImageCancellation()) { 8 } == 8)
    }

    @Test("cancelling a waiting job drops it: it never runs, and its flag is set")
    func cancelWhileQueued() async throws {
        let pool = ImageWorkPool(configuration: .init(workers: 1))
        let latch = Latch()
        let blocker = Task { try await pool.run(cost: 1, cancellation: ImageCancellation()) { latch.enter() } }
        try await eventually("the blocking job runs") { pool.statistics.running == 1 }
        let ran = LockedValue<Bool>(false)
        let flag = ImageCancellation()
        let waiting = Task { try await pool.run(cost: 1, cancellation: flag) { ran.store(true) } }
        try await eventually("the second job waits") { pool.statistics.queued == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(flag.isCancelled)
        #expect(pool.statistics.cancelledWhileQueued == 1)
        #expect(pool.statistics.queued == 0)
        latch.release()
        try await blocker.value
        let didRun = ran.load()
        #expect(!didRun)
    }

    @Test("cancelling a running job sets its flag and returns at once; the job stops at its next check")
    func cancelWhileRunning() async throws {
        let pool = ImageWorkPool(configuration: .init(workers: 1))
        let flag = ImageCancellation()
        let sawFlag = LockedValue<Bool>(false)
        let job = Task {
            try await pool.run(cost: 1, cancellation: flag) {
                // A kernel's loop: look at the flag between rows.
                while !flag.isCancelled { usleep(1000) }
                sawFlag.store(true)
            }
        }
        try await eventually("the job runs") { pool.statistics.running == 1 }
        job.cancel()
        await #expect(throws: CancellationError.self) { try await job.value }
        #expect(pool.statistics.cancelledWhileRunning == 1)
        try await eventually("the job saw its flag and gave its thread back") { sawFlag.load() && pool.statistics.running == 0 }
        // The pool keeps working.
        #expect(try await pool.run(cost: 1, cancellation: ImageCancellation()) { "next" } == "next")
    }
}
