import CImageCodecs
import Testing

@testable import OSSImage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Image jobs share the cores (ImageParallelism): a job alone spreads its bands over all of them,
/// jobs side by side take their share, and the bytes made do not depend on which it was. Other
/// tests run jobs at the same time, so every expectation here holds however many of those run.
@Suite("Image jobs share the cores")
struct ImageParallelismTests {
    /// `body` run inside `depth` nested jobs: at least that many are running while it runs.
    static func inside<Result>(_ depth: Int, _ body: () throws(ImageError) -> Result) throws(ImageError) -> Result {
        depth == 0 ? try body() : try ImageParallelism.job { () throws(ImageError) in try inside(depth - 1, body) }
    }

    @Test("jobs side by side get a share of the cores, at least one, and give it back")
    func shares() throws {
        let online = ImageParallelism.online
        try Self.inside(1) { () throws(ImageError) in
            #expect(ImageParallelism.jobs >= 1)
            #expect(ImageParallelism.cores <= online)
        }
        try Self.inside(2) { () throws(ImageError) in
            #expect(ImageParallelism.jobs >= 2)
            #expect(ImageParallelism.cores <= max(1, online / 2))
        }
        try Self.inside(online + 3) { () throws(ImageError) in #expect(ImageParallelism.cores == 1) }
        // A job that throws is no longer counted: a job inside online ones would have one core.
        #expect(throws: ImageError.self) { try Self.inside(online) { () throws(ImageError) in throw ImageError.cancelled } }
        try Self.inside(1) { () throws(ImageError) in #expect(ImageParallelism.jobs >= 1) }
    }

    @Test("forEach visits every index once, side by side or in turn")
    func forEachVisitsAll() throws {
        for depth in [0, ImageParallelism.online] {
            let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: 37)
            seen.initialize(repeating: 0)
            defer { seen.deallocate() }
            nonisolated(unsafe) let counts = seen // each index writes its own element
            try Self.inside(depth) { () throws(ImageError) in ImageParallelism.forEach(37) { counts[$0] += 1 } }
            #expect(seen.allSatisfy { $0 == 1 }, "inside \(depth) jobs")
        }
    }

    @Test("the band threads: every index once, with a helper thread taking part, and stages from several threads at once")
    func bandThreads() async throws {
        final class Seen: @unchecked Sendable {
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
            let threads = UnsafeMutableBufferPointer<pthread_t>.allocate(capacity: 64)
            init() { counts.initialize(repeating: 0); threads.initialize(repeating: pthread_self()) }
            deinit { counts.deallocate(); threads.deallocate() }
        }
        if ImageParallelism.online > 1 {
            // Bands long enough (2 ms each) that the helper wakes before the caller has taken them all.
            let seen = Seen()
            let caller = pthread_self()
            ImageParallelism.$forcedCores.withValue(2) {
                ImageParallelism.forEach(8) { index in
                    seen.counts[index] += 1
                    seen.threads[index] = pthread_self()
                    let start = ContinuousClock.now
                    while ContinuousClock.now - start < .milliseconds(2) {}
                }
            }
            #expect(seen.counts.prefix(8).allSatisfy { $0 == 1 } && seen.counts.dropFirst(8).allSatisfy { $0 == 0 })
            #expect(seen.threads.prefix(8).contains { pthread_equal($0, caller) == 0 }, "no band ran on another thread")
        }
        // Stages from four threads at once: one gets the helpers, the others run on Dispatch's.
        let totals = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var covered = 0
                    for round in 0..<40 {
                        let seen = Seen()
                        ImageParallelism.$forcedCores.withValue(2) { ImageParallelism.forEach(5 + round % 7) { seen.counts[$0] += 1 } }
                        if seen.counts.prefix(5 + round % 7).allSatisfy({ $0 == 1 }) && seen.counts.dropFirst(5 + round % 7).allSatisfy({ $0 == 0 }) { covered += 1 }
                    }
                    return covered
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(totals == [40, 40, 40, 40])
    }

    /// One stage of 8 bands of 2 ms on the band threads, called from a thread of its own at `nice`:
    /// each band's nice value and whether a helper ran it; nil if the helpers stayed busy with
    /// other tests' stages.
    static func bandStage(atNice nice: Int32) -> (nice: [Int32], onHelper: [Bool])? {
        #if os(Linux)
        final class Stage: @unchecked Sendable {
            let nice: Int32
            let seen = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 8)
            let onHelper = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 8)
            var caller = pthread_self()
            var ran: Int32 = 1
            init(nice: Int32) { self.nice = nice }
            deinit { seen.deallocate(); onHelper.deallocate() }
            func run() {
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
                caller = pthread_self()
                for _ in 0..<200 where ran != 0 {
                    ran = oss_band_threads_run(8, 2, { context, index in
                        let stage = Unmanaged<Stage>.fromOpaque(context!).takeUnretainedValue()
                        stage.seen[index] = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
                        stage.onHelper[index] = pthread_equal(pthread_self(), stage.caller) == 0
                        let start = ContinuousClock.now
                        while ContinuousClock.now - start < .milliseconds(2) {}
                    }, Unmanaged.passUnretained(self).toOpaque())
                    if ran != 0 { usleep(5000) }
                }
            }
        }
        let stage = Stage(nice: nice)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            Unmanaged<Stage>.fromOpaque(argument!).takeUnretainedValue().run()
            return nil
        }, Unmanaged.passUnretained(stage).toOpaque())
        guard created == 0 else { return nil }
        pthread_join(thread, nil)
        return stage.ran == 0 ? (Array(stage.seen), Array(stage.onHelper)) : nil
        #else
        return nil
        #endif
    }

    @Test("band helpers run a stage at its caller's nice value, whichever thread started them",
          .enabled(if: ImageParallelism.online > 1 && { () -> Bool in
              #if os(Linux)
              true
              #else
              false
              #endif
          }(), "the band threads are Linux's, with two cores or more"))
    func helpersTakeTheCallersNice() throws {
        // +5, `oss serve`'s image pool's: where a process that may not lower it again leaves them.
        let lowered = try #require(Self.bandStage(atNice: 5), "the band threads stayed busy")
        #expect(lowered.nice == [Int32](repeating: 5, count: 8), "\(lowered.nice)")
        #expect(lowered.onHelper.contains(true), "no band ran on a helper")
        // Back at 0, where the process may lower a thread's nice value (root).
        guard geteuid() == 0 else { return }
        let restored = try #require(Self.bandStage(atNice: 0), "the band threads stayed busy")
        #expect(restored.nice == [Int32](repeating: 0, count: 8), "\(restored.nice)")
        #expect(restored.onHelper.contains(true), "no band ran on a helper")
    }

    @Test("a job held to coresPerJob gets no more cores than that, a test's hold stands over it, and nil holds nothing")
    func heldCores() throws {
        let online = ImageParallelism.online
        try ImageParallelism.held(to: 1) { () throws(ImageError) in
            try ImageParallelism.job { () throws(ImageError) in #expect(ImageParallelism.cores == 1) }
        }
        try ImageParallelism.held(to: 0) { () throws(ImageError) in #expect(ImageParallelism.cores == 1) }
        try ImageParallelism.$forcedCores.withValue(3) {
            try ImageParallelism.held(to: 1) { () throws(ImageError) in #expect(ImageParallelism.cores == 3) }
        }
        try ImageParallelism.held(to: nil) { () throws(ImageError) in #expect(ImageParallelism.forcedCores == nil && ImageParallelism.cores <= online) }
        #expect(throws: ImageError.self) { try ImageParallelism.held(to: 1) { () throws(ImageError) in throw ImageError.cancelled } }
        // And through a whole process: the same bytes as with no hold.
        let source = try SyntheticPhoto.jpeg(width: 1200, height: 900, seed: 12)
        var limits = ImageWorkLimits.oss
        limits.coresPerJob = 1
        let held = try ImageProcessor.process("image/resize,w_300/format,png", source: source, limits: limits)
        let free = try ImageParallelism.$forcedCores.withValue(max(2, online)) { try ImageProcessor.process("image/resize,w_300/format,png", source: source) }
        #expect(held.bytes == free.bytes)
    }

    @Test("a JPEG, PNG and WebP made on one core are the bytes made on all of them", arguments: ["jpg", "png", "webp"])
    func sameBytes(format: String) throws {
        // 1200x1200 RGB is 4.3 MB: past the size where PNG's bands run on threads of their own.
        let source = try SyntheticPhoto.jpeg(width: 1200, height: 1200, seed: 9)
        let process = "image/resize,p_100/format,\(format)"
        // Bound, not left to the load: other tests' jobs would otherwise decide what "alone" got.
        let alone = try ImageParallelism.$forcedCores.withValue(max(2, ImageParallelism.online)) { try ImageProcessor.process(process, source: source) }
        let oneCore = try ImageParallelism.$forcedCores.withValue(1) { try ImageProcessor.process(process, source: source) }
        let crowded = try Self.inside(ImageParallelism.online) { () throws(ImageError) in try ImageProcessor.process(process, source: source) }
        #expect(alone.bytes == oneCore.bytes)
        #expect(alone.bytes == crowded.bytes)
    }

    @Test("PNG bands compressed on one thread are the bytes of bands on their own threads")
    func pngThreads() throws {
        let photo = try SyntheticPhoto.bitmap(width: 500, height: 300, seed: 4)
        func idat(threads: Int32) throws -> [UInt8] {
            var out: UnsafeMutablePointer<UInt8>?
            var size = 0
            let status = photo.pixels.withUnsafeBufferPointer {
                oss_png_idat_parallel($0.baseAddress, 500, 300, 3, 3, threads, 1, nil, &out, &size)
            }
            defer { oss_free(out) }
            try #require(status == 0 && out != nil)
            return Array(UnsafeBufferPointer(start: out, count: size))
        }
        let banded = try idat(threads: 3)
        #expect(try idat(threads: 1) == banded)
        // Three bands are not one: the test would notice the parts being ignored.
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        _ = photo.pixels.withUnsafeBufferPointer { oss_png_idat_parallel($0.baseAddress, 500, 300, 3, 1, 1, 1, nil, &out, &size) }
        defer { oss_free(out) }
        #expect(Array(UnsafeBufferPointer(start: out, count: size)) != banded)
    }
}
