import Foundation
import OSS
import OSSHTTP
import OSSLocalService
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Wire-level behaviour of the local OSS that the client never exercises on its own.
@Suite("Local OSS wire behaviour")
struct ServerBehaviourTests {
    let credentials = Credentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret)

    func send(_ fixture: LocalOSSFixture, _ request: SignableRequest, host: String? = nil, body: HTTPRequestBody = .none) async throws -> (Int, String, TransportResponse) {
        let prepared = try fixture.client().configuration.prepare(request, credentials: credentials)
        var headers = prepared.headers
        if let host { headers.append(HTTPHeaderField("Host", host)) }
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: request.method, url: prepared.url, headers: headers, body: body))
        let text = String(decoding: try await response.body.collect(upTo: 1 << 20), as: UTF8.self)
        return (response.status, text, response)
    }

    @Test("virtual-hosted requests: Host BUCKET.localhost:PORT")
    func virtualHosted() async throws {
        let fixture = try await LocalOSSFixture()
        try await fixture.client().bucket("examplebucket").putObject("v/h.txt", data: Array("virtual".utf8))
        let port = fixture.server.port
        // Signed for /examplebucket/v/h.txt, sent to /v/h.txt with the bucket in the Host header.
        var request = SignableRequest(method: "GET", bucket: "examplebucket", key: "v/h.txt")
        let prepared = try fixture.client().configuration.prepare(request, credentials: credentials)
        var headers = prepared.headers
        headers.append(HTTPHeaderField("Host", "examplebucket.localhost:\(port)"))
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: "GET", url: "http://127.0.0.1:\(port)/v/h.txt", headers: headers))
        #expect(response.status == 200)
        #expect(String(decoding: try await response.body.collect(upTo: 1024), as: UTF8.self) == "virtual")
        request.key = "missing"
        #expect(try await send(fixture, request).0 == 404)
    }

    @Test("Content-MD5 is checked: malformed is InvalidDigest, wrong is BadDigest, and nothing is stored")
    func contentMD5() async throws {
        let fixture = try await LocalOSSFixture()
        let body: [UInt8] = Array("payload".utf8)
        let malformed = SignableRequest(method: "PUT", bucket: "examplebucket", key: "md5.txt", headers: [HTTPHeaderField("Content-MD5", "not-base64!")])
        let (status1, text1, _) = try await send(fixture, malformed, body: .bytes(body))
        #expect(status1 == 400 && text1.contains("<Code>InvalidDigest</Code>"))
        let wrong = SignableRequest(method: "PUT", bucket: "examplebucket", key: "md5.txt", headers: [HTTPHeaderField("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==")])
        let (status2, text2, _) = try await send(fixture, wrong, body: .bytes(body))
        #expect(status2 == 400 && text2.contains("<Code>BadDigest</Code>"))
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/examplebucket/md5.txt"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: fixture.root + "/.oss/tmp")) ?? []).isEmpty)
    }

    @Test("every response carries x-oss-request-id; errors are OSS XML with Code, Message, RequestId, HostId, EC")
    func errorShape() async throws {
        let fixture = try await LocalOSSFixture()
        let (status, text, response) = try await send(fixture, SignableRequest(method: "GET", bucket: "examplebucket", key: "nope.txt"))
        #expect(status == 404)
        #expect(response.header("x-oss-request-id")?.count == 24)
        for element in ["<Code>NoSuchKey</Code>", "<Message>", "<RequestId>", "<HostId>", "<EC>0026-00000001</EC>", "<Key>nope.txt</Key>"] {
            #expect(text.contains(element), "\(element)")
        }
        let (okStatus, _, okResponse) = try await send(fixture, SignableRequest(method: "GET", bucket: "examplebucket", query: [QueryItem("list-type", "2")]))
        #expect(okStatus == 200)
        #expect(okResponse.header("x-oss-request-id") != nil)
    }

    @Test("a client that disconnects mid-upload leaves the old object intact and no temporary file")
    func disconnectMidUpload() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("keep.bin", data: Array("old content".utf8))
        // A signed PUT announcing 100000 bytes, of which 1000 are sent before the socket closes.
        let request = SignableRequest(method: "PUT", bucket: "examplebucket", key: "keep.bin",
                                      headers: [HTTPHeaderField("Content-Type", "application/octet-stream")])
        let prepared = try fixture.client().configuration.prepare(request, credentials: credentials)
        var head = "PUT /examplebucket/keep.bin HTTP/1.1\r\nHost: 127.0.0.1:\(fixture.server.port)\r\nContent-Length: 100000\r\n"
        for field in prepared.headers { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(fixture.server.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(connected == 0)
        let bytes = Array(head.utf8) + [UInt8](repeating: 0x41, count: 1000)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try await Task.sleep(for: .milliseconds(200))
        close(fd)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await bucket.getObjectData("keep.bin").data == Array("old content".utf8))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: fixture.root + "/.oss/tmp")) ?? []).isEmpty)
    }

    @Test("a request more than 15 minutes off gets RequestTimeTooSkewed with ServerTime")
    func skewed() async throws {
        let fixture = try await LocalOSSFixture()
        let prepared = try fixture.client().configuration.prepare(SignableRequest(method: "GET", bucket: "examplebucket", key: "a"),
                                                                  credentials: credentials, at: SigningTime.now().adding(seconds: -16 * 60))
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: "GET", url: prepared.url, headers: prepared.headers))
        let text = String(decoding: try await response.body.collect(upTo: 1 << 16), as: UTF8.self)
        #expect(response.status == 403)
        #expect(text.contains("<Code>RequestTimeTooSkewed</Code>"))
        #expect(text.contains("<ServerTime>"))
    }
}
