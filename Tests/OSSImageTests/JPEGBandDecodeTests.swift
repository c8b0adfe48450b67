import Testing

@testable import OSSImage

/// Band decoders of a sequential JPEG: each entropy-decodes the rows above its band, so the bands
/// are cut for equal cost, and whatever the cut the pixels are the one-pass decode's.
@Suite("JPEG band decoding")
struct JPEGBandDecodeTests {
    @Test("bands cover every row once, later bands shorter, each of the same modelled cost", arguments: [2, 3, 4])
    func equalCost(_ bands: Int) {
        for height in [512, 800, 3000, 6001] {
            let share = 0.25
            let starts = ImageCodecs.jpegBandStarts(height: height, bands: bands, skipShare: share)
            #expect(starts.count == bands + 1 && starts.first == 0 && starts.last == height)
            let rows = zip(starts, starts.dropFirst()).map { $1 - $0 }
            #expect(rows.allSatisfy { $0 > 0 }, "\(starts)")
            #expect(zip(rows, rows.dropFirst()).allSatisfy { $0 >= $1 }, "later bands are not shorter: \(rows)")
            let costs = (0..<bands).map { share * Double(starts[$0]) + Double(rows[$0]) }
            #expect(costs.max()! - costs.min()! <= 2, "\(height) rows in \(bands): costs \(costs)")
        }
        // Nothing to share: one band, or an even cut.
        #expect(ImageCodecs.jpegBandStarts(height: 100, bands: 1, skipShare: 0.25) == [0, 100])
        #expect(ImageCodecs.jpegBandStarts(height: 100, bands: 2, skipShare: 0) == [0, 50, 100])
    }

    @Test("the skip share grows with the bits a pixel and with how much of each row is skipped")
    func skipShare() {
        // 2.29 bits a pixel (the photo-like 1200x800 at q90): measured 0.61.
        let photo = ImageCodecs.jpegSkipShare(bytes: 274_654, imageWidth: 1200, imageHeight: 800, regionWidth: 1200)
        #expect(abs(photo - 0.61) < 0.02, "\(photo)")
        let lighter = ImageCodecs.jpegSkipShare(bytes: 137_327, imageWidth: 1200, imageHeight: 800, regionWidth: 1200)
        let narrower = ImageCodecs.jpegSkipShare(bytes: 274_654, imageWidth: 1200, imageHeight: 800, regionWidth: 300)
        #expect(lighter < photo && photo < narrower)
        // Bounded, so that every band keeps rows: no data at all, and a file all entropy.
        #expect(ImageCodecs.jpegSkipShare(bytes: 0, imageWidth: 1200, imageHeight: 800, regionWidth: 1200) == 0.1)
        #expect(ImageCodecs.jpegSkipShare(bytes: 20 << 20, imageWidth: 64, imageHeight: 64, regionWidth: 1) == 0.9)
        #expect(ImageCodecs.jpegSkipShare(bytes: 10, imageWidth: 0, imageHeight: 0, regionWidth: 0) >= 0.1)
    }

    @Test("banded decodes give the one-pass decode's pixels, at full size and scaled", arguments: [8, 4])
    func samePixels(_ eighths: Int) throws {
        let jpeg = try SyntheticPhoto.jpeg(width: 1000, height: 1337, seed: 21, quality: 85)
        let width = ImageCodecs.jpegScaledSide(1000, eighths: eighths), height = ImageCodecs.jpegScaledSide(1337, eighths: eighths)
        let one = try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 0, width: width, height: height, channels: 3, bands: 1,
                                                   scaleEighths: eighths, entropySplit: false, budget: .unbounded)
        for bands in [2, 3, 4] {
            let banded = try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 0, width: width, height: height, channels: 3, bands: bands,
                                                          scaleEighths: eighths, entropySplit: false, budget: .unbounded)
            #expect(banded.pixels == one.pixels, "\(bands) bands at \(eighths)/8")
        }
    }
}

/// Whole rows of a decode go straight into the output (JPEG.c); a region's rows are copied from
/// libjpeg's. The two must give the same pixels: a whole image against itself stitched from two
/// regions, one cut at an odd column (cropped to iMCUs and shifted) and one starting there.
@Suite("Direct row decoding")
struct DirectRowDecodeTests {
    @Test("a whole-width decode equals the same image decoded as two regions", arguments: [
        (3, (2, 2), 8), (4, (2, 2), 8), (3, (2, 1), 8), (3, (1, 1), 8), (3, (2, 2), 4), (4, (1, 1), 2),
    ])
    func stitched(channels: Int, sampling: (Int, Int), eighths: Int) throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: 517, height: 301, seed: 9, sampling: sampling)
        let width = ImageCodecs.jpegScaledSide(517, eighths: eighths), height = ImageCodecs.jpegScaledSide(301, eighths: eighths)
        let whole = try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 0, width: width, height: height, channels: channels, bands: 1,
                                                     scaleEighths: eighths, entropySplit: false, budget: .unbounded)
        let cut = width / 3 | 1
        let left = try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 0, width: cut, height: height, channels: channels, bands: 1,
                                                    scaleEighths: eighths, entropySplit: false, budget: .unbounded)
        let right = try ImageCodecs.decodeJPEGRegion(jpeg, x: cut, y: 0, width: width - cut, height: height, channels: channels, bands: 1,
                                                     scaleEighths: eighths, entropySplit: false, budget: .unbounded)
        var stitched: [UInt8] = []
        for row in 0..<height {
            stitched += left.pixels[(row * cut * channels)..<((row + 1) * cut * channels)]
            stitched += right.pixels[(row * (width - cut) * channels)..<((row + 1) * (width - cut) * channels)]
        }
        #expect(whole.pixels == stitched, "\(channels) channels, sampling \(sampling), \(eighths)/8")
        // And a band of whole rows from the middle, its first rows skipped, the rest direct.
        let band = try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 37, width: width, height: height - 37 - 5, channels: channels, bands: 1,
                                                    scaleEighths: eighths, entropySplit: false, budget: .unbounded)
        #expect(band.pixels[...] == whole.pixels[(37 * width * channels)..<((height - 5) * width * channels)])
    }
}
