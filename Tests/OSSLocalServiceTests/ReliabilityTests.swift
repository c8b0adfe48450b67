import Foundation
import Logging
import OSS
import OSSHTTP
import OSSLocalService
import OSSLocking
import Testing

/// Fault injection through the local OSS: what retries recover, what fails cleanly, and what is
/// never left behind.
@Suite("Reliability under injected faults")
struct ReliabilityTests {
    @Test("a 503 and a mid-body reset recover through retry", arguments: TransportKind.allCases)
    func recovers(transport: TransportKind) async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client(transport: transport.transport).bucket("examplebucket")
        let body = testBytes(2 << 20)
        try await bucket.putObject("a.bin", data: body)
        let folder = try fixture.scratch()

        fixture.service.faults.add(FaultRule(.status, method: "GET", key: "a.bin", times: 1, status: 503))
        try await bucket.getObject("a.bin", toFile: folder + "/a.bin")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/a.bin"))) == body)

        fixture.service.faults.removeAll()
        fixture.service.faults.add(FaultRule(.reset, method: "GET", key: "a.bin", times: 1, afterBytes: 300_000))
        try await bucket.getObject("a.bin", toFile: folder + "/b.bin")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/b.bin"))) == body)
        #expect(fixture.service.faults.appliedCounts == [1])
        #expect(LocalOSSFixture.files(in: folder) == ["a.bin", "b.bin"])
    }

    @Test("429 with Retry-After is honoured")
    func retryAfter() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("a.bin", data: [1, 2, 3])
        fixture.service.faults.add(FaultRule(.status, method: "GET", times: 1, status: 429, retryAfter: 1))
        let started = ContinuousClock.now
        #expect(try await bucket.getObjectData("a.bin").data == [1, 2, 3])
        #expect(ContinuousClock.now - started >= .seconds(1))
    }

    @Test("retries stop after the configured attempts, and a per-call override applies")
    func attemptLimits() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("a.bin", data: [1])
        fixture.service.faults.add(FaultRule(.status, method: "GET", times: -1, status: 500))
        await #expect(throws: OSSError.self) { try await bucket.getObjectData("a.bin") }
        #expect(fixture.service.faults.appliedCounts == [3])
        await #expect(throws: OSSError.self) { try await bucket.getObjectData("a.bin", options: GetObjectOptions(request: RequestOptions(maxAttempts: 5))) }
        #expect(fixture.service.faults.appliedCounts == [8])
        await #expect(throws: OSSError.self) { try await bucket.getObjectData("a.bin", options: GetObjectOptions(request: RequestOptions(maxAttempts: 1))) }
        #expect(fixture.service.faults.appliedCounts == [9])
        // A 404 is not retried.
        fixture.service.faults.removeAll()
        await #expect(throws: OSSError.self) { try await bucket.getObjectData("missing") }
    }

    @Test("a truncated body and a wrong CRC fail with an integrity error, leave no file, and keep an existing destination", arguments: TransportKind.allCases)
    func integrity(transport: TransportKind) async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client(transport: transport.transport).bucket("examplebucket")
        let body = testBytes(1 << 20)
        try await bucket.putObject("a.bin", data: body)
        let folder = try fixture.scratch()
        let existing = folder + "/existing.bin"
        let original = Data("precious original bytes".utf8)
        try original.write(to: URL(fileURLWithPath: existing))

        fixture.service.faults.add(FaultRule(.truncate, method: "GET", times: -1, afterBytes: 400_000))
        for destination in [existing, folder + "/new.bin"] {
            do {
                try await bucket.getObject("a.bin", toFile: destination)
                Issue.record("expected an integrity error")
            } catch {
                if transport == .curl {
                    guard let integrity = error.integrityError else { Issue.record("\(error)"); continue }
                    #expect(integrity.kind == .length)
                } else {
                    // URLSession on Linux reports an early close as a lost connection, not a short body.
                    #expect(error.isIntegrityOrTransport)
                }
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == original)
        #expect(LocalOSSFixture.files(in: folder) == ["existing.bin"])

        fixture.service.faults.removeAll()
        fixture.service.faults.add(FaultRule(.wrongCRC, method: "GET", times: -1))
        do {
            try await bucket.getObject("a.bin", toFile: existing)
            Issue.record("expected a CRC error")
        } catch {
            guard let integrity = error.integrityError else { Issue.record("\(error)"); return }
            #expect(integrity.kind == .crc64)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == original)
        #expect(LocalOSSFixture.files(in: folder) == ["existing.bin"])
        // A process or a range changes the bytes, so the stored object's CRC is not checked.
        let (_, part) = try await bucket.getObjectData("a.bin", options: GetObjectOptions(range: .bytes(0...9)))
        #expect(part == Array(body[0...9]))
    }

    @Test("cancellation leaves no temporary file and an existing destination intact")
    func cancellation() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("a.bin", data: testBytes(4 << 20))
        let folder = try fixture.scratch()
        let destination = folder + "/dest.bin"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: destination))
        fixture.service.faults.add(FaultRule(.stall, method: "GET", times: -1, milliseconds: 10_000))
        let task = Task { try await bucket.getObject("a.bin", toFile: destination) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.result
        #expect(throws: OSSError.cancelled) { try result.get() }
        #expect(LocalOSSFixture.files(in: folder) == ["dest.bin"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("keep me".utf8))

        // Cancelled in the middle of the body, after the temporary file exists.
        fixture.service.faults.removeAll()
        let slow = ProgressRecorder()
        let cancelling = Task {
            try await bucket.getObject("a.bin", toFile: destination, options: GetObjectOptions(progress: { bytes, _ in
                slow.record(bytes, nil)
                if bytes > 1 << 20 { withUnsafeCurrentTask { $0?.cancel() } }
            }))
        }
        let midResult = await cancelling.result
        #expect(throws: OSSError.cancelled) { try midResult.get() }
        #expect(LocalOSSFixture.files(in: folder) == ["dest.bin"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("keep me".utf8))
    }

    @Test("a stalled server hits the idle timeout, per call")
    func idleTimeout() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client(retry: .none)
        try await client.bucket("examplebucket").putObject("a.bin", data: [1])
        // Without the call's 1 s idle timeout the GET would wait out the 20 s stall and succeed;
        // the 15 s bound leaves a sanitizer build room.
        fixture.service.faults.add(FaultRule(.stall, method: "GET", times: 1, milliseconds: 20_000))
        let started = ContinuousClock.now
        do {
            _ = try await client.bucket("examplebucket").getObjectData("a.bin", options: GetObjectOptions(request: RequestOptions(timeouts: TransportTimeouts(connect: .seconds(2), idle: .seconds(1)))))
            Issue.record("expected a timeout")
        } catch {
            guard let transport = error.transportError else { Issue.record("\(error)"); return }
            #expect(transport.kind == .timedOut)
        }
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test("RequestTimeTooSkewed is fixed from ServerTime and retried")
    func skew() async throws {
        // The server's clock runs two hours ahead of ours.
        let fixture = try await LocalOSSFixture(clock: { SigningTime.now().adding(seconds: 7200) })
        let client = fixture.client()
        let before = SigningTime.now().unixSeconds
        try await client.bucket("examplebucket").putObject("a.bin", data: [9])
        let elapsed = SigningTime.now().unixSeconds - before
        // The offset is ServerTime minus our clock when the answer is read, so it can be short of
        // the true 7200 s by at most the time the call took (seconds on a loaded machine), plus
        // one for whole-second rounding; never more than the truth.
        let learned = client.learnedClockOffsetSeconds
        #expect(learned <= 7200 + 1 && learned >= 7200 - elapsed - 1, "learned \(learned) s in a call of \(elapsed) s")
        #expect(try await client.bucket("examplebucket").getObjectData("a.bin").data == [9])
    }

    @Test("50 concurrent downloads keep working across an STS rotation")
    func stsRotation() async throws {
        let first = ServiceCredentials(accessKeyId: "STS.first", accessKeySecret: "s1", securityToken: "token-1")
        let second = ServiceCredentials(accessKeyId: "STS.second", accessKeySecret: "s2", securityToken: "token-2")
        let fixture = try await LocalOSSFixture(credentials: [first])
        let now = Counter(SigningTime.now().unixSeconds)
        let fetches = Counter(0)
        let provider = RefreshingCredentialsProvider(refreshMargin: 300, clock: { SigningTime(unixSeconds: now.value) }, fetch: {
            let n = fetches.add(1)
            let current = n == 1 ? first : second
            return Credentials(accessKeyId: current.accessKeyId, accessKeySecret: current.accessKeySecret,
                               securityToken: current.securityToken, expiration: SigningTime(unixSeconds: now.value + 900))
        })
        let client = fixture.client(credentials: provider)
        let body = testBytes(256 << 10)
        try await client.bucket("examplebucket").putObject("shared.bin", data: body)
        let folder = try fixture.scratch()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    if index == 25 {
                        // The STS rotation: new keys are issued (the old ones stay valid until they
                        // expire, as STS does), and the provider's clock reaches the refresh margin.
                        fixture.service.setAcceptedCredentials([first, second])
                        now.add(800)
                    }
                    try await client.bucket("examplebucket").getObject("shared.bin", toFile: folder + "/\(index).bin")
                }
            }
            try await group.waitForAll()
        }
        #expect(fetches.value == 2)
        // The old keys expire: only the rotated ones work now, and the client already uses them.
        fixture.service.setAcceptedCredentials([second])
        try await client.bucket("examplebucket").getObject("shared.bin", toFile: folder + "/after.bin")
        #expect(fetches.value == 2)
        for index in 0..<50 {
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/\(index).bin"))) == body)
        }
    }

    @Test("logs carry method, host, path, status, request id and attempt, never secrets")
    func logging() async throws {
        let fixture = try await LocalOSSFixture()
        let sink = LogSink()
        var logger = Logger(label: "test") { _ in sink }
        logger.logLevel = .trace
        let token = "sts-token-value-ABC"
        let sts = ServiceCredentials(accessKeyId: "STS.log", accessKeySecret: "log-secret-XYZ", securityToken: token)
        fixture.service.setAcceptedCredentials([sts])
        var client = fixture.client(credentials: StaticCredentialsProvider(accessKeyId: "STS.log", accessKeySecret: "log-secret-XYZ", securityToken: token))
        client.logger = logger
        fixture.service.faults.add(FaultRule(.status, method: "PUT", times: 1, status: 503))
        try await client.bucket("examplebucket").putObject("logged.txt", data: [1])
        _ = try? await client.bucket("examplebucket").getObjectData("missing.txt")
        let lines = sink.lines
        #expect(lines.count >= 3)
        let all = lines.joined(separator: "\n")
        #expect(all.contains("http.method=PUT"))
        #expect(all.contains("http.status=503"))
        #expect(all.contains("oss.attempt=2"))
        #expect(all.contains("oss.request_id="))
        #expect(all.contains("http.path=/examplebucket/logged.txt"))
        for secret in ["log-secret-XYZ", token, "Authorization", "Signature", "OSS4-HMAC-SHA256"] {
            #expect(!all.contains(secret), "\(secret) leaked into logs")
        }
    }
}

extension OSSError {
    var isIntegrityOrTransport: Bool {
        kind == .integrity || kind == .transport
    }
}

/// Collects log lines with their metadata.
final class LogSink: LogHandler, @unchecked Sendable {
    private let stored = LockedValue<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        stored.withLock { $0.append("\(event.level) \(event.message) \(fields)") }
    }

    var lines: [String] { stored.load() }
}

/// A shared integer for test closures.
final class Counter: Sendable {
    private let stored: LockedValue<Int64>
    init(_ value: Int64) { stored = LockedValue(value) }
    var value: Int64 { stored.load() }
    @discardableResult func add(_ delta: Int64) -> Int64 { stored.withLock { $0 += delta; return $0 } }
}
