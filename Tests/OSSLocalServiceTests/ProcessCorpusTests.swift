import Foundation
import OSS
import OSSHTTP
import OSSLocking
import Testing

@testable import OSSLocalService

/// What the local OSS handed to its processor: `x-oss-process` exactly as the server decoded it
/// from the request line (GET) or the form body (ProcessObject).
final class RecordingProcessor: ObjectProcessor {
    private let seen = LockedValue<[String]>([])

    func process(_ process: String, source: [UInt8], sourceContentType: String, bucketObjects: BucketObjectLoader) async throws -> ProcessedObject {
        seen.withLock { $0.append(process) }
        return ProcessedObject(bytes: Array("processed".utf8), contentType: "text/plain")
    }

    /// Everything seen so far, and forgets it.
    func take() -> [String] { seen.withLock { values in defer { values = [] }; return values } }
}

/// The client sends every process OSS accepts byte for byte, and refuses before sending only what
/// OSS documents as an error: checked against a real server over loopback.
@Suite("Processes on the wire")
struct ProcessCorpusTests {
    func fixture() async throws -> (LocalOSSFixture, OSSBucket, RecordingProcessor) {
        let processor = RecordingProcessor()
        let fixture = try await LocalOSSFixture(processor: processor)
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("example.jpg", data: testBytes(64))
        // The styles the corpus names, so that `style/NAME` resolves as on OSS, where a style
        // must exist: the processor then receives the style's content.
        try fixture.service.store.updateBucketRecord("examplebucket") { record in
            for (name, content) in Self.styles {
                record.styles.append(ImageStyle(name: name, content: content, category: "image", createdMilliseconds: 0, modifiedMilliseconds: 0))
            }
        }
        return (fixture, bucket, processor)
    }

    static let styles = ["avatar": "image/circle,r_100", "thumb-200": "image/resize,w_200", "a.b_c-d": "image/format,png"]

    /// What the processor receives for a process sent: a style's content in place of
    /// `style/NAME`, anything after the name kept; nil for a style no bucket can hold (an empty
    /// or non-ASCII name), which the server refuses with 404 NoSuchStyle.
    static func received(_ text: String) -> String? {
        guard text.hasPrefix("style/") else { return text }
        let rest = text.dropFirst("style/".count)
        let name = rest.prefix { $0 != "/" && $0 != "|" }
        guard let content = styles[String(name)] else { return nil }
        return content + rest.dropFirst(name.count)
    }

    /// The `x-oss-process` value of a URL's query, percent-decoded.
    static func processInQuery(_ url: String) -> String? {
        guard let query = url.split(separator: "?", maxSplits: 1).last else { return nil }
        for item in query.split(separator: "&") where item.hasPrefix("x-oss-process=") {
            return OSSPercentEncoding.decode(item.dropFirst("x-oss-process=".count), plusIsSpace: false)
        }
        return nil
    }

    static func same(_ a: String?, _ b: String) -> Bool { a.map { Array($0.utf8) == Array(b.utf8) } ?? false }

    @Test("a presigned URL carries each corpus process unchanged, and the server receives it unchanged")
    func presigned() async throws {
        let (fixture, bucket, processor) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        #expect(ProcessCorpus.sent.count >= 150)
        for text in ProcessCorpus.sent {
            let presigned = try await bucket.presign("example.jpg", process: text, expiresIn: 300)
            #expect(Self.same(Self.processInQuery(presigned.url), text), "\(text) became \(Self.processInQuery(presigned.url) ?? "nothing")")
            let typed = try await bucket.presign("example.jpg", process: try ImageProcess(parsing: text), expiresIn: 300)
            #expect(Self.same(Self.processInQuery(typed.url), text), "typed \(text)")
            // Fetched as a browser would, with no header of ours.
            let response = try await OSSClient.defaultTransport.send(TransportRequest(method: "GET", url: presigned.url, headers: []))
            _ = try await response.body.collect(upTo: 1 << 16)
            let seen = processor.take()
            guard let received = Self.received(text) else {
                #expect(response.status == 404 && seen.isEmpty, "\(text)")
                continue
            }
            #expect(response.status == 200, "\(text)")
            #expect(seen.count == 1 && Self.same(seen.first, received), "\(text) reached the server as \(seen)")
        }
    }

    @Test("a header-signed GET sends each corpus process unchanged, as a string and as a parsed ImageProcess")
    func headerSigned() async throws {
        let (fixture, bucket, processor) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        for text in ProcessCorpus.sent {
            guard let received = Self.received(text) else {
                await #expect(throws: OSSError.self, "\(text)") { try await bucket.getObjectData("example.jpg", process: text) }
                #expect(processor.take().isEmpty, "\(text)")
                continue
            }
            let (_, data) = try await bucket.getObjectData("example.jpg", process: text)
            #expect(data == Array("processed".utf8), "\(text)")
            _ = try await bucket.getObjectData("example.jpg", process: try ImageProcess(parsing: text))
            let seen = processor.take()
            #expect(seen.count == 2 && seen.allSatisfy { Self.same($0, received) }, "\(text) reached the server as \(seen)")
        }
    }

    @Test("processObject sends each corpus process unchanged in its form body; the server resolves style/NAME")
    func processObject() async throws {
        let (fixture, bucket, processor) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        // processObject adds the |sys/saveas suffix itself, so processes that carry one are not its input.
        let corpus = ProcessCorpus.sent.filter { !$0.contains("|sys/") }
        #expect(corpus.count >= 150)
        for (index, text) in corpus.enumerated() {
            // `style/NAME` runs the bucket's style, as in a GET.
            guard let received = Self.received(text) else {
                await #expect(throws: OSSError.self, "\(text)") { try await bucket.processObject("example.jpg", process: text, saveAs: "out/\(index).txt") }
                #expect(processor.take().isEmpty, "\(text)")
                continue
            }
            let result = try await bucket.processObject("example.jpg", process: text, saveAs: "out/\(index).txt")
            #expect(result.status == "OK", "\(text)")
            let seen = processor.take()
            #expect(seen.count == 1 && Self.same(seen.first, received), "\(text) reached the server as \(seen)")
        }
    }

    @Test("asyncProcessObject sends each corpus process unchanged in its form body, with a notify topic after the saveas")
    func asyncProcessObject() async throws {
        let (fixture, bucket, processor) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        let corpus = ProcessCorpus.sent.filter { !$0.contains("|sys/") }
        for (index, text) in corpus.enumerated() {
            guard let received = Self.received(text) else {
                await #expect(throws: OSSError.self, "\(text)") {
                    try await bucket.asyncProcessObject("example.jpg", process: text, saveAs: "async/\(index).txt", notifyTopic: "topic")
                }
                #expect(processor.take().isEmpty, "\(text)")
                continue
            }
            let result = try await bucket.asyncProcessObject("example.jpg", process: text, saveAs: "async/\(index).txt", notifyTopic: "topic")
            #expect(!result.taskId.isEmpty, "\(text)")
            let seen = processor.take()
            #expect(seen.count == 1 && Self.same(seen.first, received), "\(text) reached the server as \(seen)")
        }
    }

    @Test("each documented error is refused before anything is sent, naming the action, the parameter and the EC")
    func refusedBeforeSending() async throws {
        let (fixture, bucket, processor) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        #expect(ProcessCorpus.refused.count >= 60)
        for (text, action, parameter, ec) in ProcessCorpus.refused {
            func check(_ operation: () async throws(OSSError) -> Void) async {
                do {
                    try await operation()
                    Issue.record("\(text) was sent")
                } catch {
                    guard let refusal = error.processError else { Issue.record("\(text): \(error)"); return }
                    #expect(refusal.action == action && refusal.parameter == parameter && refusal.ec == ec, "\(text): \(refusal)")
                    #expect("\(error)".contains(ec ?? action), "\(text): \(error)")
                }
            }
            await check { () async throws(OSSError) in _ = try await bucket.getObjectData("example.jpg", process: text) }
            await check { () async throws(OSSError) in _ = try await bucket.presign("example.jpg", process: text) }
            if !text.contains("|") {
                await check { () async throws(OSSError) in _ = try await bucket.processObject("example.jpg", process: text, saveAs: "refused.txt") }
            }
            #expect(processor.take().isEmpty, "\(text) reached the server")
        }
    }

    /// The examples of the issue: each used to fail before sending.
    @Test("the examples once refused before sending now reach the server as written", arguments: [
        "image/watermark,text_SGVsbG8", "image/sharpen,100", "image/blur,r_3,s_2", "image/bright,50", "image/contrast,-50",
        "image/average-hue", "image/resize,w_100/", "image/crop,w_100,h_100,x_100,y_100,r_1",
    ])
    func formerlyRefused(_ text: String) async throws {
        let (fixture, bucket, processor) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        let folder = try fixture.scratch()
        try await bucket.getObject("example.jpg", process: text, toFile: folder + "/out")
        #expect(processor.take() == [text])
    }

    @Test("a process longer than the parser reads is sent as written: OSS documents no limit")
    func overLong() async throws {
        let (fixture, bucket, processor) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        let text = "image/resize,w_100/" + Array(repeating: "slim,1", count: 3000).joined(separator: "/")
        #expect(text.utf8.count > ImageProcess.ParserLimits.maximumLength)
        _ = try await bucket.getObjectData("example.jpg", process: text)
        #expect(processor.take() == [text])
    }
}
