import Foundation
import OSSImage
import OSSImageProcess

/// `OSSBenchmarks circle`: our circle kernel beside Pillow and pyvips on the same generated
/// photo-like JPEGs, in one run, each timed in-process (best of N), with ratios.
enum CircleBenchmark {
    struct Case {
        var name: String
        var width: Int
        var height: Int
        var radius: Int
        var format: ImageFormat
        var goal: String
    }

    static let cases = [
        Case(name: "r100-4000x3000-jpg", width: 4000, height: 3000, radius: 100, format: .jpg, goal: ">= 2x the faster of Pillow and pyvips"),
        Case(name: "full-8000x6000-jpg", width: 8000, height: 6000, radius: 4096, format: .jpg, goal: ">= 1.4x the faster"),
        Case(name: "full-4000x3000-png", width: 4000, height: 3000, radius: 4096, format: .png, goal: ">= 4x pyvips, size <= 1.1x Pillow zlib-6"),
    ]

    /// The memory probe: reads a JPEG, runs a full circle to JPG, prints VmHWM before and after (MiB).
    static func measurePeak(path: String) throws {
        let source = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let before = peakRSS()
        _ = try ImageProcessor.process(.circle(radius: 4096), source: source)
        print(String(format: "%.1f %.1f", before, peakRSS()))
    }

    static func run(python: String, runs: Int) async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("oss-circle-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        var sources: [String: [UInt8]] = [:]
        for size in Set(cases.map { "\($0.width)x\($0.height)" }).sorted() {
            let parts = size.split(separator: "x").map { Int($0)! }
            let jpeg = try SyntheticPhoto.jpeg(width: parts[0], height: parts[1], seed: 7, quality: 90)
            sources[size] = jpeg
            try Data(jpeg).write(to: URL(fileURLWithPath: "\(work)/\(size).jpg"))
            print("source \(size).jpg: \(jpeg.count / 1024) KiB (photo-like, generated)")
        }

        // Ours, in-process.
        var ours: [String: (seconds: Double, bytes: Int)] = [:]
        for item in cases {
            let source = sources["\(item.width)x\(item.height)"]!
            let process = ImageProcess.circle(radius: item.radius).format(item.format)
            var best = Double.infinity
            var size = 0
            for _ in 0..<runs {
                let start = ContinuousClock.now
                let result = try ImageProcessor.process(process, source: source)
                best = min(best, TransferBenchmark.seconds(since: start))
                size = result.bytes.count
            }
            ours[item.name] = (best, size)
        }

        // Peak memory of the big case, in a fresh process of this benchmark (VmHWM starts anew at exec).
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        probe.arguments = ["circle-rss", "\(work)/8000x6000.jpg"]
        let probeOutput = Pipe()
        probe.standardOutput = probeOutput
        try probe.run()
        let probeText = String(decoding: probeOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        let probeFigures = probeText.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard probeFigures.count == 2 else { throw BenchmarkError("the memory probe failed: \(probeText)") }
        let big = try ImageProcessor.process(.circle(radius: 4096), source: sources["8000x6000"]!)
        let decodedOutput = Double(big.width * big.height * 3) / 1_048_576

        // Pillow and pyvips, in-process in Python.
        let spec = cases.map { "{\"name\": \"\($0.name)\", \"path\": \"\(work)/\($0.width)x\($0.height).jpg\", \"radius\": \($0.radius), \"format\": \"\($0.format.rawValue)\", \"quality\": 85}" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Benchmarks/circle_python.py").path, "[" + spec.joined(separator: ",") + "]", String(runs)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: output) as? [String: Any],
              let pillow = json["pillow"] as? [String: [String: Double]], let vips = json["pyvips"] as? [String: [String: Double]] else {
            throw BenchmarkError("the Python side failed")
        }
        print("versions: \(json["versions"] ?? "?")")
        print("case                     swift-oss      Pillow      pyvips   vs faster   vs pyvips   goal")
        for item in cases {
            let o = ours[item.name]!, p = pillow[item.name]!, v = vips[item.name]!
            let faster = min(p["seconds"]!, v["seconds"]!)
            print(String(format: "%-22@ %8.1f ms %8.1f ms %8.1f ms %8.2fx %10.2fx   %@", item.name as NSString, o.seconds * 1000, p["seconds"]! * 1000,
                         v["seconds"]! * 1000, faster / o.seconds, v["seconds"]! / o.seconds, item.goal as NSString))
            if item.format == .png {
                print(String(format: "  PNG size: swift-oss %d KiB, Pillow zlib-6 %d KiB (ratio %.3f, goal <= 1.10), pyvips %d KiB",
                             o.bytes / 1024, Int(p["bytes"]!) / 1024, Double(o.bytes) / p["bytes"]!, Int(v["bytes"]!) / 1024))
            }
        }
        print(String(format: "peak RSS, full circle on 8000x6000 -> JPG, fresh process: %.1f MiB (%.1f MiB before processing, source read); decoded output %.1f MiB; goal < 2x = %.1f MiB",
                     probeFigures[1], probeFigures[0], decodedOutput, decodedOutput * 2))

        // `oss image` as a whole process, wall time including start-up.
        let oss = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oss").path
        if FileManager.default.isExecutableFile(atPath: oss) {
            for item in cases {
                var best = Double.infinity
                for _ in 0..<runs {
                    let start = ContinuousClock.now
                    let cli = Process()
                    cli.executableURL = URL(fileURLWithPath: oss)
                    cli.arguments = ["image", "\(work)/\(item.width)x\(item.height).jpg", "\(work)/out.\(item.format.rawValue)",
                                     "--process", ImageProcess.circle(radius: item.radius).format(item.format).description]
                    cli.standardError = FileHandle.nullDevice
                    try cli.run()
                    cli.waitUntilExit()
                    best = min(best, TransferBenchmark.seconds(since: start))
                }
                print(String(format: "oss image %-22@ %8.1f ms whole process (in-process kernel %.1f ms)", item.name as NSString, best * 1000, ours[item.name]!.seconds * 1000))
            }
        }
    }
}
