import Foundation
import OSS
import OSSHTTP
import OSSLocalService
import OSSLocking
import OSSOffline
import Testing

/// x-oss-traffic-limit, Accept-Encoding: gzip and upload callbacks.
@Suite("Traffic limit, gzip and upload callbacks")
struct TransferServiceTests {
    @Test("x-oss-traffic-limit paces a GET and a PUT to the rate (never faster); a limit out of OSS's range is refused")
    func trafficLimit() async throws {
        let service = try InProcessService()
        let data = testBytes(256 << 10)
        #expect(try await service.put("paced.bin", data).status == 200)
        let rate = 1 << 20  // bits per second: 256 KiB takes 2 s
        let clock = ContinuousClock()
        let start = clock.now
        let reply = try await service.send("GET", "examplebucket", "paced.bin", headers: [("x-oss-traffic-limit", String(rate))])
        let elapsed = clock.now - start
        #expect(reply.body == data)
        // A lower bound only: the rate is a ceiling, and a slow machine may take longer.
        #expect(elapsed >= .milliseconds(1700), "\(elapsed)")
        let putStart = clock.now
        #expect(try await service.send("PUT", "examplebucket", "paced2.bin", query: "x-oss-traffic-limit=\(rate)", body: data).status == 200)
        #expect(clock.now - putStart >= .milliseconds(1700))
        #expect(try await service.get("paced2.bin").body == data)
        for bad in ["1000", "838860801", "fast"] {
            let refused = try await service.send("GET", "examplebucket", "paced.bin", headers: [("x-oss-traffic-limit", bad)])
            #expect(refused.status == 400 && refused.text.contains("InvalidArgument"), "\(bad)")
            #expect(try await service.send("PUT", "examplebucket", "refused.bin", headers: [("x-oss-traffic-limit", bad)], body: [1]).status == 400)
        }
        #expect(try await service.get("refused.bin").status == 404)
    }

    static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](out)
    }

    @Test("Accept-Encoding: gzip compresses text of 1 KB or more (no ETag, no Content-Length), and nothing else")
    func gzip() async throws {
        let service = try InProcessService()
        let text = Array(String(repeating: "the same line of text\n", count: 2000).utf8)
        #expect(try await service.put("page.txt", text, headers: [("Content-Type", "text/plain")]).status == 200)
        #expect(try await service.put("small.txt", Array("tiny".utf8), headers: [("Content-Type", "text/plain")]).status == 200)
        #expect(try await service.put("blob.bin", testBytes(5000)).status == 200)
        let compressed = try await service.send("GET", "examplebucket", "page.txt", headers: [("Accept-Encoding", "gzip, deflate")])
        #expect(compressed.header("Content-Encoding") == "gzip")
        #expect(compressed.header("ETag") == nil && compressed.contentLength == nil)
        #expect(compressed.body.count < text.count / 10)
        #expect(try Self.gunzip(compressed.body) == text)
        for key in ["small.txt", "blob.bin"] {
            let plain = try await service.send("GET", "examplebucket", key, headers: [("Accept-Encoding", "gzip")])
            #expect(plain.header("Content-Encoding") == nil && plain.header("ETag") != nil, "\(key)")
        }
        let ranged = try await service.send("GET", "examplebucket", "page.txt", headers: [("Accept-Encoding", "gzip"), ("Range", "bytes=0-9")])
        #expect(ranged.status == 206 && ranged.body == Array(text[0..<10]))
    }

    /// Plays the application server an upload callback reaches: records the request, answers JSON.
    final class CallbackServer: CallbackSender {
        struct Received: Sendable {
            var url: String
            var headers: [(name: String, value: String)]
            var body: [UInt8]
        }
        let received = LockedValue<[Received]>([])
        let answer: (status: Int, body: String)
        init(status: Int = 200, body: String = "{\"ok\": true}") { answer = (status, body) }
        func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) async throws -> (status: Int, body: [UInt8]) {
            received.withLock { $0.append(Received(url: url, headers: headers, body: body)) }
            return (answer.status, Array(answer.body.utf8))
        }
    }

    static func callbackHeader(_ url: String, body: String, type: String = "application/x-www-form-urlencoded") -> String {
        let json = "{\"callbackUrl\":\"\(url)\",\"callbackBody\":\"\(body)\",\"callbackBodyType\":\"\(type)\"}"
        return Data(json.utf8).base64EncodedString()
    }

    @Test("an upload callback POSTs the rendered body and returns the server's JSON; a failed one is 203 CallbackFailed and the object stays")
    func callback() async throws {
        let server = CallbackServer()
        let service = try InProcessService(configure: { $0.callbackSender = server })
        let header = Self.callbackHeader("http://127.0.0.1:8080/cb", body: "bucket=${bucket}&object=${object}&size=${size}&who=${x:who}")
        let vars = Data("{\"x:who\":\"me & you\"}".utf8).base64EncodedString()
        let reply = try await service.put("cb.txt", Array("hello".utf8), headers: [("x-oss-callback", header), ("x-oss-callback-var", vars)])
        #expect(reply.status == 200 && reply.text == "{\"ok\": true}", "\(reply.text)")
        let sent = try #require(server.received.withLock { $0.first })
        #expect(sent.url == "http://127.0.0.1:8080/cb")
        #expect(String(decoding: sent.body, as: UTF8.self) == "bucket=examplebucket&object=cb.txt&size=5&who=me%20%26%20you")

        let refusing = CallbackServer(status: 500, body: "no")
        let failing = try InProcessService(configure: { $0.callbackSender = refusing })
        let failed = try await failing.put("cb.txt", Array("kept".utf8), headers: [("x-oss-callback", header)])
        #expect(failed.status == 203 && failed.text.contains("<Code>CallbackFailed</Code>"), "\(failed.text)")
        #expect(try await failing.get("cb.txt").text == "kept")

        // A real client to a port nobody listens on, and a host that is not loopback: both 203.
        let unreachable = try InProcessService(configure: { $0.callbackSender = TransportCallbackSender(transport: OSSClient.defaultTransport) })
        let dead = try await unreachable.put("a.txt", [1], headers: [("x-oss-callback", Self.callbackHeader("http://127.0.0.1:9/cb", body: "x"))])
        #expect(dead.status == 203, "\(dead.text)")
        let remote = try await unreachable.put("b.txt", [1], headers: [("x-oss-callback", Self.callbackHeader("http://203.0.113.1/cb", body: "x"))])
        #expect(remote.status == 203 && remote.text.contains("loopback"), "\(remote.text)")
        let malformed = try await unreachable.put("c.txt", [1], headers: [("x-oss-callback", "not base64 json")])
        #expect(malformed.status == 400)
        #expect(try await unreachable.get("c.txt").status == 404)
    }
}
