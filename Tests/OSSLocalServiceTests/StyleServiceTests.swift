import Foundation
import OSSLocalService
import OSSLocking
import Testing

/// PutStyle, GetStyle, ListStyle, DeleteStyle and `x-oss-process=style/NAME`.
@Suite("Image styles")
struct StyleServiceTests {
    final class Recorder: ObjectProcessor {
        let seen = LockedValueBox()
        func process(_ process: String, source: [UInt8], sourceContentType: String, bucketObjects: BucketObjectLoader) async throws -> ProcessedObject {
            seen.append(process)
            return ProcessedObject(bytes: Array("done".utf8), contentType: "image/png")
        }
    }

    @Test("styles are stored in the bucket, listed, replaced and deleted; style/NAME runs the style's content")
    func styles() async throws {
        let recorder = Recorder()
        let service = try InProcessService(processor: recorder)
        let style = Array("<Style><Content>image/resize,p_50</Content></Style>".utf8)
        #expect(try await service.send("PUT", "examplebucket", query: "style&styleName=half", body: style).status == 200)
        #expect(try await service.send("PUT", "examplebucket", query: "style&styleName=small",
                                       body: Array("<Style><Content>image/resize,w_10</Content></Style>".utf8)).status == 200)
        let got = try await service.send("GET", "examplebucket", query: "style&styleName=half")
        #expect(InProcessService.elements("Content", in: got.text) == ["image/resize,p_50"])
        #expect(InProcessService.elements("Name", in: try await service.send("GET", "examplebucket", query: "style").text) == ["half", "small"])

        #expect(try await service.put("pic.jpg", testBytes(100)).status == 200)
        let processed = try await service.send("GET", "examplebucket", "pic.jpg", query: "x-oss-process=style/half")
        #expect(processed.status == 200 && processed.text == "done")
        #expect(recorder.seen.take() == ["image/resize,p_50"])
        _ = try await service.send("GET", "examplebucket", "pic.jpg", query: "x-oss-process=style/small/format,png")
        #expect(recorder.seen.take() == ["image/resize,w_10/format,png"])

        #expect(try await service.send("PUT", "examplebucket", query: "style&styleName=half",
                                       body: Array("<Style><Content>image/resize,p_25</Content></Style>".utf8)).status == 200)
        _ = try await service.send("GET", "examplebucket", "pic.jpg", query: "x-oss-process=style/half")
        #expect(recorder.seen.take() == ["image/resize,p_25"])

        #expect(try await service.send("DELETE", "examplebucket", query: "style&styleName=half").status == 204)
        let gone = try await service.send("GET", "examplebucket", "pic.jpg", query: "x-oss-process=style/half")
        #expect(gone.status == 404 && gone.text.contains("NoSuchStyle"), "\(gone.text)")
        #expect(recorder.seen.take().isEmpty)
        #expect(try await service.send("GET", "examplebucket", query: "style&styleName=half").status == 404)
    }

    @Test("bad style names and a style without content are refused")
    func refusals() async throws {
        let service = try InProcessService()
        for name in ["", "a%20b", String(repeating: "x", count: 65), "%E5%A4%B4"] {
            let reply = try await service.send("PUT", "examplebucket", query: "style&styleName=\(name)",
                                               body: Array("<Style><Content>image/resize,w_1</Content></Style>".utf8))
            #expect(reply.status == 400, "\(name): \(reply.text)")
        }
        let empty = try await service.send("PUT", "examplebucket", query: "style&styleName=ok", body: Array("<Style><Content></Content></Style>".utf8))
        #expect(empty.status == 400)
        #expect(InProcessService.elements("Name", in: try await service.send("GET", "examplebucket", query: "style").text).isEmpty)
    }
}

/// A list of strings behind a lock.
final class LockedValueBox: Sendable {
    private let values = OSSLocking.LockedValue<[String]>([])
    func append(_ value: String) { values.withLock { $0.append(value) } }
    func take() -> [String] { values.withLock { all in defer { all = [] }; return all } }
}
