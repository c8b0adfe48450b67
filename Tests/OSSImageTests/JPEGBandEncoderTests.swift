import OSSImageProcess
import Testing

@testable import OSSImage

/// A tall JPEG is encoded in bands on all cores and joined with restart markers: it must decode to
/// exactly the pixels of the one-pass encode, whatever the height (a multiple of the 16-row MCU or
/// not) and however many bands a wide image needs (a restart interval counts at most 65,535 MCUs).
@Suite("JPEG encoded in bands")
struct JPEGBandEncoderTests {
    static func oneAndBanded(_ bitmap: Bitmap, quality: Int = 90) throws -> (onePass: [UInt8], banded: [UInt8]) {
        var single = ImageCodecs.EncodeOptions(quality: quality)
        single.restartBands = false
        return (try ImageCodecs.encode(bitmap, as: .jpg, options: single), try ImageCodecs.encode(bitmap, as: .jpg, options: ImageCodecs.EncodeOptions(quality: quality)))
    }

    /// Where the restart markers (FFD0...FFD7) and the DRI segment (FFDD) are.
    static func markers(_ jpeg: [UInt8]) -> (restarts: Int, intervals: Int) {
        var restarts = 0, intervals = 0
        for i in 0..<(jpeg.count - 1) where jpeg[i] == 0xFF {
            if (0xD0...0xD7).contains(jpeg[i + 1]) { restarts += 1 }
            if jpeg[i + 1] == 0xDD { intervals += 1 }
        }
        return (restarts, intervals)
    }

    @Test("the banded JPEG decodes to the one-pass JPEG's pixels", arguments: [(640, 512), (641, 777), (333, 1001), (1200, 256)])
    func samePixels(width: Int, height: Int) throws {
        let photo = try SyntheticPhoto.bitmap(width: width, height: height, seed: 11)
        let (onePass, banded) = try Self.oneAndBanded(photo)
        #expect(Self.markers(onePass).intervals == 0)
        if ImageParallelism.online > 1 {
            #expect(Self.markers(banded).intervals == 1)
            #expect(Self.markers(banded).restarts >= 1)
        }
        let a = try ImageCodecs.decode(onePass, channels: 3).0, b = try ImageCodecs.decode(banded, channels: 3).0
        #expect(a.width == width && a.height == height && b.width == width && b.height == height)
        #expect(a.pixels == b.pixels)
    }

    @Test("a wide image gets bands short enough for a 16-bit restart interval")
    func wide() throws {
        // 16,000 px: 1000 MCUs a row, so a band is at most 65 MCU rows (1040 px), not 1500.
        #expect(JPEGBandEncoder.bandRows(width: 16_000, height: 3000, cores: 2) == 1040)
        #expect(JPEGBandEncoder.bandRows(width: 65_500, height: 65_500, cores: 2) == 256)
        #expect(JPEGBandEncoder.bandRows(width: 100, height: 255, cores: 2) == nil)
        #expect(JPEGBandEncoder.bandRows(width: 100, height: 4000, cores: 1) == nil)
        let photo = try SyntheticPhoto.bitmap(width: 6000, height: 600, seed: 5)
        #expect(JPEGBandEncoder.bandRows(width: 6000, height: 600, cores: 2) == 304)
        let (onePass, banded) = try Self.oneAndBanded(photo, quality: 75)
        #expect(try ImageCodecs.decode(onePass, channels: 3).0.pixels == ImageCodecs.decode(banded, channels: 3).0.pixels)
    }

    @Test("an interlaced JPEG stays one progressive pass")
    func progressive() throws {
        let photo = try SyntheticPhoto.bitmap(width: 300, height: 600, seed: 2)
        let jpeg = try ImageCodecs.encode(photo, as: .jpg, options: ImageCodecs.EncodeOptions(quality: 90, interlace: true))
        #expect(Self.markers(jpeg).intervals == 0)
    }
}
