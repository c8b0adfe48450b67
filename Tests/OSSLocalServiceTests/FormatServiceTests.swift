import Foundation
import OSS
import OSSImage
import OSSImageProcess
import OSSOffline
import Testing

/// gif, tiff, heic and avif through the local OSS over loopback (`oss serve`) and offline: none
/// answers 501, each comes back in its format with its content type.
@Suite("Every output format through the local OSS and offline")
struct FormatServiceTests {
    static let source = try! SyntheticPhoto.jpeg(width: 160, height: 120, seed: 6)

    @Test("oss serve: format,tiff|heic|avif|gif of a JPEG, and resize of a GIF", arguments: [ImageFormat.tiff, .heic, .avif, .gif])
    func served(_ format: ImageFormat) async throws {
        let fixture = try await LocalOSSFixture(processor: ImageObjectProcessor())
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putObject("example.jpg", data: Self.source)
        let (info, data) = try await bucket.getObjectData("example.jpg", process: "image/resize,w_80/format,\(format.rawValue)")
        // OSS: format,gif takes effect only for a GIF source; a JPEG stays JPEG.
        let expected = format == .gif ? ImageFormat.jpg : format
        #expect(info.contentType == expected.contentType)
        let size = try ImageCodecs.dimensions(data)
        #expect(size == (80, 60, expected))
        if format == .gif {
            let gif = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 40, height: 30), as: .gif)
            try await bucket.putObject("anim.gif", data: gif)
            let (gifInfo, resized) = try await bucket.getObjectData("anim.gif", process: "image/resize,w_20")
            let size = try ImageCodecs.dimensions(resized)
            #expect(gifInfo.contentType == "image/gif" && size == (20, 15, .gif))
        }
    }

    @Test("offline: heic out, info of it")
    func offline() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("offline-formats-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/examplebucket", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data(Self.source).write(to: URL(fileURLWithPath: root + "/examplebucket/example.jpg"))
        let bucket = try OSSClient.offline(root: root).bucket("examplebucket")
        let (info, heic) = try await bucket.getObjectData("example.jpg", process: "image/format,heic/quality,q_70")
        #expect(info.contentType == "image/heic" && ImageCodecs.detectFormat(heic) == .heic)
        let (_, json) = try await bucket.getObjectData("example.jpg", process: "image/info")
        #expect(String(decoding: json, as: UTF8.self).hasPrefix("{\n    \"FileSize\": {\"value\": \"\(Self.source.count)\"},\n    \"Format\": {\"value\": \"jpg\"},"))
    }
}
