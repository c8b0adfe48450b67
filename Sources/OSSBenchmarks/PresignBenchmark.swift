import Foundation
import OSS

/// `OSSBenchmarks presign-rate --python PATH`: presigned GET URLs carrying a process, ours beside the
/// official Python SDK (alibabacloud-oss-v2, which `scripts/interop.sh --install-only` puts in
/// `.build/interop-venv`), each in-process, rounds interleaved (ours, theirs, ours...), medians
/// of microseconds per URL. A thumbnail grid or an API answering with image links presigns one URL
/// per picture, so this is the cost per picture of a page.
///
/// No network: presigning is local work (credentials, canonical request, HMAC chain, URL).
enum PresignBenchmark {
    static let process = "image/resize,m_fill,w_200,h_200/circle,r_100/format,webp"

    static func key(_ index: Int) -> String { "photos/2026/avatar-\(index).jpg" }

    /// Our microseconds per URL over `count` URLs.
    static func ours(count: Int) async throws -> Double {
        let client = OSSClient(configuration: Configuration(
            region: "cn-hangzhou", credentialsProvider: StaticCredentialsProvider(accessKeyId: "LTAI5tBenchmarkKeyId", accessKeySecret: "benchmark-secret")))
        let bucket = client.bucket("examplebucket")
        var length = 0
        let start = ContinuousClock.now
        for index in 0..<count {
            length &+= try await bucket.presign(key(index), process: process, expiresIn: 3600).url.utf8.count
        }
        let seconds = TransferBenchmark.seconds(since: start)
        guard length > 0 else { throw BenchmarkError("no URL") }
        return seconds * 1e6 / Double(count)
    }

    static let pythonScript = """
        import sys, time, datetime
        import alibabacloud_oss_v2 as oss
        count, process = int(sys.argv[1]), sys.argv[2]
        cfg = oss.config.load_default()
        cfg.credentials_provider = oss.credentials.StaticCredentialsProvider("LTAI5tBenchmarkKeyId", "benchmark-secret")
        cfg.region = "cn-hangzhou"
        client = oss.Client(cfg)
        expires = datetime.timedelta(seconds=3600)
        length = 0
        start = time.perf_counter()
        for index in range(count):
            request = oss.GetObjectRequest(bucket="examplebucket", key=f"photos/2026/avatar-{index}.jpg", process=process)
            length += len(client.presign(request, expires=expires).url)
        seconds = time.perf_counter() - start
        assert length > 0
        print(seconds * 1e6 / count)
        """

    /// The Python SDK's microseconds per URL, timed inside its process (start-up excluded).
    static func theirs(python: String, count: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", pythonScript, String(count), Self.process]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let value = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchmarkError("the Python SDK's presign run failed (is alibabacloud-oss-v2 installed for \(python)?)")
        }
        return value
    }

    static func run(python: String, count: Int, rounds: Int) async throws {
        // One untimed round each first: caches, lazy loading, the interpreter's imports.
        _ = try await ours(count: min(count, 1000))
        _ = try theirs(python: python, count: min(count, 1000))
        var mine: [Double] = [], official: [Double] = []
        for _ in 0..<rounds {
            mine.append(try await ours(count: count))
            official.append(try theirs(python: python, count: count))
        }
        let ourMedian = ImageBenchmark.median(mine), theirMedian = ImageBenchmark.median(official)
        print("presign GET with x-oss-process (\(process)), V4, \(count) URLs a round, \(rounds) interleaved rounds, medians")
        print(String(format: "  swift-oss          %7.2f µs/URL   (rounds: %@)", ourMedian, mine.map { String(format: "%.2f", $0) }.joined(separator: " ")))
        print(String(format: "  alibabacloud-oss-v2 %6.2f µs/URL   (rounds: %@)", theirMedian, official.map { String(format: "%.2f", $0) }.joined(separator: " ")))
        print(String(format: "  ratio: ours %.2fx faster", theirMedian / ourMedian))
    }
}
