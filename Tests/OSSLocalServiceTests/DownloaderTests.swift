import Foundation
import OSS
import OSSCrypto
import OSSLocalService
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Downloader against the local OSS over loopback: parts in parallel, retries, the CRC-64 and
/// ETag checks, and resuming after a cancellation, a killed process and a corrupt checkpoint.
@Suite("Downloader over loopback")
struct DownloaderTests {
    static let partSize: Int64 = 100 << 10

    /// An object of `size` pseudo-random bytes at `key`, and a scratch folder for the download.
    static func object(_ fixture: LocalOSSFixture, key: String, size: Int, seed: UInt64 = 7) async throws -> (bytes: [UInt8], folder: String) {
        let bytes = testBytes(size, seed: seed)
        try await fixture.client().bucket("examplebucket").putObject(key, data: bytes)
        return (bytes, try fixture.scratch())
    }

    static func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    /// The parts a checkpoint file lists.
    static func checkpointParts(_ path: String) -> [Int]? {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let parts = json["parts"] as? [[String: Any]] else { return nil }
        return parts.compactMap { $0["index"] as? Int }
    }

    @Test("parts in parallel give the object byte for byte; progress as bytes arrive; a failing part is retried; nothing is left beside")
    func parallel() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let (bytes, folder) = try await Self.object(fixture, key: "big.bin", size: (1 << 20) + 4321)
        // The fourth ranged GET answers 503 once; the part is fetched again.
        fixture.service.faults.add(FaultRule(.status, method: "GET", key: "big.bin", skip: 3, status: 503))
        let progress = ProgressRecorder()
        let destination = folder + "/big.bin"
        let result = try await Downloader(bucket: bucket, partSize: Self.partSize, concurrency: 4)
            .download("big.bin", toFile: destination, options: DownloadOptions(progress: { progress.record($0, $1) }))
        #expect(fixture.service.faults.appliedCounts == [1])
        #expect(Self.contents(destination) == bytes)
        #expect(result.size == Int64(bytes.count))
        #expect(result.crc64 == CRC64.checksum(bytes))
        #expect(result.fetchedParts == 11)
        #expect(result.resumedParts == 0)
        // More reports than parts: progress follows the chunks, not the part completions.
        #expect(progress.count > 11)
        #expect(progress.last?.0 == Int64(bytes.count))
        #expect(progress.last?.1 == Int64(bytes.count))
        #expect(LocalOSSFixture.files(in: folder) == ["big.bin"])

        // An empty object needs no GET, and still replaces the destination atomically.
        try await bucket.putObject("empty.bin", data: [])
        let empty = try await Downloader(bucket: bucket).download("empty.bin", toFile: folder + "/empty.bin")
        #expect(empty.size == 0 && empty.crc64 == 0)
        #expect(Self.contents(folder + "/empty.bin") == [])
    }

    @Test("a body cut short is retried as a part, and the file is still exact")
    func truncatedPart() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let (bytes, folder) = try await Self.object(fixture, key: "cut.bin", size: 600 << 10)
        fixture.service.faults.add(FaultRule(.truncate, method: "GET", key: "cut.bin", skip: 2, afterBytes: 10_000))
        try await Downloader(bucket: bucket, partSize: Self.partSize, concurrency: 2).download("cut.bin", toFile: folder + "/cut.bin")
        #expect(fixture.service.faults.appliedCounts == [1])
        #expect(Self.contents(folder + "/cut.bin") == bytes)
    }

    @Test("a wrong CRC-64 fails, leaves an existing destination byte for byte, and removes what it wrote")
    func wrongCRC() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let (_, folder) = try await Self.object(fixture, key: "crc.bin", size: 500 << 10)
        let destination = folder + "/crc.bin"
        let old = Array("the previous file".utf8)
        try Data(old).write(to: URL(fileURLWithPath: destination))
        fixture.service.faults.add(FaultRule(.wrongCRC, method: "HEAD", key: "crc.bin"))
        do {
            try await Downloader(bucket: bucket, partSize: Self.partSize).download("crc.bin", toFile: destination)
            Issue.record("expected a CRC-64 integrity error")
        } catch {
            #expect(error.integrityError?.kind == .crc64)
        }
        #expect(Self.contents(destination) == old)
        #expect(LocalOSSFixture.files(in: folder) == ["crc.bin"])
    }

    @Test("an object replaced mid-download fails on If-Match, and the destination is untouched")
    func replacedMidway() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let (_, folder) = try await Self.object(fixture, key: "moving.bin", size: 1 << 20)
        // Every GET is slow, so the replacement lands while parts are still to fetch.
        fixture.service.faults.add(FaultRule(.stall, method: "GET", key: "moving.bin", times: -1, milliseconds: 150))
        let task = Task {
            try await Downloader(bucket: bucket, partSize: Self.partSize, concurrency: 1).download("moving.bin", toFile: folder + "/moving.bin")
        }
        try await Task.sleep(for: .milliseconds(400))
        try await bucket.putObject("moving.bin", data: testBytes(1 << 20, seed: 99))
        let result = await task.result
        #expect(throws: OSSError.self) { try result.get() }
        if case let .failure(error as OSSError) = result {
            #expect(error.serverError?.status == 412)
        }
        #expect(LocalOSSFixture.files(in: folder).isEmpty)
    }

    @Test("cancelled mid-way: the destination is untouched, and the rerun fetches only the missing parts")
    func cancelThenResume() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let (bytes, folder) = try await Self.object(fixture, key: "resume.bin", size: 2 << 20)
        let destination = folder + "/resume.bin"
        let checkpoint = folder + "/.resume.bin.oss-download.json"
        let old = Array("old".utf8)
        try Data(old).write(to: URL(fileURLWithPath: destination))
        fixture.service.faults.add(FaultRule(.stall, method: "GET", key: "resume.bin", times: -1, milliseconds: 60))
        let downloader = Downloader(bucket: bucket, partSize: Self.partSize, concurrency: 2)
        let task = Task { try await downloader.download("resume.bin", toFile: destination) }
        while (Self.checkpointParts(checkpoint)?.count ?? 0) < 4 { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let first = await task.result
        #expect(throws: OSSError.self) { try first.get() }
        #expect(Self.contents(destination) == old)
        let saved = try #require(Self.checkpointParts(checkpoint))
        #expect(saved.count >= 4 && saved.count < 21)
        #expect(FileManager.default.fileExists(atPath: folder + "/.resume.bin.oss-download"))

        fixture.service.faults.removeAll()
        // Counts the ranged GETs of the rerun and changes nothing.
        fixture.service.faults.add(FaultRule(.stall, method: "GET", key: "resume.bin", times: -1, milliseconds: 0))
        // No retries, so every GET the server counts is a part (a retried one would count twice).
        let once = Downloader(bucket: fixture.client(retry: .none).bucket("examplebucket"), partSize: Self.partSize, concurrency: 2)
        let result = try await once.download("resume.bin", toFile: destination)
        #expect(result.resumedParts == saved.count)
        #expect(result.fetchedParts == 21 - saved.count)
        // libcurl silently sends a request again when a reused connection turns out closed, so a
        // loaded machine may show a GET or two more; a rerun from scratch would show 21.
        let gets = try #require(fixture.service.faults.appliedCounts.first)
        #expect(gets >= 21 - saved.count && gets <= 21 - saved.count + 2)
        #expect(Self.contents(destination) == bytes)
        #expect(LocalOSSFixture.files(in: folder) == ["resume.bin"])
    }

    @Test("a corrupt, hostile or stale checkpoint starts over instead of trusting it")
    func corruptCheckpoint() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let (bytes, folder) = try await Self.object(fixture, key: "c.bin", size: 500 << 10)
        let destination = folder + "/c.bin"
        let checkpoint = folder + "/.c.bin.oss-download.json"
        let temporary = folder + "/.c.bin.oss-download"
        let downloader = Downloader(bucket: bucket, partSize: Self.partSize)
        let etag = try #require(try await bucket.headObject("c.bin").etag)
        let object = """
            {"bucket":"examplebucket","key":"c.bin","destination":"\(destination)","etag":"\(etag)","size":\(bytes.count),\
            "crc64":"\(CRC64.checksum(bytes))","partSize":\(Self.partSize)}
            """
        let hostile = [
            "not json at all {{{",
            // Indices out of range, negative, duplicated; a CRC that is not a number.
            #"{"version":1,"object":\#(object),"parts":[{"index":99,"crc64":"1"}]}"#,
            #"{"version":1,"object":\#(object),"parts":[{"index":-1,"crc64":"1"}]}"#,
            #"{"version":1,"object":\#(object),"parts":[{"index":0,"crc64":"1"},{"index":0,"crc64":"1"}]}"#,
            #"{"version":1,"object":\#(object),"parts":[{"index":0,"crc64":"x"}]}"#,
            // Well formed and for this object, but vouching for parts whose bytes are zeros.
            #"{"version":1,"object":\#(object),"parts":[{"index":0,"crc64":"123"},{"index":1,"crc64":"456"}]}"#,
            // Another version of the format.
            #"{"version":2,"object":\#(object),"parts":[]}"#,
        ]
        for text in hostile {
            try Data(text.utf8).write(to: URL(fileURLWithPath: checkpoint))
            try Data(count: bytes.count).write(to: URL(fileURLWithPath: temporary))
            try? FileManager.default.removeItem(atPath: destination)
            fixture.service.faults.removeAll()
            fixture.service.faults.add(FaultRule(.stall, method: "GET", key: "c.bin", times: -1, milliseconds: 0))
            let result = try await downloader.download("c.bin", toFile: destination)
            #expect(result.resumedParts == 0, "\(text)")
            #expect(fixture.service.faults.appliedCounts == [5], "\(text)")
            #expect(Self.contents(destination) == bytes, "\(text)")
            #expect(LocalOSSFixture.files(in: folder) == ["c.bin"], "\(text)")
        }

        // A checkpoint of another ETag (the object since replaced) is not resumed either.
        try Data(#"{"version":1,"object":\#(object.replacingOccurrences(of: etag, with: "0123")),"parts":[{"index":0,"crc64":"1"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: checkpoint))
        let result = try await downloader.download("c.bin", toFile: destination)
        #expect(result.resumedParts == 0)
        #expect(Self.contents(destination) == bytes)
    }

    @Test("a download process killed mid-way leaves the destination untouched; the next run resumes it")
    func killedProcessResumes() async throws {
        let fixture = try await LocalOSSFixture()
        let (bytes, folder) = try await Self.object(fixture, key: "killed.bin", size: 3 << 20)
        let destination = folder + "/killed.bin"
        let checkpoint = folder + "/.killed.bin.oss-download.json"
        let old = Array("yesterday's copy".utf8)
        try Data(old).write(to: URL(fileURLWithPath: destination))
        // 400 KB/s a connection: the child is slow enough to be killed mid-way.
        fixture.service.faults.add(FaultRule(.throttle, method: "GET", key: "killed.bin", times: -1, bytesPerSecond: 400_000))

        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("OSSBenchmarks").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "OSSBenchmarks is built beside the tests by swift build --build-tests")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: binary)
        child.arguments = ["get", "--endpoint", fixture.endpoint, "--bucket", "examplebucket", "--key", "killed.bin", "--to", destination,
                           "--part-size-kib", "100", "--concurrency", "3"]
        var environment = ProcessInfo.processInfo.environment
        environment["OSS_ACCESS_KEY_ID"] = LocalOSSFixture.accessKeyId
        environment["OSS_ACCESS_KEY_SECRET"] = LocalOSSFixture.accessKeySecret
        child.environment = environment
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while (Self.checkpointParts(checkpoint)?.count ?? 0) < 5, child.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(child.isRunning, "the child finished before it could be killed")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(Self.contents(destination) == old)
        let saved = try #require(Self.checkpointParts(checkpoint))
        #expect(saved.count >= 5 && saved.count < 31)

        fixture.service.faults.removeAll()
        fixture.service.faults.add(FaultRule(.stall, method: "GET", key: "killed.bin", times: -1, milliseconds: 0))
        // No retries, so every GET the server counts is a part (a retried one would count twice).
        let result = try await Downloader(bucket: fixture.client(retry: .none).bucket("examplebucket"), partSize: Self.partSize, concurrency: 3)
            .download("killed.bin", toFile: destination)
        // Parts the kill caught half-written are not in the checkpoint, so they are fetched again.
        #expect(result.resumedParts == saved.count)
        // As above: at most one silent re-send per connection; a rerun from scratch would show 31.
        let gets = try #require(fixture.service.faults.appliedCounts.first)
        #expect(gets >= 31 - saved.count && gets <= 31 - saved.count + 3)
        #expect(Self.contents(destination) == bytes)
        #expect(LocalOSSFixture.files(in: folder) == ["killed.bin"])
    }

    @Test("the throttle fault paces a GET body to its rate")
    func throttleFault() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let (bytes, _) = try await Self.object(fixture, key: "slow.bin", size: 300_000)
        fixture.service.faults.add(FaultRule(.throttle, method: "GET", key: "slow.bin", bytesPerSecond: 1_000_000))
        let start = ContinuousClock.now
        #expect(try await bucket.getObjectData("slow.bin").data == bytes)
        // 300 KB at 1 MB/s: the pacing holds the last bytes back until 0.3 s at least.
        #expect(ContinuousClock.now - start >= .milliseconds(250))
        #expect(fixture.service.faults.appliedCounts == [1])
    }

    @Test("bad settings and destinations are refused before anything is sent")
    func settings() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let folder = try fixture.scratch()
        fixture.service.faults.add(FaultRule(.stall, times: -1, milliseconds: 0))
        // Parts grow to keep any object within 10,000 of them, as uploads do.
        #expect(Downloader(bucket: bucket).effectivePartSize(forObjectSize: 10 << 30) == 8 << 20)
        let grown = Downloader(bucket: bucket).effectivePartSize(forObjectSize: 1 << 40)
        #expect(grown * 10_000 >= 1 << 40 && grown % (1 << 20) == 0)
        await #expect(throws: OSSError.self) { try await Downloader(bucket: bucket, partSize: 1000).download("x", toFile: folder + "/x") }
        await #expect(throws: OSSError.self) { try await Downloader(bucket: bucket, concurrency: 0).download("x", toFile: folder + "/x") }
        await #expect(throws: OSSError.self) { try await Downloader(bucket: bucket).download("x", toFile: folder) }
        await #expect(throws: OSSError.self) { try await Downloader(bucket: bucket).download("x", toFile: "/dev/null") }
        #expect(fixture.service.faults.appliedCounts == [0])
        // A missing object fails at the HEAD and leaves nothing beside.
        await #expect(throws: OSSError.self) { try await Downloader(bucket: bucket).download("missing.bin", toFile: folder + "/m") }
        #expect(LocalOSSFixture.files(in: folder).isEmpty)
    }
}
