import Foundation
import OSS
import OSSImage
import OSSLocalService
import OSSOffline
import Testing

/// AsyncProcessObject (`POST /key?x-oss-async-process`): the client's typed and raw calls, and the
/// local OSS, which runs the task through ProcessObject's path before it answers.
@Suite("AsyncProcessObject")
struct AsyncProcessServiceTests {
    static let source = try! SyntheticPhoto.jpeg(width: 800, height: 600, seed: 9)
    static let process = ImageProcess.crop(x: 100, y: 50, width: 400, height: 400).circle(radius: 150).format(.png)

    func fixture() async throws -> (LocalOSSFixture, OSSBucket) {
        let fixture = try await LocalOSSFixture(processor: ImageObjectProcessor())
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("example.jpg", data: Self.source)
        return (fixture, bucket)
    }

    @Test("the task's target is the processed image, byte for byte the sync save-as result, in another bucket too", arguments: [SignatureVersion.v4, .v1])
    func savesTheProcessedImage(version: SignatureVersion) async throws {
        let (fixture, _) = try await fixture()
        let bucket = fixture.client(signatureVersion: version).bucket("examplebucket")
        _ = try await bucket.processObject("example.jpg", process: Self.process, saveAs: "sync/round.png")
        let result = try await bucket.asyncProcessObject("example.jpg", process: Self.process, saveAs: "async/round.png",
                                                         targetBucket: "public-bucket", notifyTopic: "test-topic")
        #expect(!result.eventId.isEmpty && !result.taskId.isEmpty && !result.processRequestId.isEmpty)
        #expect(result.requestId?.isEmpty == false)
        #expect(result.processRequestId != result.requestId)

        let (info, saved) = try await fixture.client().bucket("public-bucket").getObjectData("async/round.png")
        #expect(info.contentType == "image/png")
        #expect(ImageCodecs.detectFormat(saved) == .png)
        let size = try ImageCodecs.dimensions(saved)
        #expect(size.width == 301 && size.height == 301)
        #expect(try ImageVerifier.verify(source: Self.source, process: Self.process, output: saved).matches)
        #expect(saved == (try await bucket.getObjectData("sync/round.png").data))
        // The source is unchanged, and nothing was saved in the source's bucket under the target's key.
        #expect(try await bucket.getObjectData("example.jpg").data == Self.source)
        await #expect(throws: OSSError.self) { try await bucket.getObjectData("async/round.png") }
    }

    @Test("a process string and a raw value the user built: sent as written, and the saved image has the asked size")
    func stringAndRaw() async throws {
        let (fixture, bucket) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        let result = try await bucket.asyncProcessObject("example.jpg", process: "image/resize,w_200", saveAs: "small.jpg")
        #expect(result.taskId.hasPrefix("ImageProcess-"))
        #expect(try ImageCodecs.dimensions(try await bucket.getObjectData("small.jpg").data).width == 200)

        // b_ before o_, as OSS's async examples write it, and a notify topic after the saveas stage.
        let raw = "image/resize,w_120|sys/saveas,b_\(Base64URL.encode(Array("examplebucket".utf8))),o_\(Base64URL.encode(Array("raw.jpg".utf8)))"
            + "/notify,topic_\(Base64URL.encode(Array("test-topic".utf8)))"
        _ = try await bucket.asyncProcessObject("example.jpg", rawProcess: raw)
        let saved = try await bucket.getObjectData("raw.jpg")
        #expect(saved.info.contentType == "image/jpeg")
        let size = try ImageCodecs.dimensions(saved.data)
        #expect(size.width == 120 && size.height == 90)
    }

    @Test("bad inputs are typed errors before anything goes on the wire")
    func refusedBeforeSending() async throws {
        let (fixture, _) = try await fixture()
        let counter = CountingTransport(OSSClient.defaultTransport)
        let bucket = fixture.client(transport: counter).bucket("examplebucket")
        func refusal(_ call: () async throws -> AsyncProcessObjectResult) async -> OSSError? {
            do {
                _ = try await call()
                return nil
            } catch {
                return error as? OSSError
            }
        }
        let badArguments: [(String, () async throws -> AsyncProcessObjectResult)] = [
            ("process", { try await bucket.asyncProcessObject("example.jpg", process: "", saveAs: "a.png") }),
            ("process", { try await bucket.asyncProcessObject("example.jpg", process: "image/resize,w_10|sys/saveas,o_YS5wbmc", saveAs: "a.png") }),
            ("process", { try await bucket.asyncProcessObject("example.jpg", process: "   ", saveAs: "a.png") }),
            ("object key", { try await bucket.asyncProcessObject("example.jpg", process: "image/resize,w_10", saveAs: "") }),
            ("object key", { try await bucket.asyncProcessObject("", process: "image/resize,w_10", saveAs: "a.png") }),
            ("bucket name", { try await bucket.asyncProcessObject("example.jpg", process: "image/resize,w_10", saveAs: "a.png", targetBucket: "Bad_Bucket") }),
            ("notifyTopic", { try await bucket.asyncProcessObject("example.jpg", process: "image/resize,w_10", saveAs: "a.png", notifyTopic: " ") }),
            ("process", { try await bucket.asyncProcessObject("example.jpg", rawProcess: "") }),
        ]
        for (parameter, call) in badArguments {
            let error = await refusal(call)
            #expect(error?.invalidArgument?.parameter == parameter, "\(parameter): \(String(describing: error))")
        }
        // OSS documents EC 0040-00000233 for a circle radius of 0: refused for every form of the call.
        let badProcesses: [() async throws -> AsyncProcessObjectResult] = [
            { try await bucket.asyncProcessObject("example.jpg", process: "image/circle,r_0", saveAs: "a.png") },
            { try await bucket.asyncProcessObject("example.jpg", process: .circle(radius: 0), saveAs: "a.png") },
            { try await bucket.asyncProcessObject("example.jpg", rawProcess: OSSBucket.saveAsProcess("image/circle,r_0", key: "a.png", bucket: "examplebucket")) },
        ]
        for call in badProcesses {
            let error = await refusal(call)
            #expect(error?.processError?.ec == "0040-00000233", "\(String(describing: error))")
        }
        #expect(counter.count == 0)
        #expect(try await fixture.client().bucket("examplebucket").listObjectsV2().objects.map(\.key) == ["example.jpg"])
    }

    @Test("video/ and doc/ processes are the server's 501 as an OSSError with code and request id, and nothing is saved",
          arguments: ["video/convert,f_mp4,vcodec_h264,s_640x360", "doc/convert,target_png,source_docx", "audio/convert,f_mp3"])
    func unsupported(process: String) async throws {
        let (fixture, bucket) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        do {
            _ = try await bucket.asyncProcessObject("example.jpg", process: process, saveAs: "out.mp4")
            Issue.record("expected an error")
        } catch {
            let server = try #require(error.serverError, "\(error)")
            #expect(server.status == 501)
            #expect(server.code.rawValue == "NotImplemented")
            #expect(server.requestId?.isEmpty == false)
        }
        #expect(try await bucket.listObjectsV2().objects.map(\.key) == ["example.jpg"])
    }

    @Test("a wrong secret is SignatureDoesNotMatch, and nothing is saved", arguments: [SignatureVersion.v4, .v1])
    func wrongSecret(version: SignatureVersion) async throws {
        let (fixture, bucket) = try await fixture()
        let wrong = fixture.client(signatureVersion: version,
                                   credentials: StaticCredentialsProvider(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: "wrong"))
        do {
            _ = try await wrong.bucket("examplebucket").asyncProcessObject("example.jpg", process: Self.process, saveAs: "stolen.png")
            Issue.record("expected an error")
        } catch {
            let server = try #require(error.serverError, "\(error)")
            #expect(server.code == .signatureDoesNotMatch)
            #expect(server.status == 403)
            #expect(server.serverStringToSign == server.clientStringToSign)
        }
        #expect(try await bucket.listObjectsV2().objects.map(\.key) == ["example.jpg"])
    }

    @Test("the service: OSS's JSON answer, its refusals (no field, no saveas, a bad topic, no source, no target bucket), and styles")
    func service() async throws {
        let recorder = StyleServiceTests.Recorder()
        let service = try InProcessService(processor: recorder)
        #expect(try await service.put("pic.jpg", testBytes(100)).status == 200)
        func post(_ value: String, field: String = "x-oss-async-process") async throws -> InProcessService.Reply {
            try await service.send("POST", "examplebucket", "pic.jpg", query: "x-oss-async-process",
                                   headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                   body: Array("\(field)=\(OSSPercentEncoding.encodeQueryComponent(value))".utf8))
        }
        let target = "|sys/saveas,o_\(Base64URL.encode(Array("out.png".utf8)))"
        let ok = try await post("image/resize,w_10" + target + "/notify,topic_\(Base64URL.encode(Array("t".utf8)))")
        #expect(ok.status == 200, "\(ok.text)")
        #expect(ok.header("Content-Type") == "application/json")
        let json = try JSONSerialization.jsonObject(with: Data(ok.body))
        let answer = try #require(json as? [String: String], "\(ok.text)")
        #expect(Set(answer.keys) == ["EventId", "RequestId", "TaskId"])
        #expect(answer["EventId"]?.hasSuffix(ok.header("x-oss-request-id") ?? "-") == true)
        #expect(try await service.get("out.png").text == "done")
        #expect(recorder.seen.take() == ["image/resize,w_10"])

        let refusals: [(reply: InProcessService.Reply, status: Int, code: String)] = [
            (try await post("image/resize,w_10" + target, field: "x-oss-process"), 400, "InvalidRequest"),
            (try await post("image/resize,w_10"), 400, "InvalidArgument"),
            (try await post("image/resize,w_10" + target + "/notify,topic_"), 400, "InvalidArgument"),
            (try await post("image/resize,w_10" + target + "/notify,queue_dA"), 400, "InvalidArgument"),
            (try await post("image/resize,w_10|sys/saveas,o_\(Base64URL.encode(Array("x.png".utf8))),b_\(Base64URL.encode(Array("nosuchbucket".utf8)))"),
             404, "NoSuchBucket"),
            (try await service.send("POST", "examplebucket", "missing.jpg", query: "x-oss-async-process",
                                    body: Array("x-oss-async-process=\(OSSPercentEncoding.encodeQueryComponent("image/resize,w_10" + target))".utf8)),
             404, "NoSuchKey"),
        ]
        for (reply, status, code) in refusals {
            #expect(reply.status == status && reply.text.contains("<Code>\(code)</Code>"), "\(reply.status) \(reply.text)")
            #expect(reply.text.contains("<RequestId>"))
        }
        #expect(recorder.seen.take().isEmpty)
        #expect(try await service.listKeys() == ["out.png", "pic.jpg"])

        // style/NAME runs the bucket's style, in AsyncProcessObject and in ProcessObject.
        #expect(try await service.send("PUT", "examplebucket", query: "style&styleName=half",
                                       body: Array("<Style><Content>image/resize,p_50</Content></Style>".utf8)).status == 200)
        #expect(try await post("style/half" + target).status == 200)
        let sync = try await service.send("POST", "examplebucket", "pic.jpg", query: "x-oss-process",
                                          body: Array("x-oss-process=\(OSSPercentEncoding.encodeQueryComponent("style/half/format,png" + target))".utf8))
        #expect(sync.status == 200, "\(sync.text)")
        #expect(recorder.seen.take() == ["image/resize,p_50", "image/resize,p_50/format,png"])
    }
}
