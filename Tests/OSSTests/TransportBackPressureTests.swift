import Foundation
import OSSHTTP
import OSSURLSessionTransport
import Testing

#if canImport(OSSCurlTransport)
import OSSCurlTransport
#endif

/// The shared response buffer inside the real transports: a consumer slower than loopback makes
/// the buffer cross its high watermark (the producer pauses) and drain to the low one (it
/// resumes) several times, and every byte still arrives once, in order.
@Suite("Transport back-pressure over loopback")
struct TransportBackPressureTests {
    /// Several high watermarks' worth, not a multiple of the chunk size.
    static let size = 3 * ResponseBodyLimits.standard.highWatermark + 4321

    static func readSlowly(with transport: any Transport) async throws {
        let server = try ScriptedHTTPServer([ScriptedHTTPServer.Answer(status: 200, reason: "OK", bodySize: size)])
        defer { server.stop() }
        let response = try await transport.send(TransportRequest(method: "GET", url: server.url + "/big"))
        #expect(response.status == 200)
        var position = 0
        var chunks = 0
        for try await chunk in response.body {
            // The script's body is bytes 0...255 repeated: any byte lost, doubled or reordered
            // (a refused delivery kept as well as redelivered, say) shows at its position.
            for (index, byte) in chunk.enumerated() where byte != UInt8(truncatingIfNeeded: position + index) {
                Issue.record("byte \(position + index) is \(byte)")
                return
            }
            position += chunk.count
            chunks += 1
            // Slow at first and then again half-way, so the buffer fills past the high mark and
            // drains past the low one more than once.
            if chunks % 16 < 4 { try await Task.sleep(for: .milliseconds(30)) }
            response.body.recycle(chunk)
        }
        #expect(position == size)
        // Pausing is not restarting: the one request is all the server saw.
        #expect(server.requests.count == 1, "\(server.requests)")
    }

    #if canImport(OSSCurlTransport)
    @Test("curl: a slow reader gets the whole body in order while the transfer pauses and resumes")
    func curl() async throws {
        try await Self.readSlowly(with: CurlTransport.shared)
    }
    #endif

    /// On Linux, swift-corelibs-foundation goes on delivering after `suspend()`, and a suspend
    /// that lands as the task completes is fatal there, so the transport suspends only on Apple
    /// platforms: on Linux this proves the bytes come whole and in order through the shared
    /// buffer, not that the task held back.
    @Test("URLSession: a slow reader gets the whole body in order (on Apple platforms the buffer suspends and resumes the task)")
    func urlSession() async throws {
        try await Self.readSlowly(with: URLSessionTransport())
    }
}
