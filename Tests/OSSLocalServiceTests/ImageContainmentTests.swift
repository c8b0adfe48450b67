import Foundation
import OSS
import OSSImage
import OSSLocalService
import OSSOffline
import Testing

/// Image work through the local OSS over loopback: it is queued, refused when the queue is full,
/// stopped when its client leaves, and never holds up small requests.
@Suite("Local OSS image work: queued, refused past the queue, cancelled with its client")
struct ImageContainmentTests {
    /// Eight quarter turns of a 1.5-megapixel photo: seconds of work in a debug build, within every
    /// OSS limit.
    static let expensive = "image/" + Array(repeating: "rotate,90", count: 8).joined(separator: "/")

    /// A fixture serving `photo.jpg` (1500x1000) from the public bucket through `processor`.
    func fixture(_ processor: ImageObjectProcessor) async throws -> LocalOSSFixture {
        let fixture = try await LocalOSSFixture(publicRead: ["public-bucket"], processor: processor)
        let photo = try await RawHTTPConnection.offPool { try SyntheticPhoto.jpeg(width: 1500, height: 1000, seed: 3) }
        let bucket = fixture.client().bucket("public-bucket")
        try await bucket.putObject("photo.jpg", data: photo)
        try await bucket.putObject("tiny.txt", data: [0x21])
        return fixture
    }

    /// A raw anonymous GET of `photo.jpg` with `process`, left open.
    func startProcessing(_ fixture: LocalOSSFixture, _ process: String) async throws -> RawHTTPConnection {
        let port = fixture.server.port
        let target = "/public-bucket/photo.jpg?x-oss-process=" + process.replacingOccurrences(of: "/", with: "%2F").replacingOccurrences(of: ",", with: "%2C")
        return try await RawHTTPConnection.offPool {
            let connection = try RawHTTPConnection(port: port)
            try connection.send("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return connection
        }
    }

    func eventually(_ what: Comment, _ condition: () -> Bool) async throws {
        for _ in 0..<3000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("never happened: \(what)")
    }

    @Test("a client that leaves mid-process has its job's cancellation flag set, and small requests are answered meanwhile")
    func leavingClientCancelsItsJob() async throws {
        let processor = ImageObjectProcessor(workers: 1)
        let fixture = try await fixture(processor)
        let connection = try await startProcessing(fixture, Self.expensive)
        try await eventually("the job runs") { processor.statistics.running == 1 }

        // While the only image worker is busy, a small GET is answered: it never waits for image work.
        let tiny = try await fixture.client().bucket("public-bucket").getObjectData("tiny.txt")
        #expect(tiny.data == [0x21])
        #expect(processor.statistics.running == 1, "the job ended before the small GET was answered: the test proves nothing")

        connection.close()
        try await eventually("the job's flag is set once its client is gone") { processor.statistics.cancelledWhileRunning == 1 }
    }

    @Test("a request that leaves while its job waits is dropped from the queue without running")
    func leavingClientLeavesTheQueue() async throws {
        let processor = ImageObjectProcessor(workers: 1)
        let fixture = try await fixture(processor)
        let running = try await startProcessing(fixture, Self.expensive)
        try await eventually("the first job runs") { processor.statistics.running == 1 }
        let waiting = try await startProcessing(fixture, "image/rotate,90")
        try await eventually("the second job waits") { processor.statistics.queued == 1 }
        waiting.close()
        try await eventually("the waiting job is dropped") { processor.statistics.cancelledWhileQueued == 1 && processor.statistics.queued == 0 }
        running.close()
    }

    @Test("past the queue, image requests get 503 SlowDown in OSS's XML with an EC and Retry-After")
    func slowDownPastTheQueue() async throws {
        let processor = ImageObjectProcessor(workers: 1, maximumQueued: 1)
        let fixture = try await fixture(processor)
        let running = try await startProcessing(fixture, Self.expensive)
        try await eventually("the first job runs") { processor.statistics.running == 1 }
        let waiting = try await startProcessing(fixture, Self.expensive)
        try await eventually("the second job waits") { processor.statistics.queued == 1 }
        let refused = try await startProcessing(fixture, "image/rotate,90")
        let reply = try await RawHTTPConnection.offPool { try refused.receive(until: "</Error>\n") }
        let response = try #require(RawHTTPResponse(reply))
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 503)
        #expect(response.header("Retry-After") == "1")
        #expect(body.contains("<Code>SlowDown</Code>"))
        #expect(body.contains("<EC>0040-00000503</EC>"))
        #expect(processor.statistics.refused == 1)
        // The SDK retries it (after the Retry-After second), as it does OSS's own 503s. On a
        // loaded machine the running job may end while the SDK waits; then a retry succeeds,
        // which still shows a refusal followed by another attempt.
        do {
            _ = try await fixture.client().bucket("public-bucket").getObjectData("photo.jpg", process: "image/rotate,90")
            #expect(processor.statistics.refused >= 1 + 1, "the SDK's call succeeded without ever being refused")
        } catch {
            guard let server = error.serverError else { Issue.record("\(error)"); return }
            #expect(server.status == 503 && server.ec == "0040-00000503")
            #expect(processor.statistics.refused == 1 + 3)
        }
        running.close()
        waiting.close()
    }
}
