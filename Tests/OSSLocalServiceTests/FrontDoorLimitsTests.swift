import Foundation
import OSS
import OSSLocalServer
import OSSLocalService
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The front door's timeouts, connection limit and graceful stop, with short settings so each
/// stage can be seen expiring. The assertions are on what the client observes (an answer, or the
/// connection closing), never on how fast the server is.
@Suite("Local OSS front door: timeouts, connection limit, graceful stop")
struct FrontDoorLimitsTests {
    /// Only the stage under test gets a short timeout: on a loaded machine a client may pause
    /// longer than planned anywhere else.
    static func settings(header: Duration = .seconds(10), idle: Duration = .seconds(60), body: Duration = .seconds(60)) -> LocalOSSServer.Configuration {
        LocalOSSServer.Configuration(headerTimeout: header, idleTimeout: idle, bodyTimeout: body)
    }

    @Test("a head trickled a byte at a time (slowloris) is cut off at the header deadline")
    func slowHead() async throws {
        let fixture = try await LocalOSSFixture(server: Self.settings(header: .milliseconds(300)))
        let port = fixture.server.port
        let sentBeforeClose = try await RawHTTPConnection.offPool { () -> Int in
            let connection = try RawHTTPConnection(port: port, receiveTimeout: .milliseconds(100))
            try connection.send("GET /examplebucket/a HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            // One header byte every 100 ms keeps any idle timer happy; 100 of them take 10 s.
            for sent in 0..<100 {
                guard (try? connection.send("X")) != nil else { return sent }
                if let chunk = try? connection.receive(), chunk.isEmpty { return sent }
            }
            return 100
        }
        #expect(sentBeforeClose < 100, "the server held a head that never ended")
    }

    @Test("a connection that sends nothing is closed at the header deadline")
    func silentConnection() async throws {
        let fixture = try await LocalOSSFixture(server: Self.settings(header: .milliseconds(300)))
        let port = fixture.server.port
        let closed = try await RawHTTPConnection.offPool {
            try RawHTTPConnection(port: port, receiveTimeout: .seconds(60)).waitForEOF()
        }
        #expect(closed)
    }

    @Test("a kept-alive connection serves requests, then closes once idle past the idle timeout")
    func idleKeepAlive() async throws {
        let fixture = try await LocalOSSFixture(publicRead: ["public-bucket"], server: Self.settings(idle: .seconds(1)))
        let port = fixture.server.port
        let (first, second, closed) = try await RawHTTPConnection.offPool {
            let connection = try RawHTTPConnection(port: port, receiveTimeout: .seconds(60))
            let get = "GET /public-bucket/missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            try connection.send(get)
            let first = try connection.receive(until: "</Error>\n")
            // Well within the idle timeout: the same connection answers again.
            usleep(100_000)
            try connection.send(get)
            let second = try connection.receive(until: "</Error>\n")
            return (first, second, connection.waitForEOF())
        }
        #expect(RawHTTPResponse(first)?.status == 404)
        #expect(RawHTTPResponse(second)?.status == 404)
        #expect(closed, "an idle kept-alive connection stayed open")
    }

    @Test("an upload that stalls mid-body is closed at the body timeout, and nothing is stored")
    func stalledBody() async throws {
        let fixture = try await LocalOSSFixture(server: Self.settings(body: .milliseconds(300)))
        let head = try fixture.rawSignedHead(key: "stalled.bin", contentLength: 1000)
        let port = fixture.server.port
        let closed = try await RawHTTPConnection.offPool {
            let connection = try RawHTTPConnection(port: port, receiveTimeout: .seconds(60))
            try connection.send(head + String(repeating: "a", count: 10))
            return connection.waitForEOF()
        }
        #expect(closed)
        // The service removes its temporary file once the failed read reaches it.
        var leftovers = ["?"]
        for _ in 0..<1000 where !leftovers.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            leftovers = (try? FileManager.default.contentsOfDirectory(atPath: fixture.root + "/.oss/tmp")) ?? []
        }
        #expect(leftovers.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/examplebucket/stalled.bin"))
    }

    @Test("an upload that keeps flowing is never cut by the body timeout")
    func slowButFlowingBody() async throws {
        let fixture = try await LocalOSSFixture(server: Self.settings(body: .seconds(2)))
        let head = try fixture.rawSignedHead(key: "flowing.bin", contentLength: 30)
        let port = fixture.server.port
        let reply = try await RawHTTPConnection.offPool {
            let connection = try RawHTTPConnection(port: port, receiveTimeout: .seconds(60))
            try connection.send(head)
            // 30 bytes over 3 s, longer than the 2 s body timeout; each gap is a twentieth of it,
            // so a loaded machine's scheduling delays do not turn a gap into a stall.
            for _ in 0..<30 {
                usleep(100_000)
                try connection.send("b")
            }
            return try connection.receive(until: "\r\n\r\n")
        }
        #expect(RawHTTPResponse(reply)?.status == 200)
        #expect(try await fixture.client().bucket("examplebucket").getObjectData("flowing.bin").data == Array(repeating: UInt8(ascii: "b"), count: 30))
    }

    @Test("bytes that are not HTTP get 400 and a close")
    func malformedRequest() async throws {
        let fixture = try await LocalOSSFixture()
        let port = fixture.server.port
        let reply = try await RawHTTPConnection.offPool {
            let connection = try RawHTTPConnection(port: port, receiveTimeout: .seconds(60))
            try connection.send("THIS IS NOT HTTP\r\n\r\n")
            return try connection.receiveToEOF()
        }
        #expect(RawHTTPResponse(reply)?.status == 400)
    }

    @Test("past the connection limit new connections wait unaccepted, and are served once one closes")
    func connectionLimit() async throws {
        var settings = LocalOSSServer.Configuration()
        settings.maximumConnections = 3
        let fixture = try await LocalOSSFixture(publicRead: ["public-bucket"], server: settings)
        let port = fixture.server.port
        let get = "GET /public-bucket/missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        let held = try await RawHTTPConnection.offPool { () -> [RawHTTPConnection] in
            try (0..<3).map { _ in
                let connection = try RawHTTPConnection(port: port, receiveTimeout: .seconds(60))
                try connection.send(get)
                _ = try connection.receive(until: "</Error>\n")
                return connection
            }
        }
        #expect(fixture.server.openConnections == 3)
        let (waited, served) = try await RawHTTPConnection.offPool { () -> (Bool, [UInt8]) in
            // The kernel completes the handshake (backlog); the server does not accept it yet.
            let extra = try RawHTTPConnection(port: port, receiveTimeout: .milliseconds(700))
            try extra.send(get)
            let waited = (try? extra.receive()) == nil
            held[0].close()
            extra.setReceiveTimeout(.seconds(60))
            let reply = (try? extra.receive(until: "</Error>\n")) ?? []
            return (waited, reply)
        }
        #expect(waited, "a connection past the limit was served")
        #expect(RawHTTPResponse(served)?.status == 404, "the waiting connection was not served after one closed")
        withExtendedLifetime(held) {}
    }

    @Test("close() ends idle connections at once, lets a request in flight finish within the grace period, then stops")
    func gracefulStop() async throws {
        var settings = LocalOSSServer.Configuration()
        settings.shutdownGracePeriod = .seconds(10)
        let fixture = try await LocalOSSFixture(publicRead: ["public-bucket"], server: settings)
        try await fixture.client().bucket("public-bucket").putObject("slow.txt", data: Array("slow".utf8))
        // Its response waits a second before its first byte: it is in flight when close() comes.
        fixture.service.faults.add(FaultRule(.stall, method: "GET", key: "slow.txt", milliseconds: 1000))
        let port = fixture.server.port
        let idle = try RawHTTPConnection(port: port)
        let busy = try RawHTTPConnection(port: port)
        let stalled = try RawHTTPConnection(port: port)
        try await RawHTTPConnection.offPool {
            try idle.send("GET /public-bucket/missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            _ = try idle.receive(until: "</Error>\n")
            // Each 100 Continue shows the server has that request in flight.
            try busy.send("GET /public-bucket/slow.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
            _ = try busy.receive(until: "\r\n\r\n")
            // This upload never completes: only the end of the grace period frees it.
            try stalled.send(try fixture.rawSignedHead(key: "never.bin", contentLength: 5, expectContinue: true))
            _ = try stalled.receive(until: "\r\n\r\n")
        }
        await fixture.server.close()
        let (idleClosed, reply, stalledClosed) = try await RawHTTPConnection.offPool {
            // Idle: closed at once, well before the grace is over.
            idle.setReceiveTimeout(.seconds(5))
            let idleClosed = idle.waitForEOF()
            // The request in flight completes, told that the connection closes.
            let reply = try busy.receiveToEOF()
            return (idleClosed, reply, stalled.waitForEOF())
        }
        #expect(idleClosed)
        let response = RawHTTPResponse(reply)
        #expect(response?.status == 200)
        #expect(response.map { String(decoding: $0.body, as: UTF8.self) } == "slow")
        #expect(response?.header("Connection") == "close")
        #expect(stalledClosed, "a request that never ends held the stop")
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/examplebucket/never.bin"))
        // run() has returned.
        try await fixture.oss.waitUntilStopped()
    }
}
