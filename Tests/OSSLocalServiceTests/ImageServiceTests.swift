import Foundation
import OSS
import OSSHTTP
import OSSImage
import OSSLocalService
import OSSOffline
import Testing

/// The image kernels behind the local OSS (over loopback), the offline mode, and verification.
@Suite("Image processing through the local OSS")
struct ImageServiceTests {
    static let source = try! SyntheticPhoto.jpeg(width: 800, height: 600, seed: 5)

    func fixture() async throws -> (LocalOSSFixture, OSSBucket) {
        let fixture = try await LocalOSSFixture(processor: ImageObjectProcessor())
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("example.jpg", data: Self.source)
        return (fixture, bucket)
    }

    @Test("getObject(_:process:toFile:) returns the circle, and it verifies, for every format", arguments: [ImageFormat.jpg, .png, .webp, .bmp])
    func circleToFile(format: ImageFormat) async throws {
        let (fixture, bucket) = try await fixture()
        let folder = try fixture.scratch()
        let process = ImageProcess.circle(radius: 100).format(format)
        let info = try await bucket.getObject("example.jpg", process: process, toFile: folder + "/avatar")
        #expect(info.contentType == format.contentType)
        let output = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/avatar")))
        #expect(ImageCodecs.detectFormat(output) == format)
        let report = try ImageVerifier.verify(source: Self.source, process: process, output: output)
        #expect(report.matches, "\(report)")
        #expect(report.actualSize == (201, 201))
    }

    @Test("a bad process is refused by the client before sending, and by the server as OSS does")
    func badProcess() async throws {
        let (fixture, bucket) = try await fixture()
        do {
            _ = try await bucket.getObjectData("example.jpg", process: "image/circle,r_0")
            Issue.record("expected an error")
        } catch {
            guard let process = error.processError else { Issue.record("\(error)"); return }
            #expect(process.action == "circle" && process.parameter == "r" && process.ec == "0040-00000233")
        }
        // Sent raw, past the client's check: the local OSS answers 400 InvalidArgument with the EC.
        let request = SignableRequest(method: "GET", bucket: "examplebucket", key: "example.jpg", query: [QueryItem("x-oss-process", "image/circle,r_0")])
        let prepared = try fixture.client().configuration.prepare(request, credentials: Credentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: LocalOSSFixture.accessKeySecret))
        let response = try await OSSClient.defaultTransport.send(TransportRequest(method: "GET", url: prepared.url, headers: prepared.headers))
        let body = String(decoding: try await response.body.collect(upTo: 1 << 16), as: UTF8.self)
        #expect(response.status == 400)
        #expect(body.contains("<Code>InvalidArgument</Code>"))
        #expect(body.contains("<EC>0040-00000233</EC>"))
    }

    @Test("a presigned URL carries the process and is served with no header")
    func presignedProcess() async throws {
        let (fixture, bucket) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        let presigned = try await bucket.presign("example.jpg", process: .circle(radius: 100).format(.png), expiresIn: 300)
        #expect(presigned.url.contains("x-oss-process=image%2Fcircle%2Cr_100%2Fformat%2Cpng"))
        let (data, response) = try await plainGET(presigned.url)
        #expect(response.statusCode == 200)
        #expect(ImageCodecs.detectFormat([UInt8](data)) == .png)
    }

    @Test("processObject saves crop-then-circle as a new object, with OSS's JSON answer")
    func saveAs() async throws {
        let (fixture, bucket) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        let result = try await bucket.processObject("example.jpg", process: .crop(x: 100, y: 50, width: 400, height: 400).circle(radius: 150).format(.png),
                                                    saveAs: "avatars/round.png")
        #expect(result.status == "OK")
        #expect(result.object == "avatars/round.png")
        let (info, data) = try await bucket.getObjectData("avatars/round.png")
        #expect(info.contentType == "image/png")
        #expect(Int64(data.count) == result.fileSize)
        #expect(try ImageCodecs.dimensions(data).width == 301)
    }

    @Test("offline mode: getObject(_:process:toFile:) with no network and no credentials")
    func offline() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("offline-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/examplebucket", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A file dropped into the folder by hand is an object.
        try Data(Self.source).write(to: URL(fileURLWithPath: root + "/examplebucket/example.jpg"))
        let client = try OSSClient.offline(root: root)
        let destination = root + "/avatar.png"
        try await client.bucket("examplebucket").getObject("example.jpg", process: "image/circle,r_100/format,png", toFile: destination)
        let output = [UInt8](try Data(contentsOf: URL(fileURLWithPath: destination)))
        #expect(try ImageVerifier.verify(source: Self.source, process: ImageProcess(parsing: "image/circle,r_100/format,png"), output: output).matches)
        // The plain object, CRC-checked like any download.
        let (_, original) = try await client.bucket("examplebucket").getObjectData("example.jpg")
        #expect(original == Self.source)
    }

    @Test("verification rejects a wrong radius, a shifted centre, a wrong background and a swapped format")
    func verifierRejects() throws {
        let process = ImageProcess.circle(radius: 100).format(.png)
        let good = try ImageProcessor.process(process, source: Self.source).bytes
        #expect(try ImageVerifier.verify(source: Self.source, process: process, output: good).matches)

        let wrongRadius = try ImageProcessor.process(.circle(radius: 90).format(.png), source: Self.source).bytes
        #expect(!(try ImageVerifier.verify(source: Self.source, process: process, output: wrongRadius).matches))

        // Same size, centre moved 40 px: cut from a shifted crop of the source.
        let shifted = try ImageProcessor.process(ImageProcess.crop(x: 40, y: 0, width: 760, height: 600).circle(radius: 100).format(.png), source: Self.source).bytes
        let shiftedReport = try ImageVerifier.verify(source: Self.source, process: process, output: shifted)
        #expect(!shiftedReport.matches)
        // Rejected by its pixels: the PSNR is under the floor for copied pixels (35 dB lossless).
        #expect(shiftedReport.checks.contains { $0.name == "pixels" && !$0.passed }, "\(shiftedReport.failures)")
        #expect(shiftedReport.psnr < 35)

        // Right shape, black corners instead of transparent ones.
        var (bitmap, _) = try ImageCodecs.decode(good, channels: 4)
        for i in stride(from: 0, to: bitmap.pixels.count, by: 4) where bitmap.pixels[i + 3] == 0 {
            bitmap.pixels[i + 3] = 255
        }
        let blackCorners = try ImageCodecs.encode(bitmap, as: .png)
        let backgroundReport = try ImageVerifier.verify(source: Self.source, process: process, output: blackCorners)
        #expect(!backgroundReport.matches)
        #expect(backgroundReport.backgroundMatch < 0.5)

        // JPEG where PNG was asked for (the white-cornered variant).
        let swapped = try ImageProcessor.process(.circle(radius: 100), source: Self.source).bytes
        #expect(!(try ImageVerifier.verify(source: Self.source, process: process, output: swapped).matches))

        // And for a JPEG process, a transparent-cornered PNG is wrong too.
        #expect(!(try ImageVerifier.verify(source: Self.source, process: .circle(radius: 100), output: good).matches))
    }
}
