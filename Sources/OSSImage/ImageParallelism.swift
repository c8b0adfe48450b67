import CImageCodecs
import Dispatch
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// How many cores one image job spreads its bands over: all of them when it is the only job of
/// this process, one when as many jobs run as there are cores.
///
/// A job alone finishes soonest on every core. With as many jobs as cores (a server under load,
/// an app making a batch of thumbnails) every core is busy anyway, and bands only add work: each
/// band decoder Huffman-decodes the rows above its own to skip them, and each loop wakes threads
/// that are running other jobs. So each stage asks when it starts, and a job that started alone
/// gives up its extra cores as soon as a second one arrives. What the stages make does not
/// depend on it: where a layout shows in the bytes (a JPEG's restart bands, a PNG's deflate
/// bands) it is the machine's, and only whether its parts run side by side follows the share.
///
/// Measured under `oss serve`'s two-client load the throughput is the same as with every job on
/// every core (within this machine's noise): there the work is the Huffman decoding, which the
/// split decoder does at about the same cost in one part as in two.
enum ImageParallelism {
    /// The cores online, read once, when a job first asks.
    static let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    private static let running = LockedValue<Int>(0)

    /// Cores for the stage about to start: the online cores shared among the running jobs,
    /// at least one.
    static var cores: Int {
        forcedCores.map { max(1, $0) } ?? max(1, online / max(1, running.load()))
    }

    /// Overrides ``cores`` for the task (or thread) it is bound in: a job held to
    /// ``ImageWorkLimits/coresPerJob``, and a test comparing the bytes made on one core with those
    /// made on all of them whatever else the process runs.
    @TaskLocal static var forcedCores: Int?

    /// `body` with ``cores`` held to `limit` (``ImageWorkLimits/coresPerJob``; nil holds
    /// nothing), unless a hold is bound already: a test's stands over a server's.
    static func held<Result>(to limit: Int?, _ body: () throws(ImageError) -> Result) throws(ImageError) -> Result {
        guard let limit, forcedCores == nil else { return try body() }
        return try $forcedCores.withValue(max(1, limit)) { Swift.Result(catching: body) }.get()
    }

    /// Image jobs of this process running now.
    static var jobs: Int { running.load() }

    /// Runs `body` counted as one running job.
    static func job<Result>(_ body: () throws(ImageError) -> Result) throws(ImageError) -> Result {
        running.withLock { $0 += 1 }
        defer { running.withLock { $0 -= 1 } }
        return try body()
    }
}

extension ImageParallelism {
    /// `body` for each of `0..<count`: side by side when the job has more than one core now, else
    /// one after another on this thread (no wake-up of threads that are busy with other jobs).
    ///
    /// Side by side on the library's band threads where it has them (Linux): Dispatch's would be
    /// woken on this thread's own CPU when the machine is a VM that has been idle a moment, and the
    /// bands would take turns on one core (`BandThreads.c`). Elsewhere, or when those threads
    /// serve another job's stage, on Dispatch's.
    static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let cores = self.cores
        guard cores > 1, count > 1 else {
            for index in 0..<count { body(index) }
            return
        }
        let ran = withoutActuallyEscaping(body) { body -> Bool in
            var stage = body
            return withUnsafeMutablePointer(to: &stage) { pointer in
                oss_band_threads_run(count, Int32(min(cores, count)), { context, index in
                    context!.assumingMemoryBound(to: (@Sendable (Int) -> Void).self).pointee(Int(index))
                }, pointer) == 0
            }
        }
        if !ran { DispatchQueue.concurrentPerform(iterations: count, execute: body) }
    }
}
