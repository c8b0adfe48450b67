import Foundation
import OSS
import OSSImage
import OSSImageProcess
import OSSLocalService
import OSSOffline
import Testing

/// Image watermarks read another object of the bucket: `oss serve` loads it for the engine.
@Suite("Watermarks through the local OSS")
struct WatermarkServiceTests {
    static let photo = try! ImageCodecs.encode(try! Bitmap(width: 300, height: 200, channels: 3, fill: [255, 255, 255]), as: .png)
    static let logo = try! ImageCodecs.encode(try! Bitmap(width: 40, height: 30, channels: 3, fill: [255, 0, 0]), as: .png)

    func fixture() async throws -> (LocalOSSFixture, OSSBucket) {
        let fixture = try await LocalOSSFixture(processor: ImageObjectProcessor())
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("photo.png", data: Self.photo)
        try await bucket.putObject("brand/logo.png", data: Self.logo)
        return (fixture, bucket)
    }

    func redBox(_ bytes: [UInt8]) throws -> (Int, Int, Int, Int)? {
        let image = try ImageCodecs.decode(bytes).0
        var box: (Int, Int, Int, Int)?
        for y in 0..<image.height { for x in 0..<image.width {
            let i = (y * image.width + x) * image.channels
            guard image.pixels[i] > 200, image.pixels[i + 1] < 60 else { continue }
            box = box.map { (min($0.0, x), min($0.1, y), max($0.2, x), max($0.3, y)) } ?? (x, y, x, y)
        } }
        return box
    }

    @Test("over loopback, an image watermark names another object of the bucket, with its own process")
    func imageWatermark() async throws {
        let (fixture, bucket) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        let placed = ImageProcess.watermark(Watermark(image: ImageWatermark(key: "brand/logo.png"), gravity: .northWest, x: 5, y: 7)).format(.png)
        let (info, data) = try await bucket.getObjectData("photo.png", process: placed)
        #expect(info.contentType == "image/png")
        #expect(try redBox(data)! == (5, 7, 44, 36))
        // P_20 of 300x200: the 40x30 logo fits 60x40 at 53x40 (rounded), in the south-east corner.
        let scaled = ImageProcess.watermark(Watermark(image: ImageWatermark(key: "brand/logo.png", process: .resize(Resize(percentOfBase: 20))))).format(.png)
        let (_, scaledData) = try await bucket.getObjectData("photo.png", process: scaled)
        let box = try #require(try redBox(scaledData))
        #expect(box.2 == 289 && box.3 == 189 && box.3 - box.1 + 1 == 40, "\(box)")
        // ProcessObject reads watermark images from the source's bucket too.
        let saved = try await bucket.processObject("photo.png", process: placed, saveAs: "marked.png")
        #expect(saved.status == "OK")
        #expect(try redBox(try await bucket.getObjectData("marked.png").1)! == (5, 7, 44, 36))
    }

    @Test("a watermark image that is not in the bucket answers 404 NoSuchKey naming it")
    func missingWatermarkImage() async throws {
        let (fixture, bucket) = try await fixture()
        defer { withExtendedLifetime(fixture) {} }
        do {
            _ = try await bucket.getObjectData("photo.png", process: .watermark(Watermark(image: ImageWatermark(key: "brand/none.png"))))
            Issue.record("expected 404")
        } catch {
            #expect(error.code == .noSuchKey, "\(error)")
            #expect("\(error)".contains("brand/none.png"), "\(error)")
        }
    }

    @Test("offline mode applies a text watermark and an image watermark of the same bucket")
    func offline() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("oss-offline-wm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/examplebucket", withIntermediateDirectories: true)
        let bucket = try OSSClient.offline(root: root).bucket("examplebucket")
        try await bucket.putObject("photo.png", data: Self.photo)
        try await bucket.putObject("brand/logo.png", data: Self.logo)
        let process = ImageProcess.watermark(Watermark(text: TextWatermark("Hi"), image: ImageWatermark(key: "brand/logo.png"), gravity: .northWest, x: 0, y: 0))
            .format(.png)
        let (_, data) = try await bucket.getObjectData("photo.png", process: process)
        #expect(try redBox(data)! == (0, 0, 39, 29), "the image first (order_0), at the corner")
    }
}
