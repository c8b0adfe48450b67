import OSSImage
import OSSImageProcess
import Testing

/// Malformed files of every format, and public kernel functions called with sizes no image has:
/// each gives a typed error (or a defined answer), never a trap, and bombs are refused from their
/// headers.
@Suite("Malformed files and hostile sizes")
struct MalformedInputTests {
    static func expectError(_ code: String? = nil, containing text: String? = nil, _ body: () throws -> Void,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected an ImageError", sourceLocation: sourceLocation)
        } catch let error as ImageError {
            if let code { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
            if let text { #expect(error.message.contains(text), "\(error)", sourceLocation: sourceLocation) }
            #expect((400..<600).contains(error.status), sourceLocation: sourceLocation)
        } catch {
            Issue.record("not an ImageError: \(error)", sourceLocation: sourceLocation)
        }
    }

    static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// A 24-bit BMP with chosen header fields (a valid 4x3 image by default).
    static func bmp(width: Int = 4, height: Int = 3, bits: Int = 24, compression: Int = 0, infoSize: Int = 40,
                    dataOffset: Int = 54, data: Int? = nil) -> [UInt8] {
        let stride = (4 * bits / 8 + 3) & ~3
        var bytes: [UInt8] = Array("BM".utf8) + le32(0) + le32(0) + le32(dataOffset) + le32(infoSize) + le32(width) + le32(height)
        bytes += [1, 0, UInt8(bits), 0] + le32(compression) + le32(0) + le32(2835) + le32(2835) + le32(0) + le32(0)
        bytes += [UInt8](repeating: 0x80, count: data ?? stride * 3)
        return bytes
    }

    @Test("BMP: negative and zero widths, Int32.min heights, offsets outside the file, lying header sizes, truncated rows")
    func bmpHeaders() throws {
        #expect(try ImageCodecs.decode(Self.bmp()).0.width == 4, "the baseline file decodes")
        #expect(try ImageCodecs.decode(Self.bmp(bits: 16)).0.width == 4, "16-bit (5-5-5) decodes")
        let hostile: [(String, [UInt8])] = [
            ("negative width", Self.bmp(width: -4)),
            ("zero width", Self.bmp(width: 0)),
            ("zero height", Self.bmp(height: 0)),
            ("Int32.min height", Self.bmp(height: Int(Int32.min))),
            ("Int32.max width", Self.bmp(width: Int(Int32.max))),
            ("data offset past the end", Self.bmp(dataOffset: 0x7FFF_FFFF)),
            ("data offset 0xFFFFFFFF", Self.bmp(dataOffset: 0xFFFF_FFFF)),
            ("data offset inside the header", Self.bmp(dataOffset: 20)),
            ("header size 0xFFFFFFFF", Self.bmp(infoSize: 0xFFFF_FFFF)),
            ("header size 12", Self.bmp(infoSize: 12)),
            ("truncated rows", Self.bmp(data: 5)),
            ("16-bit with rows cut short", Self.bmp(bits: 16, data: 7)),
            ("2 bits a pixel", Self.bmp(bits: 2)),
            ("bit fields without masks", Self.bmp(bits: 32, compression: 3)),
            ("RLE", Self.bmp(compression: 1)),
            ("just the signature", Array("BM".utf8)),
        ]
        for (name, bytes) in hostile {
            do {
                _ = try ImageProcessor.process("image/resize,w_2", source: bytes)
                Issue.record("\(name): expected an error")
            } catch {
                #expect((400..<600).contains(error.status), "\(name): \(error)")
            }
            _ = try? ImageCodecs.dimensions(bytes)
            _ = try? ImageProcessor.process("image/info", source: bytes)
        }
    }

    @Test("PNG: an IHDR of 30000x8000 with a few bytes of data is refused as truncated before decoding")
    func pngBomb() throws {
        var png = ImageCodecs.encodePNGHeaderForTests(width: 30000, height: 8000)
        // A tiny IDAT and IEND (CRCs unchecked: refused before libpng sees the file).
        png += [0, 0, 0, 4] + Array("IDAT".utf8) + [0x78, 0x01, 0x03, 0x00] + [0, 0, 0, 0]
        png += [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
        Self.expectError("BadRequest", containing: "truncated") { _ = try ImageProcessor.process("image/resize,w_10", source: png) }
        Self.expectError("BadRequest", containing: "truncated") { _ = try ImageCodecs.decode(png) }
        // info reads the header only, as OSS does.
        #expect(try ImageProcessor.process("image/info", source: png).width == 30000)
        // Over OSS's limits: ImageTooLarge whatever the data.
        let huge = ImageCodecs.encodePNGHeaderForTests(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF) + [0, 0, 0, 0]
        Self.expectError("ImageTooLarge") { _ = try ImageProcessor.process("image/resize,w_10", source: huge) }
        let wrapping = ImageCodecs.encodePNGHeaderForTests(width: -1, height: 1)
        Self.expectError { _ = try ImageProcessor.process("image/info", source: wrapping) }
        Self.expectError { _ = try ImageProcessor.process("image/info", source: ImageCodecs.encodePNGHeaderForTests(width: 0, height: 10)) }
    }

    @Test("PNG: truncated at every length, and with chunk lengths that lie")
    func pngTruncated() throws {
        let png = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 24, height: 16, seed: 4), as: .png)
        // Cut anywhere before the end of IDAT (libpng forgives a missing IEND).
        for length in stride(from: 0, to: png.count - 12, by: max(1, png.count / 40)) {
            Self.expectError { _ = try ImageProcessor.process("image/format,png", source: Array(png.prefix(length))) }
        }
        var lying = png
        lying.replaceSubrange(33..<37, with: [0xFF, 0xFF, 0xFF, 0xF0]) // IDAT length
        Self.expectError { _ = try ImageProcessor.process("image/format,jpg", source: lying) }
    }

    /// The JPEG with its SOF's height and width replaced.
    static func patchSOF(_ jpeg: [UInt8], width: Int, height: Int) -> [UInt8] {
        var bytes = jpeg
        var index = 2
        while index + 9 < bytes.count {
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if marker == 0xC0 || marker == 0xC2 {
                bytes[index + 5] = UInt8(height >> 8); bytes[index + 6] = UInt8(height & 0xFF)
                bytes[index + 7] = UInt8(width >> 8); bytes[index + 8] = UInt8(width & 0xFF)
                return bytes
            }
            index += 2 + length
        }
        return bytes
    }

    @Test("JPEG: a SOF claiming 30000x8000 on a few kilobytes is refused as truncated; zero sizes and truncation are errors")
    func jpegHeaders() throws {
        let jpeg = try SyntheticPhoto.jpeg(width: 48, height: 32, seed: 8)
        let bomb = Self.patchSOF(jpeg, width: 30000, height: 8000)
        #expect(try ImageCodecs.dimensions(bomb).width == 30000)
        Self.expectError("BadRequest", containing: "truncated") { _ = try ImageProcessor.process("image/resize,w_10", source: bomb) }
        Self.expectError("BadRequest", containing: "truncated") { _ = try ImageProcessor.process("image/circle,r_10", source: bomb) }
        Self.expectError("ImageTooLarge") { _ = try ImageProcessor.process("image/resize,w_10", source: Self.patchSOF(jpeg, width: 65000, height: 65000)) }
        Self.expectError { _ = try ImageProcessor.process("image/info", source: Self.patchSOF(jpeg, width: 0, height: 32)) }
        for length in [0, 1, 2, 3, 4, 20, jpeg.count / 3] {
            Self.expectError { _ = try ImageProcessor.process("image/format,png", source: Array(jpeg.prefix(length))) }
        }
        // Cut inside the entropy-coded data: libjpeg pads the rest; either a picture or an error.
        _ = try? ImageProcessor.process("image/format,png", source: Array(jpeg.prefix(jpeg.count - 40)))
    }

    @Test("WebP: truncated and corrupted headers give errors")
    func webp() throws {
        let webp = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 40, height: 24, seed: 6), as: .webp)
        #expect(try ImageCodecs.decode(webp).0.width == 40)
        for length in [0, 11, 12, 20, 30, webp.count / 2, webp.count - 10] {
            Self.expectError { _ = try ImageProcessor.process("image/format,png", source: Array(webp.prefix(length))) }
        }
        var corrupt = webp
        for index in stride(from: 20, to: min(corrupt.count, 60), by: 3) { corrupt[index] ^= 0xFF }
        _ = try? ImageProcessor.process("image/format,png", source: corrupt)
    }

    @Test("EXIF: offsets past the end, huge entry counts, wrong types and tiny segments read as orientation 1")
    func exif() throws {
        let jpeg = try SyntheticPhoto.jpeg(width: 16, height: 8, seed: 1)
        func withTIFF(_ tiff: [UInt8], segmentLength: Int? = nil) -> [UInt8] {
            let payload = Array("Exif\0\0".utf8) + tiff
            let length = segmentLength ?? payload.count + 2
            return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)] + payload + jpeg.dropFirst(2)
        }
        let entry: [UInt8] = [0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]
        let valid = withTIFF([0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1] + entry + [0, 0, 0, 0])
        #expect(EXIF.orientation(valid) == 6)
        let hostile: [[UInt8]] = [
            withTIFF([0x4D, 0x4D, 0, 42, 0xFF, 0xFF, 0xFF, 0xFF]),                       // IFD0 far past the end
            withTIFF([0x4D, 0x4D, 0, 42, 0x7F, 0xFF, 0xFF, 0xF8, 0, 1] + entry),          // offset near Int32.max
            withTIFF([0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 4, 0, 0, 0, 1, 0, 6, 0, 0]), // LONG, not SHORT
            withTIFF([0x4D, 0x4D, 0, 42, 0, 0, 0, 0]),                                   // IFD0 inside the header
            withTIFF([0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0] + [0x12, 0x01, 3, 0, 1, 0, 0, 0, 9, 0, 0, 0]), // value 9
            withTIFF([0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1], segmentLength: 0xFFFF),      // segment longer than the file
            withTIFF([], segmentLength: 2),                                             // length 2: no payload
            withTIFF([], segmentLength: 0),                                             // length below its own size
            [0xFF, 0xD8, 0xFF, 0xE1, 0, 6] + Array("Exif\0\0".utf8),                      // the attack's short segment
            [0xFF, 0xD8], [0xFF, 0xD8, 0xFF], [0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0xFF],
        ]
        // 65535 entries declared, one present: only the entries the segment holds are read.
        #expect(EXIF.orientation(withTIFF([0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0xFF, 0xFF] + entry)) == 6)
        #expect(EXIF.orientation(withTIFF([0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 12 * 5000))) == 1)
        for bytes in hostile {
            #expect(EXIF.orientation(bytes) == 1, "\(bytes.prefix(24))")
            _ = try? ImageProcessor.process("image/info", source: bytes)
            _ = try? ImageProcessor.process("image/auto-orient,1/format,png", source: bytes)
        }
    }

    @Test("empty and one-byte sources of each signature")
    func tiny() {
        let sources: [[UInt8]] = [[], [0xFF], [0xFF, 0xD8, 0xFF], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], Array("RIFF\0\0\0\0WEBP".utf8),
                                  Array("BM".utf8), Array("GIF89a".utf8), [0x49, 0x49, 0x2A, 0x00]]
        for source in sources {
            for process in ["image/info", "image/circle,r_10", "image/format,png", "image/rotate,90"] {
                Self.expectError { _ = try ImageProcessor.process(process, source: source) }
            }
        }
    }

    @Test("public kernels with sizes no image has: defined answers or typed errors")
    func kernelArithmetic() throws {
        let bitmap = try SyntheticPhoto.bitmap(width: 20, height: 10, seed: 2)
        let jpeg = try SyntheticPhoto.jpeg(width: 20, height: 10, seed: 2)

        Self.expectError("InvalidArgument") { _ = try ImageCodecs.decodeJPEGRegion(jpeg, x: Int.max, y: 0, width: 10, height: 10, channels: 3) }
        Self.expectError("InvalidArgument") { _ = try ImageCodecs.decodeJPEGRegion(jpeg, x: 15, y: 0, width: Int.max, height: 10, channels: 3) }
        Self.expectError("InvalidArgument") { _ = try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 0, width: 30000, height: 30000, channels: 3) }
        Self.expectError("InvalidArgument") { _ = try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 0, width: 4, height: 4, channels: 7) }
        var geometry = ImageKernels.CircleGeometry(width: 20, height: 10, requestedRadius: 4)
        geometry.side = 1 << 40
        Self.expectError("InvalidArgument") { _ = try ImageCodecs.transcodeJPEGCircle(jpeg, geometry: geometry, options: .init()) }

        let odd = ImageKernels.CircleGeometry(width: Int.min, height: 5, requestedRadius: Int.max)
        #expect(odd.side == 1)
        #expect(ImageKernels.CircleGeometry(width: Int.max, height: Int.max, requestedRadius: Int.max).side % 2 == 1)
        #expect(ImageKernels.circleHalfWidth(row: Int.max, radius: Int.max) == -1)
        #expect(ImageKernels.circleHalfWidth(row: Int.min, radius: 10) == -1)
        #expect(ImageKernels.circleHalfWidth(row: 10, radius: 10) == 10)

        Self.expectError("InvalidArgument") { _ = try Bitmap(width: -1, height: 2, channels: 3, pixels: []) }
        Self.expectError("InvalidArgument") { _ = try Bitmap(width: Int.max, height: Int.max, channels: 4, pixels: []) }
        Self.expectError("InvalidArgument") { _ = try Bitmap(width: 2, height: 2, channels: 5, pixels: []) }
        Self.expectError("InvalidArgument") { _ = try Bitmap(width: 2, height: 2, channels: 3, fill: [1]) }
        Self.expectError("InvalidArgument") { _ = try bitmap.cropped(x: Int.max, y: 0, width: Int.max, height: 1) }
        Self.expectError("InvalidArgument") { _ = try bitmap.cropped(x: 5, y: 5, width: 16, height: 1) }

        #expect(try ImageKernels.indexCrop(bitmap, axis: .x, length: Int.max, index: 2) == bitmap)
        #expect(try ImageKernels.indexCrop(bitmap, axis: .y, length: 3, index: Int.max) == bitmap)
        Self.expectError("InvalidArgument") { _ = try ImageKernels.indexCrop(bitmap, axis: .x, length: 0, index: 0) }
        Self.expectError("InvalidArgument") { _ = try ImageKernels.indexCrop(bitmap, axis: .x, length: 5, index: -1) }

        for crop in [Crop(x: Int.max, y: Int.max, gravity: .southEast), Crop(x: Int.min, y: Int.min, gravity: .east), Crop(width: 0), Crop(height: Int.min)] {
            _ = try? ImageKernels.cropRect(crop, width: 20, height: 10)
        }
        Self.expectError("InvalidArgument") { _ = try ImageKernels.cropRect(Crop(), width: 0, height: 10) }

        for resize in [Resize(width: Int.max), Resize(mode: .fixed, width: Int.max, height: Int.max), Resize(percent: Int.max),
                       Resize(mode: .fill, width: Int.max, height: 1, limit: false), Resize(), Resize(long: Int.max, short: Int.min)] {
            let plan = ImageKernels.resizePlan(resize, width: 20, height: 10)
            #expect(plan.finalWidth >= 1 && plan.finalHeight >= 1)
            _ = try? ImageKernels.resize(bitmap, resize)
        }
        Self.expectError("InvalidArgument") { _ = try ImageKernels.resize(bitmap, Resize(width: Int.max, limit: false)) }
        Self.expectError("InvalidArgument") { _ = try ImageKernels.resample(bitmap, width: 1 << 40, height: 1 << 40) }
        _ = try? ImageKernels.rotate(bitmap, degrees: Int.min)
        // Any integer is an angle modulo 360 (Int.max is 7 degrees past a whole turn).
        let tilted = try ImageKernels.rotate(bitmap, degrees: Int.max)
        #expect(tilted.width == ImageKernels.RotationGeometry(width: bitmap.width, height: bitmap.height, degrees: 7).width)
        Self.expectError("InvalidArgument") { _ = try SyntheticPhoto.bitmap(width: 0, height: 10) }
        Self.expectError("InvalidArgument") { _ = try SyntheticPhoto.jpeg(width: 40000, height: 10) }
    }

    @Test("resize: a fill whose cover image would be terabytes makes only its result; an mfit that big is refused")
    func resizeCover() throws {
        // 1 x 3000: covering 16384 x 1 means scaling by 16384, a 16384 x 49,152,000 cover.
        let tall = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 1, height: 3000, seed: 3), as: .png)
        let fill = try ImageProcessor.process("image/resize,m_fill,w_16384,h_1,limit_0/format,png", source: tall)
        #expect(fill.width == 16384 && fill.height == 1)
        #expect(try ImageProcessor.estimatedWorkingBytes("image/resize,m_fill,w_16384,h_1,limit_0/format,png", source: tall) < 8 << 20)
        Self.expectError("InvalidArgument", containing: "16384") {
            _ = try ImageProcessor.process("image/resize,m_mfit,w_16384,h_1,limit_0", source: tall)
        }
        // The window of a fill equals the same crop of the whole resampled image.
        let small = try SyntheticPhoto.bitmap(width: 37, height: 23, seed: 12)
        let resize = Resize(mode: .fill, width: 50, height: 41, limit: false)
        let plan = ImageKernels.resizePlan(resize, width: 37, height: 23)
        #expect(plan.scaledWidth > 50)
        let whole = try ImageKernels.resample(small, width: plan.scaledWidth, height: plan.scaledHeight)
        let cropped = try ImageKernels.resize(small, resize)
        #expect(cropped == (try whole.cropped(x: (plan.scaledWidth - 50) / 2, y: (plan.scaledHeight - 41) / 2, width: 50, height: 41)))
    }
}
