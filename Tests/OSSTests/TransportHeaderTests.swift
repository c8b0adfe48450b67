import Foundation
import OSSHTTP
import OSSURLSessionTransport
import Testing

#if canImport(OSSCurlTransport)
import OSSCurlTransport
#endif

/// What each transport makes of repeated and unordered response fields (the contract in
/// `TransportResponse.headers`): curl gives the wire as it came, URLSession one field a name in a
/// stable order.
@Suite("Transport response header order and repeats")
struct TransportHeaderTests {
    static let answer = ScriptedHTTPServer.Answer(status: 200, reason: "OK", headers: [
        ["x-oss-meta-zeta", "last-name-first"], ["X-Repeat", "one"], ["x-oss-meta-alpha", "a"], ["X-Repeat", "two"],
    ], body: "ok")

    static func fetch(with transport: any Transport) async throws -> [HTTPHeaderField] {
        let server = try ScriptedHTTPServer([answer])
        defer { server.stop() }
        let response = try await transport.send(TransportRequest(method: "GET", url: server.url + "/object"))
        #expect(response.status == 200)
        #expect(try await response.body.collect(upTo: 1 << 10) == Array("ok".utf8))
        return response.headers
    }

    #if canImport(OSSCurlTransport)
    @Test("curl keeps the wire's order and each repeated field")
    func curl() async throws {
        let fields = try await Self.fetch(with: CurlTransport.shared).filter { $0.name.lowercased() != "content-length" && $0.name.lowercased() != "connection" }
        #expect(fields.map(\.name) == ["x-oss-meta-zeta", "X-Repeat", "x-oss-meta-alpha", "X-Repeat"])
        #expect(fields.map(\.value) == ["last-name-first", "one", "a", "two"])
    }
    #endif

    @Test("URLSession folds repeats into one field, values in wire order, names sorted")
    func urlSession() async throws {
        let fields = try await Self.fetch(with: URLSessionTransport())
        let names = fields.map { $0.name.lowercased() }
        #expect(names == names.sorted(), "\(names)")
        #expect(names.filter { $0 == "x-repeat" }.count == 1)
        #expect(fields.value(forHeader: "X-Repeat") == "one, two")
        #expect(fields.value(forHeader: "x-oss-meta-zeta") == "last-name-first")
        #expect(fields.value(forHeader: "x-oss-meta-alpha") == "a")
    }
}
