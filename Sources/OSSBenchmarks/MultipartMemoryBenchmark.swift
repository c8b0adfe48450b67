import Foundation
import OSS
import OSSHTTP
import OSSSigner

/// `oss-benchmarks multipart-memory`: a large object uploaded to `oss serve` in parts by several
/// concurrent clients, then completed; prints the throughput and the server's peak RSS, which
/// must stay under the budget however large the object (parts stream to disk, Complete copies
/// through one buffer).
enum MultipartMemoryBenchmark {
    static func run(sizeMiB: Int, parts: Int, clients: Int, budgetMiB: Double) async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("oss-bench-mp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work + "/root", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let server = try Server(root: work + "/root")
        defer { server.stop() }
        let source = work + "/source.bin"
        let size = Int64(sizeMiB) << 20
        try TransferBenchmark.writeRandomFile(source, bytes: Int(size))
        let partSize = (size + Int64(parts) - 1) / Int64(parts)
        print("object: \(sizeMiB) MiB in \(parts) parts of \(partSize) bytes, \(clients) clients, oss serve at \(server.url)")
        print(String(format: "server RSS at start: %.1f MiB", server.peakRSS()))

        let client = OSSClient(configuration: Configuration(
            region: "cn-hangzhou", endpoint: server.url,
            credentialsProvider: StaticCredentialsProvider(accessKeyId: Server.accessKeyId, accessKeySecret: Server.accessKeySecret)))
        let credentials = Credentials(accessKeyId: Server.accessKeyId, accessKeySecret: Server.accessKeySecret)
        @Sendable func send(_ method: String, query: [QueryItem], body: HTTPRequestBody = .none) async throws -> (Int, [HTTPHeaderField], String) {
            let prepared = try client.configuration.prepare(SignableRequest(method: method, bucket: "bench", key: "big.bin", query: query), credentials: credentials)
            let response = try await OSSClient.defaultTransport.send(TransportRequest(method: method, url: prepared.url, headers: prepared.headers, body: body))
            let text = String(decoding: try await response.body.collect(upTo: 1 << 20), as: UTF8.self)
            guard response.status == 200 else { throw BenchmarkError("\(method) \(query.map(\.name)): \(response.status) \(text)") }
            return (response.status, response.headers, text)
        }

        let (_, _, initiated) = try await send("POST", query: [QueryItem("uploads")])
        guard let start = initiated.range(of: "<UploadId>"), let end = initiated.range(of: "</UploadId>") else { throw BenchmarkError("no upload ID") }
        let uploadId = String(initiated[start.upperBound..<end.lowerBound])
        let clock = ContinuousClock.now
        let etags = try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for worker in 0..<clients {
                group.addTask {
                    var mine: [(Int, String)] = []
                    for number in stride(from: worker + 1, through: parts, by: clients) {
                        let offset = Int64(number - 1) * partSize
                        let length = min(partSize, size - offset)
                        let (_, headers, _) = try await send("PUT", query: [QueryItem("partNumber", String(number)), QueryItem("uploadId", uploadId)],
                                                             body: .file(path: source, offset: offset, length: length))
                        mine.append((number, headers.first { $0.name.lowercased() == "etag" }?.value ?? ""))
                    }
                    return mine
                }
            }
            var all: [(Int, String)] = []
            for try await mine in group { all += mine }
            return all.sorted { $0.0 < $1.0 }
        }
        let uploadSeconds = Double((ContinuousClock.now - clock).components.attoseconds) / 1e18 + Double((ContinuousClock.now - clock).components.seconds)
        print(String(format: "parts uploaded: %.1f MiB/s, server peak RSS so far %.1f MiB", Double(sizeMiB) / uploadSeconds, server.peakRSS()))
        let document = "<CompleteMultipartUpload>" + etags.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\($0.1)</ETag></Part>" }.joined()
            + "</CompleteMultipartUpload>"
        let completeClock = ContinuousClock.now
        _ = try await send("POST", query: [QueryItem("uploadId", uploadId)], body: .bytes(Array(document.utf8)))
        let completeDuration = ContinuousClock.now - completeClock
        let completeSeconds = Double(completeDuration.components.seconds) + Double(completeDuration.components.attoseconds) / 1e18
        let peak = server.peakRSS()
        print(String(format: "complete: %.2f s; server peak RSS %.1f MiB (budget %.0f MiB): %@", completeSeconds, peak, budgetMiB,
                     peak < budgetMiB ? "within" : "OVER"))
        if peak >= budgetMiB { exit(1) }
    }
}
