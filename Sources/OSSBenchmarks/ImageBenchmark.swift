import Foundation
import OSSImage
import OSSImageProcess
#if canImport(Glibc)
import Glibc
#endif

/// `oss-benchmarks image`: the common image jobs beside Pillow and pyvips on the same generated
/// photo-like JPEGs, in one run, interleaved (ours in-process, Pillow, pyvips, ours as a whole
/// `oss image` process, then again), with medians, ratios to the faster of the two, and peak RSS.
/// Then the memory row, and `oss --help`'s start-up. (`oss serve` under load is the script's.)
enum ImageBenchmark {
    struct Case {
        var name: String
        var source: String
        var process: String
        var python: [String: Any]
        /// Ours must be this many times faster than the faster of Pillow and pyvips.
        var goal: Double
        /// As a whole process, when it has a goal of its own.
        var processGoal: Double? = nil
    }

    static let text = Base64URL.encode(Array("Hello 图片服务!".utf8))

    static var cases: [Case] { [
        Case(name: "resize,w_200 4000x3000", source: "4000x3000", process: "image/resize,w_200/quality,Q_90",
             python: ["kind": "resize", "w": 200], goal: 2),
        Case(name: "resize,m_lfit,w_1000", source: "4000x3000", process: "image/resize,m_lfit,w_1000/quality,Q_90",
             python: ["kind": "resize", "w": 1000], goal: 1.5),
        Case(name: "fill 200x200 -> webp", source: "4000x3000", process: "image/resize,m_fill,w_200,h_200/format,webp/quality,Q_90",
             python: ["kind": "fill", "w": 200, "format": "webp"], goal: 1.5),
        Case(name: "rotate,90 4000x3000", source: "4000x3000", process: "image/rotate,90/quality,Q_90",
             python: ["kind": "rotate90"], goal: 1.5),
        Case(name: "rotate,45 1200x800", source: "1200x800", process: "image/rotate,45/quality,Q_90",
             python: ["kind": "rotate", "degrees": 45], goal: 1.5),
        Case(name: "sharpen,100", source: "1200x800", process: "image/sharpen,100/quality,Q_90",
             python: ["kind": "sharpen"], goal: 1.5),
        Case(name: "blur,r_3,s_2", source: "1200x800", process: "image/blur,r_3,s_2/quality,Q_90",
             python: ["kind": "blur", "sigma": 2], goal: 1.5),
        Case(name: "bright,20/contrast,20", source: "1200x800", process: "image/bright,20/contrast,20/quality,Q_90",
             python: ["kind": "tone", "bright": 20, "contrast": 20], goal: 1.5),
        Case(name: "text watermark 40px", source: "1200x800", process: "image/watermark,text_\(text),size_40/quality,Q_90",
             python: ["kind": "text", "size": 40], goal: 1.5),
        Case(name: "format,png 1200x800", source: "1200x800", process: "image/format,png",
             python: ["kind": "format", "format": "png"], goal: 1.5),
        Case(name: "format,webp 1200x800", source: "1200x800", process: "image/format,webp/quality,Q_90",
             python: ["kind": "format", "format": "webp"], goal: 1.5),
        Case(name: "circle,r_100 4000x3000", source: "4000x3000", process: "image/circle,r_100",
             python: ["kind": "circle", "radius": 100, "quality": 85], goal: 2, processGoal: 1.5),
        Case(name: "circle full 8000x6000", source: "8000x6000", process: "image/circle,r_4096",
             python: ["kind": "circle", "radius": 4096, "quality": 85], goal: 1.4),
        Case(name: "circle full -> png", source: "4000x3000", process: "image/circle,r_4096/format,png",
             python: ["kind": "circle", "radius": 4096, "format": "png"], goal: 4),
    ] }

    /// A Python worker answering one job per line (Benchmarks/image_python.py).
    final class Worker {
        let process = Process()
        let input = Pipe(), output = Pipe()
        var buffered = Data()

        init(python: String) throws {
            let benchmarks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Benchmarks")
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [benchmarks.appendingPathComponent("image_python.py").path]
            process.currentDirectoryURL = benchmarks
            process.standardInput = input
            process.standardOutput = output
            try process.run()
        }

        func ask(_ request: [String: Any]) throws -> [String: Any] {
            input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: request) + Data("\n".utf8))
            while !buffered.contains(10) {
                let more = output.fileHandleForReading.availableData
                if more.isEmpty { throw BenchmarkError("the Python worker stopped (request \(request))") }
                buffered += more
            }
            let end = buffered.firstIndex(of: 10)!
            let line = buffered[buffered.startIndex..<end]
            buffered = Data(buffered[(end + 1)...])
            guard let answer = try JSONSerialization.jsonObject(with: line) as? [String: Any] else { throw BenchmarkError("bad answer from Python") }
            return answer
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    /// The peak RSS (MiB) of a whole process, from GNU time. Not from our own wait4: a child
    /// posix_spawn starts shares this process's memory until it execs, and Linux carries that
    /// high-water mark over the exec, so every child would report this benchmark's size.
    static func peakRSS(_ path: String, _ arguments: [String]) throws -> Double {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("oss-bench-rss-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        _ = try spawn("/usr/bin/time", ["-f", "%M", "-o", report, path] + arguments)
        let text = try String(contentsOfFile: report, encoding: .utf8)
        guard let kib = Double(text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last ?? "") else {
            throw BenchmarkError("GNU time printed \(text)")
        }
        return kib / 1024
    }

    /// A whole process, timed from spawn to exit.
    static func spawn(_ path: String, _ arguments: [String]) throws -> (seconds: Double, status: Int32) {
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let start = ContinuousClock.now
        guard posix_spawn(&pid, path, &actions, nil, &argv, environ) == 0 else { throw BenchmarkError("cannot run \(path)") }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        let seconds = TransferBenchmark.seconds(since: start)
        guard status == 0 else { throw BenchmarkError("\(path) \(arguments.joined(separator: " ")) failed with status \(status)") }
        return (seconds, status)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func run(python: String, runs: Int, only: String?) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("oss-image-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let oss = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oss").path
        guard FileManager.default.isExecutableFile(atPath: oss) else { throw BenchmarkError("oss is not built next to oss-benchmarks") }

        var sources: [String: [UInt8]] = [:]
        for size in ["1200x800", "4000x3000", "8000x6000"] {
            let parts = size.split(separator: "x").map { Int($0)! }
            let jpeg = try SyntheticPhoto.jpeg(width: parts[0], height: parts[1], seed: 7, quality: 90)
            sources[size] = jpeg
            try Data(jpeg).write(to: URL(fileURLWithPath: "\(work)/\(size).jpg"))
        }
        print("sources (photo-like, generated, JPEG q90): " + sources.keys.sorted().map { "\($0) \(sources[$0]!.count / 1024) KiB" }.joined(separator: ", "))
        let worker = try Worker(python: python)
        defer { worker.stop() }
        let versions = try worker.ask(["versions": true])
        print("Pillow \(versions["pillow"] ?? "?"), libvips \(versions["libvips"] ?? "?"); \(runs) interleaved runs each, medians; \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("ratio = the faster of Pillow and pyvips / ours (above 1: ours is faster); RSS = peak, MiB")
        print("job                       ours    oss image     Pillow     pyvips   ratio  process  goal   | RSS: oss image  Pillow  pyvips")
        var failed: [String] = []
        for item in cases where only.map({ item.name.contains($0) }) ?? true {
            let source = sources[item.source]!
            let path = "\(work)/\(item.source).jpg"
            let format = item.python["format"] as? String ?? "jpg"
            var ours: [Double] = [], whole: [Double] = [], pillow: [Double] = [], vips: [Double] = []
            var wholeRSS: Double, pillowRSS = 0.0, vipsRSS = 0.0
            var sizes = (ours: 0, pillow: 0, vips: 0)
            for _ in 0..<runs {
                let start = ContinuousClock.now
                let result = try ImageProcessor.process(item.process, source: source)
                ours.append(TransferBenchmark.seconds(since: start))
                let p = try worker.ask(["lib": "pillow", "path": path, "op": item.python])
                pillow.append(p["seconds"] as! Double)
                pillowRSS = max(pillowRSS, p["rss_mib"] as! Double)
                let v = try worker.ask(["lib": "pyvips", "path": path, "op": item.python])
                vips.append(v["seconds"] as! Double)
                sizes = (result.bytes.count, p["bytes"] as! Int, v["bytes"] as! Int)
                vipsRSS = max(vipsRSS, v["rss_mib"] as! Double)
                let cli = try spawn(oss, ["image", path, "\(work)/out.\(format)", "--process", item.process])
                whole.append(cli.seconds)
            }
            wholeRSS = try peakRSS(oss, ["image", path, "\(work)/out.\(format)", "--process", item.process])
            let o = median(ours), w = median(whole), faster = min(median(pillow), median(vips))
            let ratio = faster / o, processRatio = faster / w
            let holds = ratio >= item.goal && (item.processGoal.map { processRatio >= $0 } ?? true)
            if !holds { failed.append(item.name) }
            let goal = String(format: ">=%.1fx", item.goal) + (item.processGoal.map { String(format: "/%.1fx", $0) } ?? "")
            print(String(format: "%-22@ %7.1f ms %7.1f ms %7.1f ms %7.1f ms %6.2fx %6.2fx  %@ %@ | %8.1f %8.1f %7.1f", item.name as NSString, o * 1000, w * 1000,
                         median(pillow) * 1000, median(vips) * 1000, ratio, processRatio, goal as NSString, (holds ? "ok  " : "MISS") as NSString,
                         wholeRSS, pillowRSS, vipsRSS))
            if format == "webp" {
                // Ours encodes WebP at libwebp effort 2, theirs at libwebp's default 4: the sizes
                // show what that trades (WebPEffortTests checks size and PSNR against effort 4).
                print(String(format: "  WebP sizes: ours %.1f KiB (effort 2), Pillow %.1f KiB, pyvips %.1f KiB (effort 4)",
                             Double(sizes.ours) / 1024, Double(sizes.pillow) / 1024, Double(sizes.vips) / 1024))
            }
        }

        if only == nil {
            // Memory: a thumbnail of an 8000x6000 JPEG as a whole process.
            var rss = 0.0
            for _ in 0..<3 {
                rss = max(rss, try peakRSS(oss, ["image", "\(work)/8000x6000.jpg", "\(work)/thumb.jpg", "--process", "image/resize,w_200"]))
            }
            print(String(format: "memory: oss image resize,w_200 of 8000x6000 JPEG: peak RSS %.1f MiB (goal < 64 MiB) %@", rss, (rss < 64 ? "ok" : "MISS") as NSString))
            if rss >= 64 { failed.append("memory") }

            // Start-up: `oss --help` as a whole process.
            var help: [Double] = []
            for _ in 0..<max(21, runs * 4) { help.append(try spawn(oss, ["--help"]).seconds) }
            let startup = median(help) * 1000
            print(String(format: "start-up: oss --help, median of %d: %.1f ms (goal <= 8 ms) %@; %d shared libraries loaded (ldd)", help.count, startup,
                         (startup <= 8 ? "ok" : "MISS") as NSString, sharedLibraries(oss)))
            if startup > 8 { failed.append("start-up") }
        }
        print(failed.isEmpty ? "every goal above holds" : "goals missed: " + failed.joined(separator: ", "))
    }

    /// Lines of `ldd`'s output: the shared objects a process of `path` maps at start.
    static func sharedLibraries(_ path: String) -> Int {
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        ldd.arguments = [path]
        let pipe = Pipe()
        ldd.standardOutput = pipe
        guard (try? ldd.run()) != nil else { return -1 }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ldd.waitUntilExit()
        return text.split(separator: "\n").count
    }
}
