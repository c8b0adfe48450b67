import CImageCodecs
import Foundation
import OSSImage
import OSSImageProcess
import OSSLocking
import Testing

/// The work limits, the cancellation flag, OSS's rotate/resize limits and the memory estimate.
@Suite("Image work limits and cancellation")
struct WorkLimitsTests {
    static let photo = try! ImageCodecs.encode(try! SyntheticPhoto.bitmap(width: 300, height: 200, seed: 14), as: .png)

    static func expectError(_ code: String, status: Int = 400, containing text: String, _ body: () throws -> Void,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as ImageError {
            #expect(error.code == code && error.status == status, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not an ImageError: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("the attack's chain is refused before decoding: resize to 8000x8000 then rotate names OSS's 4096 limit")
    func rotateLimit() throws {
        let chain = "image/resize,m_fixed,w_8000,h_8000,limit_0" + String(repeating: "/rotate,90", count: 30)
        Self.expectError("InvalidArgument", containing: "4096") { _ = try ImageProcessor.process(chain, source: Self.photo) }
        do { _ = try ImageProcessor.process(chain, source: Self.photo) } catch { #expect(error.ec == "0040-00000006") }
        // Within the limit, rotation works.
        #expect(try ImageProcessor.process("image/resize,m_fixed,w_4096,h_100,limit_0/rotate,90", source: Self.photo).height == 4096)
    }

    @Test("resize results over 16384 a side or 250 MP are refused; WebP over 16383 is a 400, not a 500")
    func resizeLimits() throws {
        Self.expectError("InvalidArgument", containing: "16384") { _ = try ImageProcessor.process("image/resize,p_1000/resize,p_1000", source: Self.photo) }
        Self.expectError("InvalidArgument", containing: "250000000") {
            _ = try ImageProcessor.process("image/resize,m_fixed,w_16384,h_16384,limit_0", source: Self.photo)
        }
        Self.expectError("InvalidArgument", containing: "16383") {
            _ = try ImageProcessor.process("image/resize,m_fixed,w_16384,h_10,limit_0/format,webp", source: Self.photo)
        }
    }

    @Test("action count, decoded pixels and produced pixels are refused past the caller's limits, naming them")
    func countLimits() throws {
        let many = "image" + String(repeating: "/rotate,0", count: 65)
        Self.expectError("InvalidArgument", containing: "at most 64 actions") { _ = try ImageProcessor.process(many, source: Self.photo) }
        let few = ImageWorkLimits(maximumActions: 2)
        Self.expectError("InvalidArgument", containing: "at most 2 actions") { _ = try ImageProcessor.process("image/rotate,90/rotate,90/rotate,90", source: Self.photo, limits: few) }

        let decoded = ImageWorkLimits(maximumDecodedPixels: 10_000)
        Self.expectError("InvalidArgument", containing: "decoded pixels") { _ = try ImageProcessor.process("image/format,jpg", source: Self.photo, limits: decoded) }
        // A JPEG region decode counts only the region.
        let jpeg = try SyntheticPhoto.jpeg(width: 300, height: 200, seed: 3)
        #expect(try ImageProcessor.process("image/crop,w_100,h_100", source: jpeg, limits: decoded).width == 100)

        let produced = ImageWorkLimits(maximumProducedPixels: 200_000)
        #expect(try ImageProcessor.process("image/rotate,90", source: Self.photo, limits: produced).width == 200)
        Self.expectError("InvalidArgument", containing: "produced pixels") {
            _ = try ImageProcessor.process("image/rotate,90/rotate,90/rotate,90/rotate,90", source: Self.photo, limits: produced)
        }
        Self.expectError("InvalidArgument", containing: "decoded pixels") {
            _ = try ImageVerifier.verify(source: Self.photo, process: .circle(radius: 50).format(.png), output: Self.photo, limits: decoded)
        }
    }

    @Test("a time limit already past is a 503 ProcessingTimeout; a cancelled flag is a 503 ProcessingCancelled")
    func timeAndCancellation() throws {
        Self.expectError(ImageError.processingTimeoutCode, status: 503, containing: "time limit") {
            _ = try ImageProcessor.process("image/circle,r_50", source: Self.photo, limits: ImageWorkLimits(timeLimit: .zero))
        }
        let cancellation = ImageCancellation()
        cancellation.cancel()
        #expect(cancellation.isCancelled)
        Self.expectError(ImageError.processingCancelledCode, status: 503, containing: "cancelled") {
            _ = try ImageProcessor.process("image/circle,r_50", source: Self.photo, cancellation: cancellation)
        }
        Self.expectError(ImageError.processingCancelledCode, status: 503, containing: "cancelled") {
            _ = try ImageVerifier.verify(source: Self.photo, process: .circle(radius: 50).format(.png), output: Self.photo, cancellation: cancellation)
        }
        // Not cancelled, generous limits: the same work completes.
        #expect(try ImageProcessor.process("image/circle,r_50", source: Self.photo, cancellation: ImageCancellation()).width == 101)
    }

    @Test("a cancellation set while the work runs stops it", arguments: ["image/format,png", "image/resize,w_1100,limit_0/format,jpg", "image/rotate,90/format,webp"])
    func cancelWhileRunning(process: String) throws {
        let source = try SyntheticPhoto.jpeg(width: 1200, height: 900, seed: 2)
        let cancellation = ImageCancellation()
        let go = LockedValue<Int>(0)
        let ready = DispatchSemaphore(value: 0)
        // A thread of its own cancels the moment the work starts: the work must notice and stop,
        // whichever of decode, kernel or encode it is in. (The time limit is out of the way.)
        let canceller = Thread {
            ready.signal()
            while go.load() == 0 {}
            cancellation.cancel()
        }
        canceller.start()
        ready.wait()
        go.store(1)
        Self.expectError(ImageError.processingCancelledCode, status: 503, containing: "cancelled") {
            _ = try ImageProcessor.process(process, source: source, limits: ImageWorkLimits(timeLimit: .seconds(3600)), cancellation: cancellation)
        }
    }

    /// A C stop callback that says stop on its `limit`-th call, and counts the calls.
    final class CountingStop: Sendable {
        let limit: Int
        let counted = LockedValue<Int>(0)
        var calls: Int { counted.load() }
        init(limit: Int) { self.limit = limit }

        func withStop<R>(_ body: (UnsafePointer<oss_stop>) -> R) -> R {
            var stop = oss_stop(should_stop: { context in
                let counter = Unmanaged<CountingStop>.fromOpaque(context!).takeUnretainedValue()
                let calls = counter.counted.withLock { count -> Int in count += 1; return count }
                return calls >= counter.limit ? 1 : 0
            }, context: Unmanaged.passUnretained(self).toOpaque())
            return withExtendedLifetime(self) { body(&stop) }
        }
    }

    @Test("every C decoder, encoder and the transcode stop at the callback's first yes and say so", arguments: [1, 2, 5])
    func cStops(after limit: Int) throws {
        let bitmap = try SyntheticPhoto.bitmap(width: 640, height: 480, seed: 5)
        let jpeg = try ImageCodecs.encode(bitmap, as: .jpg)
        let progressive = try ImageCodecs.encode(bitmap, as: .jpg, options: .init(interlace: true))
        let png = try ImageCodecs.encode(bitmap, as: .png)
        // Big enough for more than five of the incremental decoder's 16 KiB blocks.
        let webp = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 1200, height: 900, seed: 5), as: .webp, options: .init(quality: 100))
        #expect(webp.count > 6 * 16 << 10)
        var output = [UInt8](repeating: 0, count: 1200 * 900 * 4)
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var encoded: UnsafeMutablePointer<UInt8>?
        var size = 0
        var results: [String: Int32] = [:]
        // Single-threaded work asks no more once told to stop; the transcode's two threads may
        // each ask once more before they see the other has stopped.
        func run(_ name: String, threads: Int = 1, _ body: (UnsafePointer<oss_stop>) -> Int32) {
            let counter = CountingStop(limit: limit)
            results[name] = counter.withStop(body)
            #expect(counter.calls >= limit && counter.calls < limit + threads, "\(name) asked \(counter.calls) times for a stop on call \(limit)")
        }
        run("jpeg decode") { oss_jpeg_decode_region(jpeg, jpeg.count, 0, 0, 640, 480, 3, &output, output.count, $0, &error) }
        run("progressive jpeg decode") { oss_jpeg_decode_region(progressive, progressive.count, 0, 0, 640, 480, 3, &output, output.count, $0, &error) }
        run("png decode") { oss_png_decode(png, png.count, 3, &output, output.count, $0, &error) }
        run("webp decode") { oss_webp_decode(webp, webp.count, 3, &output, output.count, $0, &error) }
        bitmap.pixels.withUnsafeBufferPointer { pixels in
            run("jpeg encode") { oss_jpeg_encode(pixels.baseAddress, 640, 480, 3, 85, 0, $0, &encoded, &size, &error) }
            run("progressive jpeg encode") { oss_jpeg_encode(pixels.baseAddress, 640, 480, 3, 85, 1, $0, &encoded, &size, &error) }
            run("png encode") { oss_png_idat_parallel(pixels.baseAddress, 640, 480, 3, 1, 1, 1, $0, &encoded, &size) }
            run("webp encode") { oss_webp_encode(pixels.baseAddress, 640, 480, 3, 85, OSS_WEBP_EFFORT, 2, $0, &encoded, &size, &error) }
        }
        let side: Int32 = 201
        let left = [Int32](repeating: 0, count: Int(side)), right = [Int32](repeating: side, count: Int(side))
        run("transcode", threads: 2) { oss_jpeg_masked_transcode(jpeg, jpeg.count, 10, 10, side, left, right, 85, 0, nil, $0, &encoded, &size, &error) }
        for (name, status) in results {
            #expect(status == OSS_CODEC_STOPPED, "\(name) returned \(status)")
        }
    }

    @Test("a stop late in a JPEG encode or transcode, after the output buffer has grown, frees it once")
    func lateJPEGStops() throws {
        // jpeg_mem_dest freed its first buffer when it grew and left the caller holding it: a stop
        // (or any error) past the first 4 KiB of output was a double free.
        let bitmap = try SyntheticPhoto.bitmap(width: 1200, height: 900, seed: 7)
        let jpeg = try ImageCodecs.encode(bitmap, as: .jpg)
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var encoded: UnsafeMutablePointer<UInt8>?
        var size = 0
        for progressive: Int32 in [0, 1] {
            let counter = CountingStop(limit: 800)
            let status = bitmap.pixels.withUnsafeBufferPointer { pixels in
                counter.withStop { oss_jpeg_encode(pixels.baseAddress, 1200, 900, 3, 85, progressive, $0, &encoded, &size, &error) }
            }
            #expect(status == OSS_CODEC_STOPPED)
        }
        let side: Int32 = 801
        let left = [Int32](repeating: 0, count: Int(side)), right = [Int32](repeating: side, count: Int(side))
        let counter = CountingStop(limit: 1200)
        let status = counter.withStop { oss_jpeg_masked_transcode(jpeg, jpeg.count, 100, 40, side, left, right, 85, 0, nil, $0, &encoded, &size, &error) }
        #expect(status == OSS_CODEC_STOPPED)
        // And unstopped, the same calls succeed.
        #expect(oss_jpeg_masked_transcode(jpeg, jpeg.count, 100, 40, side, left, right, 85, 0, nil, nil, &encoded, &size, &error) == 0)
        #expect(size > 64 << 10)
        oss_free(encoded)
    }

    @Test("the estimate grows with what is decoded and made, and is known before decoding")
    func estimate() throws {
        let small = try ImageProcessor.estimatedWorkingBytes("image/circle,r_10/format,png", source: Self.photo)
        let whole = try ImageProcessor.estimatedWorkingBytes("image/format,png", source: Self.photo)
        let rotated = try ImageProcessor.estimatedWorkingBytes("image/rotate,90/rotate,90/format,png", source: Self.photo)
        let enlarged = try ImageProcessor.estimatedWorkingBytes("image/resize,p_400/format,png", source: Self.photo)
        let bytes = 300 * 200 * 3
        #expect(whole >= 2 * bytes && whole < 8 * bytes)
        #expect(small < whole && whole <= rotated && rotated < enlarged)
        #expect(enlarged >= 16 * bytes)
        // A 240 MP PNG header: the estimate is known from 33 bytes and counts the decoded 720 MB.
        var bomb = ImageCodecs.encodePNGHeaderForTests(width: 20000, height: 12000)
        bomb += [0, 0x10, 0, 0] + Array("IDAT".utf8) + [UInt8](repeating: 0, count: 0x100000)
        let estimate = try ImageProcessor.estimatedWorkingBytes("image/resize,w_100", source: bomb)
        #expect(estimate >= 720_000_000 && estimate < 1_000_000_000, "\(estimate)")
        // info decodes nothing.
        #expect(try ImageProcessor.estimatedWorkingBytes("image/info", source: bomb) < 2 << 20)
        Self.expectError("InvalidArgument", containing: "4096") { _ = try ImageProcessor.estimatedWorkingBytes("image/rotate,90", source: bomb) }
    }
}
