import Foundation
import OSS

/// `OSSBenchmarks transfer`: a large object through `oss serve`, our getObject(toFile:) beside
/// `curl -o` on the same server in the same run, with throughput, the ratio, and peak memory of
/// the client and of the server; first, the CRC-64 implementations' throughput.
enum TransferBenchmark {
    static func run(sizeMiB: Int, rounds: Int) async throws {
        // The checksum every transfer below runs over every byte.
        CRC64Benchmark.run()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("oss-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work + "/root", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let server = try Server(root: work + "/root")
        defer { server.stop() }

        let client = OSSClient(configuration: Configuration(
            region: "cn-hangzhou", endpoint: server.url,
            credentialsProvider: StaticCredentialsProvider(accessKeyId: Server.accessKeyId, accessKeySecret: Server.accessKeySecret)))
        let bucket = client.bucket("bench")

        // A file of pseudo-random bytes (not zeros, so nothing compresses or dedups).
        let source = work + "/source.bin"
        try writeRandomFile(source, bytes: sizeMiB << 20)
        print("object: \(sizeMiB) MiB through oss serve at \(server.url)")

        resetPeakRSS()
        var clock = ContinuousClock.now
        try await bucket.putObject("big.bin", fromFile: source)
        let putSeconds = seconds(since: clock)
        let putPeak = peakRSS()
        try? FileManager.default.removeItem(atPath: source)
        print(String(format: "put  (swift-oss, streamed from file): %7.1f MiB/s   client peak RSS %6.1f MiB", Double(sizeMiB) / putSeconds, putPeak))

        // The transport alone: stream the body and drop it.
        resetPeakRSS()
        clock = ContinuousClock.now
        let (_, stream) = try await bucket.getObjectStream("big.bin")
        var streamed = 0
        for try await chunk in stream { streamed += chunk.count }
        let streamSeconds = seconds(since: clock)
        print(String(format: "get  (swift-oss stream, body dropped): %7.1f MiB/s   client peak RSS %6.1f MiB", Double(streamed >> 20) / streamSeconds, peakRSS()))

        let presigned = try await bucket.presign("big.bin", expiresIn: 3600)
        var ours: [Double] = []
        var curls: [Double] = []
        var durableCurls: [Double] = []
        var ourPeak = 0.0
        for round in 1...rounds {
            try? FileManager.default.removeItem(atPath: work + "/ours.bin")
            resetPeakRSS()
            clock = ContinuousClock.now
            try await bucket.getObject("big.bin", toFile: work + "/ours.bin")
            ours.append(seconds(since: clock))
            ourPeak = max(ourPeak, peakRSS())
            try? FileManager.default.removeItem(atPath: work + "/ours.bin")

            try? FileManager.default.removeItem(atPath: work + "/curl.bin")
            clock = ContinuousClock.now
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            curl.arguments = ["curl", "-sS", "--fail", "-o", work + "/curl.bin", presigned.url]
            try curl.run()
            curl.waitUntilExit()
            guard curl.terminationStatus == 0 else { throw BenchmarkError("curl failed with status \(curl.terminationStatus)") }
            curls.append(seconds(since: clock))
            try? FileManager.default.removeItem(atPath: work + "/curl.bin")

            // curl with the guarantee getObject(toFile:) gives: the file is on disk when it returns.
            clock = ContinuousClock.now
            let durable = Process()
            durable.executableURL = URL(fileURLWithPath: "/bin/sh")
            durable.arguments = ["-c", "curl -sS --fail -o \"$1\" \"$2\" && sync \"$1\"", "sh", work + "/curl.bin", presigned.url]
            try durable.run()
            durable.waitUntilExit()
            guard durable.terminationStatus == 0 else { throw BenchmarkError("curl + sync failed") }
            durableCurls.append(seconds(since: clock))
            try? FileManager.default.removeItem(atPath: work + "/curl.bin")
            print(String(format: "round %d: swift-oss %.2f s, curl -o %.2f s, curl -o + sync %.2f s", round, ours.last!, curls.last!, durableCurls.last!))
        }
        let ourBest = ours.min()!, curlBest = curls.min()!
        let ourRate = Double(sizeMiB) / ourBest, curlRate = Double(sizeMiB) / curlBest
        print(String(format: "get  swift-oss getObject(toFile:) best %7.1f MiB/s   client peak RSS %6.1f MiB", ourRate, ourPeak))
        print(String(format: "get  curl -o                    best %7.1f MiB/s", curlRate))
        let durableRate = Double(sizeMiB) / durableCurls.min()!
        print(String(format: "get  curl -o + sync (durable)   best %7.1f MiB/s", durableRate))
        print(String(format: "throughput ratio swift-oss / curl -o: %.2f (goal >= 0.90); swift-oss / durable curl: %.2f; client peak RSS goal < 64 MiB",
                     ourRate / curlRate, ourRate / durableRate))
        print(String(format: "oss serve peak RSS after %d MiB in and %d x %d MiB out: %.1f MiB", sizeMiB, rounds * 2, sizeMiB, server.peakRSS()))
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func writeRandomFile(_ path: String, bytes: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var block = [UInt64](repeating: 0, count: (4 << 20) / 8)
        var written = 0
        while written < bytes {
            for i in block.indices {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                block[i] = state
            }
            let count = min(block.count * 8, bytes - written)
            try block.withUnsafeBytes { try handle.write(contentsOf: Data($0.prefix(count))) }
            written += count
        }
    }
}

/// `oss serve` as a child process.
final class Server {
    static let accessKeyId = "bench-ak"
    static let accessKeySecret = "bench-secret"
    let process = Process()
    let url: String

    init(root: String) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oss")
        process.executableURL = binary
        process.arguments = ["serve", "--root", root, "--bucket", "bench"]
        var environment = ProcessInfo.processInfo.environment
        environment["OSS_ACCESS_KEY_ID"] = Self.accessKeyId
        environment["OSS_ACCESS_KEY_SECRET"] = Self.accessKeySecret
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        url = String(decoding: line, as: UTF8.self)
        guard url.hasPrefix("http://") else { throw BenchmarkError("oss serve did not start (is it built next to OSSBenchmarks?)") }
    }

    func peakRSS() -> Double { readPeakRSS(pid: process.processIdentifier) }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// VmHWM of a process, in MiB (Linux).
func readPeakRSS(pid: Int32? = nil) -> Double {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
    let kib = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    return kib / 1024
}

func peakRSS() -> Double { readPeakRSS() }

/// Resets this process's VmHWM to its current RSS, so each phase is measured on its own.
func resetPeakRSS() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}
