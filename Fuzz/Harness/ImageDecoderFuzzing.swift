import OSSImage
import OSSImageProcess

/// One target per image format: the header probe, the decoder at every channel count, `info`
/// (EXIF for JPEG), and for JPEG the paths that read EXIF orientation, decode a region and
/// transcode a circle row by row.
///
/// Adding a format: an enum here with its seeds, a line in ``FuzzTargets/all`` and in
/// scripts/fuzz.sh's ALL and MAXLEN. See Fuzz/README.md.
package protocol ImageDecoderTarget: FuzzTarget {
    static var format: ImageFormat { get }
}

extension ImageDecoderTarget {
    package static func run(_ input: [UInt8]) { ImageDecoderFuzzing.run(input, format: format) }
}

package enum ImageDecoderFuzzing {
    /// Pixels are decoded only below this. A header may announce 250 megapixels and be within
    /// OSS's limits; allocating that for every input measures the cost budget (issue 9 §4), which
    /// has its own tests, and would leave no time for finding crashes.
    static let maximumDecodedPixels = 4_000_000

    static func run(_ input: [UInt8], format: ImageFormat) {
        guard ImageCodecs.detectFormat(input) == format else { return }
        _ = try? ImageProcessor.process("image/info", source: input)
        guard let (width, height, detected) = try? ImageCodecs.dimensions(input) else { return }
        FuzzCheck.require(detected == format, "dimensions() says \(detected), detectFormat() said \(format)")
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard width > 0, height > 0, !overflow, pixels <= maximumDecodedPixels else { return }
        for channels in [nil, 3, 4] {
            guard let (bitmap, decodedFormat) = try? ImageCodecs.decode(input, channels: channels) else { continue }
            FuzzCheck.require(decodedFormat == format, "decode() says \(decodedFormat) for \(format)")
            FuzzCheck.require(bitmap.width == width && bitmap.height == height,
                              "decoded \(bitmap.width)x\(bitmap.height), the header said \(width)x\(height)")
            FuzzCheck.require(bitmap.pixels.count == bitmap.width * bitmap.height * bitmap.channels, "the bitmap's buffer does not match its size")
            if let channels { FuzzCheck.require(bitmap.channels == channels, "asked for \(channels) channels, got \(bitmap.channels)") }
        }
        if format == .jpg {
            for process in ["image/auto-orient,1", "image/circle,r_8", "image/crop,x_3,y_2,w_9,h_7/format,png"] {
                _ = try? ImageProcessor.process(process, source: input)
            }
        }
    }
}

package enum JPEGFuzzing: ImageDecoderTarget {
    package static let name = "jpeg"
    package static let format = ImageFormat.jpg

    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        let plain = try SeedImages.jpeg(width: 24, height: 16)
        var seeds: [(String, [UInt8])] = [
            ("seed-plain.jpg", plain),
            ("seed-progressive.jpg", try SeedImages.jpeg(width: 17, height: 9, quality: 60, progressive: true)),
            ("seed-q100.jpg", try SeedImages.jpeg(width: 8, height: 8, quality: 100)),
            ("seed-tall.jpg", try SeedImages.jpeg(width: 3, height: 40, quality: 30)),
            ("seed-exif-helper-6.jpg", ImageCodecs.insertEXIFOrientationForTests(plain, orientation: 6)),
        ]
        for orientation in [3, 6, 8] {
            seeds.append(("seed-exif-be-\(orientation).jpg", SeedImages.withEXIF(plain, orientation: orientation, littleEndian: false)))
            seeds.append(("seed-exif-le-\(orientation).jpg", SeedImages.withEXIF(plain, orientation: orientation, littleEndian: true)))
        }
        return seeds
    }
}

package enum PNGFuzzing: ImageDecoderTarget {
    package static let name = "png"
    package static let format = ImageFormat.png

    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        var seeds: [(String, [UInt8])] = [
            ("seed-encoder-rgb.png", try SeedImages.encoded(.png, width: 12, height: 9)),
            ("seed-encoder-rgba.png", try SeedImages.encoded(.png, width: 9, height: 12, alpha: true)),
        ]
        let kinds: [(colorType: UInt8, depths: [UInt8])] = [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16])]
        for kind in kinds {
            for depth in kind.depths {
                seeds.append(("seed-c\(kind.colorType)-d\(depth).png", SeedImages.png(width: 7, height: 5, colorType: kind.colorType, bitDepth: depth)))
            }
        }
        seeds.append(("seed-c6-d8-adam7.png", SeedImages.png(width: 11, height: 9, colorType: 6, bitDepth: 8, interlaced: true)))
        seeds.append(("seed-c3-d2-adam7.png", SeedImages.png(width: 10, height: 3, colorType: 3, bitDepth: 2, interlaced: true)))
        seeds.append(("seed-c2-d8-chunks.png", SeedImages.png(width: 5, height: 4, colorType: 2, bitDepth: 8, extraChunks: [
            ("gAMA", [0, 0, 0xB1, 0x8F]), ("tRNS", [0, 1, 0, 2, 0, 3]), ("tEXt", Array("Comment\0seed".utf8)), ("bKGD", [0, 9, 0, 9, 0, 9]),
        ])))
        return seeds
    }
}

package enum WebPFuzzing: ImageDecoderTarget {
    package static let name = "webp"
    package static let format = ImageFormat.webp

    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        [
            ("seed-rgb.webp", try SeedImages.encoded(.webp, width: 16, height: 12)),
            ("seed-rgba.webp", try SeedImages.encoded(.webp, width: 9, height: 7, alpha: true)),
            ("seed-q5.webp", try SeedImages.encoded(.webp, width: 30, height: 2, quality: 5)),
            ("seed-q100.webp", try SeedImages.encoded(.webp, width: 4, height: 4, quality: 100)),
        ]
    }
}

package enum BMPFuzzing: ImageDecoderTarget {
    package static let name = "bmp"
    package static let format = ImageFormat.bmp

    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        [
            ("seed-encoder-24.bmp", try SeedImages.encoded(.bmp, width: 7, height: 5)),
            ("seed-encoder-32.bmp", try SeedImages.encoded(.bmp, width: 5, height: 3, alpha: true)),
            ("seed-bottom-up-24.bmp", SeedImages.bmp(width: 6, height: 4, bitsPerPixel: 24, topDown: false)),
            ("seed-top-down-32.bmp", SeedImages.bmp(width: 3, height: 3, bitsPerPixel: 32, topDown: true)),
            ("seed-one-pixel.bmp", SeedImages.bmp(width: 1, height: 1, bitsPerPixel: 24, topDown: false)),
        ]
    }
}

package enum GIFFuzzing: ImageDecoderTarget {
    package static let name = "gif"
    package static let format = ImageFormat.gif

    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        [
            ("seed-still.gif", try SeedImages.encoded(.gif, width: 12, height: 9)),
            ("seed-alpha.gif", try SeedImages.encoded(.gif, width: 7, height: 5, alpha: true)),
            ("seed-animated.gif", try ImageCodecs.encodeAnimatedGIFForTools(
                [try SeedImages.bitmap(width: 6, height: 4, seed: 1), try SeedImages.bitmap(width: 6, height: 4, seed: 2)], delay: 10)),
        ]
    }
}

package enum TIFFFuzzing: ImageDecoderTarget {
    package static let name = "tiff"
    package static let format = ImageFormat.tiff

    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        [
            ("seed-rgb.tiff", try SeedImages.encoded(.tiff, width: 10, height: 7)),
            ("seed-rgba.tiff", try SeedImages.encoded(.tiff, width: 5, height: 9, alpha: true)),
        ]
    }
}

package enum HEICFuzzing: ImageDecoderTarget {
    package static let name = "heic"
    package static let format = ImageFormat.heic

    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        [
            ("seed-rgb.heic", try SeedImages.encoded(.heic, width: 16, height: 12, quality: 40)),
            ("seed-rgba.heic", try SeedImages.encoded(.heic, width: 8, height: 8, alpha: true, quality: 40)),
        ]
    }
}

package enum AVIFFuzzing: ImageDecoderTarget {
    package static let name = "avif"
    package static let format = ImageFormat.avif

    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        [
            ("seed-rgb.avif", try SeedImages.encoded(.avif, width: 16, height: 12, quality: 40)),
            ("seed-rgba.avif", try SeedImages.encoded(.avif, width: 8, height: 8, alpha: true, quality: 40)),
        ]
    }
}
