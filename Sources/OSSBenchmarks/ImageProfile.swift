import Foundation
import OSSImage
#if canImport(Glibc)
import Glibc
#endif

/// `OSSBenchmarks image-profile --process P --source WxH [--runs N] [--pause-ms M] [--out FILE]`: one image job
/// run N times in this process on the benchmark's generated source, printing the median wall and CPU time (and writing
/// the last result to FILE), with M ms of idleness before each run (the interleaved benchmark's jobs start on a machine
/// that was running, or waiting for, another process),
/// so that `perf record` can be pointed at a single job (the interleaved comparison is
/// ``ImageBenchmark``'s).
enum ImageProfile {
    /// User + system CPU seconds of this process so far: on a busy machine the wall clock of a
    /// job measures the other processes too; its CPU time much less.
    static func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func run(process: String, source size: String, runs: Int, pauseMilliseconds: Int = 0, output: String?) throws {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw BenchmarkError("--source is WxH, not \(size)") }
        let source = try SyntheticPhoto.jpeg(width: parts[0], height: parts[1], seed: 7, quality: 90)
        var times: [Double] = [], cpu: [Double] = []
        var result: ProcessedImage?
        for _ in 0..<max(1, runs) {
            if pauseMilliseconds > 0 { usleep(UInt32(min(pauseMilliseconds, 10_000)) * 1000) }
            let start = ContinuousClock.now, startCPU = cpuSeconds()
            result = try ImageProcessor.process(process, source: source)
            times.append(TransferBenchmark.seconds(since: start))
            cpu.append(cpuSeconds() - startCPU)
        }
        if let output, let result { try Data(result.bytes).write(to: URL(fileURLWithPath: output)) }
        print(String(format: "%@ on %@: median of %d: %.1f ms wall, %.1f ms CPU (wall runs: %@)", process as NSString, size as NSString, times.count,
                     ImageBenchmark.median(times) * 1000, ImageBenchmark.median(cpu) * 1000,
                     times.map { String(format: "%.1f", $0 * 1000) }.joined(separator: " ") as NSString))
    }
}
