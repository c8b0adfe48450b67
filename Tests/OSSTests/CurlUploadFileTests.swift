#if canImport(OSSCurlTransport)
import Foundation
import OSSHTTP
@testable import OSSCurlTransport
import Testing

/// Where curl's transport opens a `.file` upload body.
@Suite("curl upload files")
struct CurlUploadFileTests {
    @Test("a missing upload file is not opened on the caller's task, and fails the request as invalid before anything is sent")
    func missingFile() async throws {
        let server = try ScriptedHTTPServer([ScriptedHTTPServer.Answer(status: 200, reason: "OK", body: "ok")])
        defer { server.stop() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID().uuidString)").path
        let request = TransportRequest(method: "PUT", url: server.url + "/object",
                                       headers: [HTTPHeaderField("Content-Length", "10")],
                                       body: .file(path: path, offset: 0, length: 10))
        // Building the transfer is what runs on the caller's task: it must not touch the file
        // system (the open is the driver thread's, when the transfer is added).
        _ = try CurlTransfer(request, driver: CurlTransport.shared.driver)
        do {
            _ = try await CurlTransport.shared.send(request)
            Issue.record("a request with a missing upload file was sent")
        } catch {
            #expect(error.kind == .invalidRequest)
            #expect(error.message.contains("cannot open the upload file"))
        }
        #expect(server.requests.isEmpty, "nothing reached the server")
    }
}
#endif
