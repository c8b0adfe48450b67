import Foundation

// OSSBenchmarks: figures for the README and the closing notes, never run as tests.
//   OSSBenchmarks transfer [--size-mib N] [--rounds R]
//   OSSBenchmarks crc64 [--size-mib N] [--rounds R]
//   OSSBenchmarks multipart-memory [--size-mib N] [--parts P] [--clients C] [--budget-mib B]
//   OSSBenchmarks presign-rate --python PATH [--count N] [--rounds R]
//   OSSBenchmarks get|put|presign ... (one transfer per process; see TransferClient)
let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else { return value }
    return parsed
}

func stringOption(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

// An error is a message and exit status 1, not a trap.
do {
    switch arguments.first {
    case "circle":
        try await CircleBenchmark.run(python: stringOption("--python") ?? "/usr/bin/python3", runs: option("--runs", default: 3))
    case "image":
        try ImageBenchmark.run(python: stringOption("--python") ?? "/usr/bin/python3", runs: option("--runs", default: 5), only: stringOption("--only"))
    case "image-profile":
        try ImageProfile.run(process: stringOption("--process") ?? "image/resize,w_200/quality,Q_90", source: stringOption("--source") ?? "4000x3000",
                             runs: option("--runs", default: 20), pauseMilliseconds: option("--pause-ms", default: 0), output: stringOption("--out"))
    case "circle-rss":
        try CircleBenchmark.measurePeak(path: arguments[1])
    case "crc64":
        CRC64Benchmark.run(sizeMiB: option("--size-mib", default: 256), rounds: option("--rounds", default: 5))
    case "watermark":
        try WatermarkBenchmark.run(runs: option("--runs", default: 3))
    case "transfer":
        try await TransferBenchmark.run(sizeMiB: option("--size-mib", default: 1024), rounds: option("--rounds", default: 3))
    case "multipart-memory":
        try await MultipartMemoryBenchmark.run(sizeMiB: option("--size-mib", default: 1024), parts: option("--parts", default: 100),
                                               clients: option("--clients", default: 8), budgetMiB: Double(option("--budget-mib", default: 64)))
    case "presign-rate":
        try await PresignBenchmark.run(python: stringOption("--python") ?? ".build/interop-venv/bin/python", count: option("--count", default: 20000),
                                       rounds: option("--rounds", default: 5))
    case "get", "put", "presign":
        try await TransferClient.run(arguments[0])
    default:
        print("usage: OSSBenchmarks transfer [--size-mib N] [--rounds R] | crc64 [--size-mib N] [--rounds R] | circle --python PATH [--runs N] | watermark [--runs N] | image --python PATH [--runs N] [--only NAME] | image-profile [--process P] [--source WxH] [--runs N] [--pause-ms M] [--out FILE] | multipart-memory [--size-mib N] [--parts P] [--clients C] [--budget-mib B] | presign-rate --python PATH [--count N] [--rounds R] | get|put|presign --endpoint URL --bucket B --key K ...")
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("OSSBenchmarks: \(error)\n".utf8))
    exit(1)
}
