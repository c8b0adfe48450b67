import OSSImageProcess
import Testing

@testable import OSSImage

/// A JPEG whose first action shrinks it is decoded at a DCT scale (libjpeg-turbo's scale_num),
/// never at full size, and gives what the full decode would, within the blur the scale implies.
@Suite("JPEG shrink-on-load")
struct ShrinkOnLoadTests {
    static let jpeg = try! SyntheticPhoto.jpeg(width: 1600, height: 1200, seed: 3, quality: 90)

    @Test("resize,w_200 plans a 1/4 decode (the smallest leaving twice the size), and never the full-size bitmap")
    func planned() throws {
        let plan = try ProcessPlan(try ImageProcess(parsing: "image/resize,w_200"), source: Self.jpeg, limits: .oss)
        guard case let .jpegScaled(eighths, orientation, _) = plan.start else { Issue.record("start \(plan.start)"); return }
        // 1600 * 2/8 = 400 = 2 × 200; 1/8 would leave 200, no room for the filter.
        #expect(eighths == 2 && orientation == 1)
        #expect(plan.result.width == 200 && plan.result.height == 150)
        // Its bitmaps are a small part of the full-size one; with the split decoder's records and
        // coefficients (counted too, about 2 MB here) the whole still stays under that one bitmap.
        let full = 1600 * 1200 * 3
        let header = try SourceHeader(Self.jpeg)
        let split = ProcessPlan.splitDecodeBytes(plan.start, source: Self.jpeg, header: header, profile: try DecodeProfile(Self.jpeg, header: header))
        #expect(split > 0 && plan.peakBytes - split < full / 4, "\(plan.peakBytes) with \(split) for the split decoder")
        #expect(plan.peakBytes < full, "\(plan.peakBytes)")
        // A resize that keeps most of the size gains nothing: full decode.
        let large = try ProcessPlan(try ImageProcess(parsing: "image/resize,w_1000"), source: Self.jpeg, limits: .oss)
        guard case .full = large.start else { Issue.record("start \(large.start)"); return }
        // Format and quality before the resize change no pixel: still shrunk.
        let later = try ProcessPlan(try ImageProcess(parsing: "image/format,png/quality,Q_80/resize,h_100"), source: Self.jpeg, limits: .oss)
        // 1200 × 1/8 = 150 < 2 × 100, so 2/8.
        guard case .jpegScaled(2, _, _) = later.start else { Issue.record("start \(later.start)"); return }
        // A crop first: no shrink of the whole image.
        let cropped = try ProcessPlan(try ImageProcess(parsing: "image/crop,w_800,h_600/resize,w_100"), source: Self.jpeg, limits: .oss)
        guard case .jpegCrop = cropped.start else { Issue.record("start \(cropped.start)"); return }
    }

    @Test("the result has OSS's sizes and is within a few levels of the full decode's", arguments: [
        "resize,w_200", "resize,m_fill,w_120,h_120", "resize,m_pad,w_300,h_100,color_FF0000", "resize,p_10", "resize,m_fixed,w_100,h_300",
    ])
    func sameImage(_ action: String) throws {
        let shrunk = try ImageProcessor.process("image/\(action)/format,png", source: Self.jpeg)
        let plan = try ProcessPlan(try ImageProcess(parsing: "image/\(action)"), source: Self.jpeg, limits: .oss)
        guard case .jpegScaled = plan.start else { Issue.record("\(action) was not shrunk on load"); return }
        // The reference: the full decode, resized by the same kernel.
        let full = try ImageCodecs.decode(Self.jpeg).0
        guard case let .resize(resize)? = try ImageProcess(parsing: "image/\(action)").actions.first else { Issue.record("no resize"); return }
        let reference = try ImageKernels.resize(full, resize)
        let result = try ImageCodecs.decode(shrunk.bytes).0
        #expect(result.width == reference.width && result.height == reference.height)
        var total = 0
        for (a, b) in zip(result.pixels, reference.pixels) { total += abs(Int(a) - Int(b)) }
        let mean = Double(total) / Double(result.pixels.count)
        #expect(mean < 3, "mean difference \(mean) for \(action)")
    }

    @Test("a scaled decode gives libjpeg's ceil(side × n / 8) and is checked like a full one")
    func scaledDecode() throws {
        for eighths in 1...8 {
            let bitmap = try ImageCodecs.decodeJPEGRegion(Self.jpeg, x: 0, y: 0, width: (1600 * eighths + 7) / 8, height: (1200 * eighths + 7) / 8,
                                                          channels: 3, bands: nil, scaleEighths: eighths, budget: .unbounded)
            #expect(bitmap.width == ImageCodecs.jpegScaledSide(1600, eighths: eighths))
        }
        #expect(throws: ImageError.self) {
            _ = try ImageCodecs.decodeJPEGRegion(Self.jpeg, x: 0, y: 0, width: 201, height: 150, channels: 3, bands: nil, scaleEighths: 1, budget: .unbounded)
        }
        #expect(throws: ImageError.self) {
            _ = try ImageCodecs.decodeJPEGRegion(Self.jpeg, x: 0, y: 0, width: 10, height: 10, channels: 3, bands: nil, scaleEighths: 0, budget: .unbounded)
        }
    }

    @Test("a cancelled shrunk decode stops with the cancellation's error")
    func cancelled() throws {
        let cancellation = ImageCancellation()
        cancellation.cancel()
        #expect(throws: ImageError.self) { _ = try ImageProcessor.process("image/resize,w_200", source: Self.jpeg, cancellation: cancellation) }
    }
}
