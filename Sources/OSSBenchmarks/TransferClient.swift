import Foundation
import OSS

/// One transfer in a process of its own, so that `scripts/benchmark-transfer.sh` can measure each
/// client's peak RSS with `/usr/bin/time` beside curl and the Python SDK, and a test can kill a
/// download mid-way:
///
///     OSSBenchmarks get --endpoint URL --bucket B --key K --to PATH [--mode parallel|single]
///                       [--part-size-kib N] [--concurrency C]
///     OSSBenchmarks put --endpoint URL --bucket B --key K --from PATH [--part-size-kib N] [--concurrency C]
///     OSSBenchmarks presign --endpoint URL --bucket B --key K
///
/// Credentials come from `OSS_ACCESS_KEY_ID` and `OSS_ACCESS_KEY_SECRET`, never the command line
/// (it shows in `ps`). `get` and `put` print `seconds BYTES MB/s`.
enum TransferClient {
    static func run(_ command: String) async throws {
        guard let endpoint = stringOption("--endpoint"), let bucketName = stringOption("--bucket"), let key = stringOption("--key") else {
            throw BenchmarkError("\(command) needs --endpoint, --bucket and --key")
        }
        let environment = ProcessInfo.processInfo.environment
        guard let id = environment["OSS_ACCESS_KEY_ID"], let secret = environment["OSS_ACCESS_KEY_SECRET"] else {
            throw BenchmarkError("set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET")
        }
        let client = OSSClient(configuration: Configuration(
            region: "cn-hangzhou", endpoint: endpoint, credentialsProvider: StaticCredentialsProvider(accessKeyId: id, accessKeySecret: secret)))
        let bucket = client.bucket(bucketName)
        let partSize = Int64(option("--part-size-kib", default: 8 << 10)) << 10
        let concurrency = option("--concurrency", default: 4)
        let start = ContinuousClock.now
        let bytes: Int64
        switch command {
        case "get":
            guard let path = stringOption("--to") else { throw BenchmarkError("get needs --to") }
            if stringOption("--mode") == "single" {
                bytes = try await bucket.getObject(key, toFile: path).contentLength ?? 0
            } else {
                bytes = try await Downloader(bucket: bucket, partSize: partSize, concurrency: concurrency).download(key, toFile: path).size
            }
        case "put":
            guard let path = stringOption("--from") else { throw BenchmarkError("put needs --from") }
            try await Uploader(bucket: bucket, partSize: partSize, concurrency: concurrency).upload(fromFile: path, to: key)
            bytes = Int64((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0)
        case "presign":
            print(try await bucket.presign(key, expiresIn: 3600).url)
            return
        default:
            throw BenchmarkError("unknown transfer command \(command)")
        }
        let seconds = TransferBenchmark.seconds(since: start)
        print(String(format: "%.3f %lld %.1f", seconds, bytes, Double(bytes) / seconds / 1e6))
    }
}
