import CImageCodecs
import Dispatch
import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes the formats the local kernels handle: JPEG (libjpeg-turbo), PNG (libpng to
/// read, ISA-L to compress when writing), WebP (libwebp), BMP (by hand), GIF (giflib), TIFF
/// (libtiff), HEIC (libheif with x265) and AVIF (libavif with dav1d and aom).
///
/// Any bytes may be passed to any function here: a file that is not what it claims gives a typed
/// ``ImageError``, and no buffer is allocated before the header's sizes pass ``ImageLimits``.
public enum ImageCodecs {
    /// The format of encoded bytes, from their signature.
    public static func detectFormat(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return .webp }
        if bytes.starts(with: Array("BM".utf8)) { return .bmp }
        if bytes.starts(with: Array("GIF8".utf8)) { return .gif }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        return isoMediaFormat(bytes)
    }

    /// HEIC or AVIF from an ISO base media file's `ftyp` box: its major brand and the compatible
    /// brands it lists. AVIF wins when both are listed (an AVIF also names `mif1`).
    static func isoMediaFormat(_ bytes: [UInt8]) -> ImageFormat? {
        guard bytes.count >= 16, bytes[4..<8].elementsEqual("ftyp".utf8) else { return nil }
        let boxSize = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        let end = min(max(boxSize, 16), bytes.count, 4096)
        var brands: Set<String> = [String(decoding: bytes[8..<12], as: UTF8.self)]
        var at = 16
        while at + 4 <= end {
            brands.insert(String(decoding: bytes[at..<(at + 4)], as: UTF8.self))
            at += 4
        }
        if !brands.isDisjoint(with: ["avif", "avis"]) { return .avif }
        if !brands.isDisjoint(with: ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"]) { return .heic }
        return nil
    }

    /// Width and height from the header, and the format; no pixels decoded.
    public static func dimensions(_ bytes: [UInt8]) throws(ImageError) -> (width: Int, height: Int, format: ImageFormat) {
        let header = try SourceHeader(bytes)
        return (header.width, header.height, header.format)
    }

    /// Decodes a whole image, after checking OSS's limits from the header.
    public static func decode(_ bytes: [UInt8], channels wanted: Int? = nil) throws(ImageError) -> (Bitmap, ImageFormat) {
        try decode(bytes, channels: wanted, budget: .unbounded)
    }

    /// `tone`: every colour sample through this 256-entry table as well, the bitmap
    /// ``ImageKernels/applyTable(_:_:budget:)`` would make of the decoded one. A JPEG's band
    /// decoders map their rows as they write them (no pass of its own); other formats are mapped
    /// after decoding.
    static func decode(_ bytes: [UInt8], channels wanted: Int?, tone: [UInt8]? = nil, budget: ImageWorkBudget) throws(ImageError) -> (Bitmap, ImageFormat) {
        let (bitmap, format) = try decodeMappingJPEG(bytes, channels: wanted, tone: tone, budget: budget)
        guard let tone, format != .jpg else { return (bitmap, format) }
        return (try ImageKernels.applyTable(bitmap, tone, budget: budget), format)
    }

    /// ``decode(_:channels:tone:budget:)``, with `tone` applied to a JPEG only.
    private static func decodeMappingJPEG(_ bytes: [UInt8], channels wanted: Int?, tone: [UInt8]?,
                                          budget: ImageWorkBudget) throws(ImageError) -> (Bitmap, ImageFormat) {
        guard bytes.count <= ImageLimits.maximumSourceBytes else {
            throw ImageError.tooLarge("The source is \(bytes.count) bytes; image processing reads at most 20 MB.")
        }
        if let wanted, wanted != 3, wanted != 4 { throw .invalidArgument("A decode gives 3 or 4 channels, not \(wanted).") }
        let header = try SourceHeader(bytes)
        let (width, height) = (header.width, header.height)
        try ImageLimits.check(width: width, height: height)
        let profile = try DecodeProfile(bytes, header: header)
        try budget.admitDecode(width: width, height: height)
        let channels = wanted ?? profile.defaultChannels
        switch header.format {
        case .jpg:
            let bitmap = try decodeJPEGRegion(bytes, x: 0, y: 0, width: width, height: height, channels: channels,
                                              bands: profile.multiScanJPEG ? 1 : nil, tone: tone, budget: budget)
            return (bitmap, .jpg)
        case .png:
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            try budget.checkpoint()
            let (pixels, status) = decoderOutput(count: width * height * channels) {
                oss_png_decode(bytes, bytes.count, Int32(channels), $0.baseAddress, $0.count, budget.stop, &error)
            }
            guard status == 0 else { throw budget.codecFailure(status, ImageError.decode(text(error))) }
            return (Bitmap(trustedWidth: width, height: height, channels: channels, pixels: pixels), .png)
        case .webp:
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            try budget.checkpoint()
            let (pixels, status) = decoderOutput(count: width * height * channels) {
                oss_webp_decode(bytes, bytes.count, Int32(channels), $0.baseAddress, $0.count, budget.stop, &error)
            }
            guard status == 0 else { throw budget.codecFailure(status, ImageError.decode(text(error))) }
            return (Bitmap(trustedWidth: width, height: height, channels: channels, pixels: pixels), .webp)
        case .bmp:
            var bitmap = try BMPCodec.decode(bytes, budget: budget)
            if let wanted, wanted != bitmap.channels { bitmap = wanted == 4 ? bitmap.withAlpha() : bitmap.flattened() }
            return (bitmap, .bmp)
        case .gif:
            // A still: the first frame (see ProcessPlan for when an animation is kept).
            return (try GIFCodec.decodeFirstFrame(bytes, channels: channels, budget: budget), .gif)
        case .tiff:
            return (try TIFFCodec.decode(bytes, width: width, height: height, channels: channels, budget: budget), .tiff)
        case .heic:
            return (try HEIFCodec.decode(bytes, width: width, height: height, channels: channels, budget: budget), .heic)
        case .avif:
            return (try AVIFCodec.decode(bytes, width: width, height: height, channels: channels, budget: budget), .avif)
        }
    }

    /// Decodes only a rectangle of a JPEG: rows above are skipped, columns outside the iMCUs that
    /// hold the rectangle are not decoded, and decoding stops after the last row. A tall rectangle
    /// is cut into horizontal bands decoded on all cores (each band's decoder skips to its rows).
    /// The rectangle must lie inside the image.
    public static func decodeJPEGRegion(_ bytes: [UInt8], x: Int, y: Int, width: Int, height: Int, channels: Int) throws(ImageError) -> Bitmap {
        try decodeJPEGRegion(bytes, x: x, y: y, width: width, height: height, channels: channels, bands: nil, budget: .unbounded)
    }

    /// `bands`: nil to choose from the height; 1 for a multi-scan JPEG, whose every band decoder
    /// would hold and decode all of the image's coefficients.
    ///
    /// `scaleEighths` (1...8): decode the image libjpeg-turbo's scaled inverse DCT makes at that
    /// many eighths of each side (``jpegScaledSide(_:eighths:)``), the rectangle in its pixels.
    ///
    /// `entropySplit`: a whole image at 1, 2 or 4 eighths goes to
    /// ``decodeJPEGScaledSplit(_:scaleEighths:channels:parts:budget:)``, whatever `bands` says,
    /// its parts side by side when the job has more than one core; false keeps to libjpeg alone
    /// (the tests' reference).
    ///
    /// `tone`: a 256-entry table (``ImageKernels/toneTable(for:)``) every colour sample goes
    /// through, the bitmap ``ImageKernels/applyTable(_:_:budget:)`` would make of the decoded one;
    /// the band decoders map their rows as they write them.
    static func decodeJPEGRegion(_ bytes: [UInt8], x: Int, y: Int, width: Int, height: Int, channels: Int,
                                 bands chosen: Int?, scaleEighths: Int = 8, entropySplit: Bool = true, tone: [UInt8]? = nil,
                                 budget: ImageWorkBudget) throws(ImageError) -> Bitmap {
        precondition(tone.map { $0.count == 256 } ?? true, "a tone table has 256 entries")
        guard bytes.count <= ImageLimits.maximumSourceBytes else {
            throw ImageError.tooLarge("The source is \(bytes.count) bytes; image processing reads at most 20 MB.")
        }
        guard (1...8).contains(scaleEighths) else { throw .invalidArgument("A JPEG decodes at 1 to 8 eighths of its size, not \(scaleEighths).") }
        let info = try JPEGHeader.read(bytes)
        try ImageLimits.check(width: Int(info.width), height: Int(info.height))
        let imageWidth = jpegScaledSide(Int(info.width), eighths: scaleEighths), imageHeight = jpegScaledSide(Int(info.height), eighths: scaleEighths)
        guard channels == 3 || channels == 4 else { throw .invalidArgument("A decode gives 3 or 4 channels, not \(channels).") }
        guard x >= 0, y >= 0, width > 0, height > 0, x < imageWidth, y < imageHeight, width <= imageWidth - x, height <= imageHeight - y else {
            throw .invalidArgument("The region \(width)x\(height) at (\(x), \(y)) is not inside the \(imageWidth)x\(imageHeight) JPEG.")
        }
        try budget.admitDecode(width: width, height: height)
        let multiScan = info.multi_scan != 0
        let cores = ImageParallelism.cores
        try budget.checkpoint()
        // The split decoder even on one core: its own Huffman decoding, which only parses the ACs a
        // scaled IDCT drops, is faster than libjpeg's there too.
        if entropySplit, !multiScan, x == 0, y == 0, width == imageWidth, height == imageHeight,
           let bitmap = try decodeJPEGScaledSplit(bytes, scaleEighths: scaleEighths, channels: channels, parts: min(cores, 4), budget: budget) {
            guard let tone else { return bitmap }
            return try ImageKernels.applyTable(bitmap, tone, budget: budget)
        }
        let bands = chosen ?? (multiScan ? 1 : (height >= 512 ? min(cores, 4) : 1))
        // Bands of a whole-width full-size decode share one Huffman decode made on all cores, so
        // that none of them entropy-decodes the rows above its own; a region on one decoder takes
        // the MCUs down to it from one, for the rows above it not to be decoded on one core.
        let split = entropySplit && !multiScan && scaleEighths == 8
        let coefficients = split && bands > 1 && x == 0 && width == imageWidth
            ? try fullSizeCoefficients(bytes, channels: channels, parts: bands, budget: budget)
            : split && bands == 1 ? try regionCoefficients(bytes, imageHeight: imageHeight, rows: y..<(y + height), channels: channels, budget: budget) : nil
        defer { if let coefficients { oss_jpeg_split_close(coefficients) } }
        nonisolated(unsafe) let shared = coefficients
        let rowBytes = width * channels
        var failures: [(Int32, String)] = []
        // A copy the band threads read for as long as they run.
        let toneCopy = tone.map { table -> UnsafeMutablePointer<UInt8> in
            let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
            copy.initialize(from: table, count: 256)
            return copy
        }
        defer { toneCopy?.deallocate() }
        nonisolated(unsafe) let toneTable = toneCopy.map { UnsafePointer($0) }
        let (pixels, _) = decoderOutput(count: width * height * channels) { buffer -> Int32 in
            nonisolated(unsafe) let base = buffer.baseAddress!
            let messages = UnsafeMutableBufferPointer<(Int32, String)?>.allocate(capacity: bands)
            messages.initialize(repeating: nil)
            // Deinitialised before it is freed: a band's error message is a String it owns
            // (the fuzzer's JPEG target found it leaking when a corrupt file failed in a band).
            defer { _ = messages.deinitialize(); messages.deallocate() }
            nonisolated(unsafe) let results = messages
            // With shared coefficients a skipped row costs next to nothing: equal bands.
            let share = coefficients != nil ? 0
                : scaleEighths == 8 ? jpegSkipShare(bytes: bytes.count, imageWidth: imageWidth, imageHeight: imageHeight, regionWidth: width) : 0.4
            let starts = jpegBandStarts(height: height, bands: bands, skipShare: share)
            ImageParallelism.forEach(bands) { band in
                let first = starts[band], end = starts[band + 1]
                guard end > first else { return }
                var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
                let status = oss_jpeg_decode_scaled_region(bytes, bytes.count, Int32(scaleEighths), Int32(x), Int32(y + first), Int32(width), Int32(end - first),
                                                           Int32(channels), toneTable, shared, base + first * rowBytes,
                                                           (end - first) * rowBytes, budget.stop, &error)
                if status != 0 { results[band] = (status, text(error)) }
            }
            failures = messages.compactMap { $0 }
            return failures.isEmpty ? 0 : -1
        }
        if coefficients != nil, failures.contains(where: { $0.0 == OSS_JPEG_SPLIT_SHORT }) {
            // The split stopped above a row libjpeg asked for (it never should): libjpeg alone.
            return try decodeJPEGRegion(bytes, x: x, y: y, width: width, height: height, channels: channels, bands: chosen,
                                        entropySplit: false, tone: tone, budget: budget)
        }
        if let (status, message) = failures.first { throw budget.codecFailure(status, ImageError.decode(message)) }
        return Bitmap(trustedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// A full-size baseline JPEG's coefficients, Huffman-decoded in `parts` side by side
    /// (JPEGSplitDecode.c), for band decoders to share; close it with `oss_jpeg_split_close`. nil
    /// when the split decoder does not take the file or gave up: the bands then decode with
    /// libjpeg alone, which reproduces whatever libjpeg does with such data.
    static func fullSizeCoefficients(_ bytes: [UInt8], channels: Int, parts: Int, budget: ImageWorkBudget) throws(ImageError) -> OpaquePointer? {
        try joinedSplit(bytes, budget: budget) { data, count, handle, error in
            oss_jpeg_split_open(data, count, 8, Int32(channels), Int32(min(max(parts, 1), 8)), budget.stop, &handle, &error)
        }
    }

    /// The coefficients of the region of rows `rows` only, for its one decoder
    /// (`oss_jpeg_split_open_rows`): the data above the region parsed in `parts` side by side, then
    /// the region's MCUs decoded in as many pieces. Close it with `oss_jpeg_split_close`; nil as
    /// ``fullSizeCoefficients(_:channels:parts:budget:)``.
    static func regionCoefficients(_ bytes: [UInt8], rows: Range<Int>, channels: Int, parts: Int,
                                   budget: ImageWorkBudget) throws(ImageError) -> OpaquePointer? {
        let parts = min(max(parts, 1), 8)
        guard rows.lowerBound >= 0, rows.upperBound > rows.lowerBound,
              let handle = try joinedSplit(bytes, budget: budget, open: { data, count, handle, error in
                  oss_jpeg_split_open_rows(data, count, Int32(channels), Int32(parts), Int32(clamping: rows.lowerBound), Int32(clamping: rows.upperBound),
                                           budget.stop, &handle, &error)
              })
        else { return nil }
        nonisolated(unsafe) let split = handle
        ImageParallelism.forEach(Int(oss_jpeg_split_region_pieces(split, Int32(parts)))) { piece in oss_jpeg_split_decode_region(split, Int32(piece)) }
        guard oss_jpeg_split_region_complete(split) != 0 else {
            oss_jpeg_split_close(handle)
            try budget.checkpoint()
            return nil
        }
        return handle
    }

    /// ``regionCoefficients(_:rows:channels:parts:budget:)`` on every core for a region decoded by
    /// one decoder (a circle, a crop), when the job has more than one: libjpeg alone would
    /// Huffman-decode every row above the region on one core only to skip it. nil when the data
    /// above the region is too little to be worth it (under 128 KiB, taken as even).
    static func regionCoefficients(_ bytes: [UInt8], imageHeight: Int, rows: Range<Int>, channels: Int,
                                   budget: ImageWorkBudget) throws(ImageError) -> OpaquePointer? {
        let cores = ImageParallelism.cores
        guard cores > 1, imageHeight > 0, bytes.count / imageHeight * min(rows.upperBound, imageHeight) >= 128 << 10 else { return nil }
        return try regionCoefficients(bytes, rows: rows, channels: channels, parts: min(cores, 4), budget: budget)
    }

    /// A split decode opened by `open` (given the data, its size, the handle to set and the error
    /// buffer), its parts decoded side by side, then joined: the joined decode (close it with
    /// `oss_jpeg_split_close`), or nil when the split decoder does not take the file or gave up.
    static func joinedSplit(_ bytes: [UInt8], budget: ImageWorkBudget,
                            open: (UnsafePointer<UInt8>?, Int, inout OpaquePointer?, inout [CChar]) -> Int32) throws(ImageError) -> OpaquePointer? {
        var status: Int32 = 1
        var joined: OpaquePointer?
        bytes.withUnsafeBufferPointer { data in
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            var handle: OpaquePointer?
            guard open(data.baseAddress, data.count, &handle, &error) == 0, let handle else { return }
            nonisolated(unsafe) let split = handle
            ImageParallelism.forEach(Int(oss_jpeg_split_parts(split))) { part in oss_jpeg_split_decode_part(split, Int32(part)) }
            status = oss_jpeg_split_join(split)
            if status == 0 { joined = handle } else { oss_jpeg_split_close(handle) }
        }
        if status == OSS_CODEC_STOPPED { throw budget.stopError }
        return joined
    }

    /// A whole JPEG shrunk on load to 1, 2 or 4 eighths, its Huffman decoding split into `parts`
    /// decoded on as many cores (JPEGSplitDecode.c): a scaled decode is mostly Huffman decoding,
    /// which libjpeg does on one core and band decoders must each repeat for every row above
    /// theirs. The pixels are those of ``decodeJPEGRegion(_:x:y:width:height:channels:)`` at the
    /// same scale. nil when the file is not a baseline JPEG this decoder takes, or the decoder gave
    /// up (a marker or the end of the data before the last block, a code no table has): decode it
    /// with libjpeg alone, which reproduces whatever libjpeg does with such data.
    static func decodeJPEGScaledSplit(_ bytes: [UInt8], scaleEighths: Int, channels: Int, parts: Int,
                                      budget: ImageWorkBudget) throws(ImageError) -> Bitmap? {
        guard [1, 2, 4].contains(scaleEighths), channels == 3 || channels == 4, (1...8).contains(parts),
              let handle = try joinedSplit(bytes, budget: budget, open: { data, count, handle, error in
                  oss_jpeg_split_open(data, count, Int32(scaleEighths), Int32(channels), Int32(parts), budget.stop, &handle, &error)
              })
        else { return nil }
        defer { oss_jpeg_split_close(handle) }
        nonisolated(unsafe) let split = handle
        let used = Int(oss_jpeg_split_parts(split))
        var width: Int32 = 0, height: Int32 = 0
        oss_jpeg_split_size(split, &width, &height)
        let rows = oss_jpeg_split_mcu_rows(split)
        let (pixels, finished) = decoderOutput(count: Int(width) * Int(height) * channels) { buffer -> Int32 in
            nonisolated(unsafe) let base = buffer.baseAddress!
            let statuses = UnsafeMutableBufferPointer<Int32>.allocate(capacity: used)
            defer { statuses.deallocate() }
            nonisolated(unsafe) let results = statuses // each part writes its own element
            ImageParallelism.forEach(used) { part in
                results[part] = oss_jpeg_split_finish_rows(split, rows * part / used, rows * (part + 1) / used, base)
            }
            return statuses.allSatisfy { $0 == 0 } ? 0 : -1
        }
        // Out of memory (-1) here is worth one more try with libjpeg's smaller footprint: nil.
        guard finished == 0 else { return nil }
        return Bitmap(trustedWidth: Int(width), height: Int(height), channels: channels, pixels: pixels)
    }

    /// Where each of `bands` band decoders starts, and (last) `height`: bands that end at the same
    /// time. Band k entropy-decodes every row above its first (a sequential JPEG has no other way
    /// to reach them) before it decodes its own, so equal bands leave the last one the slowest;
    /// with `skipShare` the part of a row's decoding that is entropy decoding, band k costs
    /// `skipShare × start + rows`, and the bands are made of equal cost: later bands shorter.
    /// ``jpegSkipShare(bytes:imageWidth:imageHeight:regionWidth:)`` models it at full size; the rows
    /// decoded are the same whatever the split.
    static func jpegBandStarts(height: Int, bands: Int, skipShare: Double) -> [Int] {
        guard bands > 1, height > 0, skipShare > 0, skipShare < 1 else { return (0...max(1, bands)).map { height * $0 / max(1, bands) } }
        let keep = 1 - skipShare
        // Equal cost C: start(k + 1) = keep × start(k) + C, start(0) = 0, start(bands) = height.
        let cost = Double(height) * skipShare / (1 - pow(keep, Double(bands)))
        var starts = [0]
        for band in 1..<bands {
            let start = Int((cost * (1 - pow(keep, Double(band))) / skipShare).rounded())
            starts.append(min(max(start, starts[band - 1]), height))
        }
        starts.append(height)
        return starts
    }

    /// The part of a full-size region row's decoding that skipping the row costs too (its entropy
    /// decoding), for ``jpegBandStarts(height:bands:skipShare:)``.
    ///
    /// Entropy decoding costs by the bits, the rest of a decode by the pixels decoded: a skipped
    /// row costs k × bpp × imageWidth, a decoded one that plus regionWidth. Measured with
    /// libjpeg-turbo 2.1.5 on one core, skipping the top half of a baseline 4:2:0 JPEG, k is near
    /// 0.68 a bit: shares of 0.59-0.63 at 2.24-2.29 bits a pixel (photo-like 1200×800 to
    /// 4000×3000 at q90), 0.46 at 1.27 (the iOS SDK's 720×720 photo). A fixed 0.25, the guess
    /// this replaced, put too many rows in the last band.
    static func jpegSkipShare(bytes: Int, imageWidth: Int, imageHeight: Int, regionWidth: Int) -> Double {
        let pixels = Double(max(1, imageWidth)) * Double(max(1, imageHeight))
        let skipped = 0.68 * Double(bytes) * 8 / pixels * Double(imageWidth)
        return min(0.9, max(0.1, skipped / (skipped + Double(max(1, regionWidth)))))
    }

    /// A side of a JPEG decoded at `eighths`/8 of its size: libjpeg's jdiv_round_up(side × n, 8).
    static func jpegScaledSide(_ side: Int, eighths: Int) -> Int {
        (side * eighths + 7) / 8
    }

    /// JPEG in, circle, JPEG out, without holding the decoded image: decoding and encoding run on
    /// two threads through a ring of rows, each row masked to the circle's span (white outside).
    /// `geometry` must be ``ImageKernels/CircleGeometry``'s for this JPEG's size.
    public static func transcodeJPEGCircle(_ bytes: [UInt8], geometry: ImageKernels.CircleGeometry, options: EncodeOptions) throws(ImageError) -> [UInt8] {
        try transcodeJPEGCircle(bytes, geometry: geometry, options: options, budget: .unbounded)
    }

    static func transcodeJPEGCircle(_ bytes: [UInt8], geometry: ImageKernels.CircleGeometry, options: EncodeOptions,
                                    budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        let (width, height, _) = try dimensions(bytes)
        try ImageLimits.check(width: width, height: height)
        guard geometry == ImageKernels.CircleGeometry(width: width, height: height, requestedRadius: geometry.radius) else {
            throw .invalidArgument("The circle geometry \(geometry) does not belong to a \(width)x\(height) JPEG.")
        }
        try budget.admitDecode(width: geometry.side, height: geometry.side)
        var left = [Int32](repeating: 0, count: geometry.side)
        var right = [Int32](repeating: 0, count: geometry.side)
        for row in 0..<geometry.side {
            let half = ImageKernels.circleHalfWidth(row: row, radius: geometry.radius)
            left[row] = Int32(half < 0 ? 0 : geometry.radius - half)
            right[row] = Int32(half < 0 ? 0 : geometry.radius + half + 1)
        }
        try budget.checkpoint()
        // The rows above the circle Huffman-decoded on every core (``regionCoefficients``).
        let coefficients = try regionCoefficients(bytes, imageHeight: height, rows: geometry.originY..<(geometry.originY + geometry.side), channels: 3,
                                                  budget: budget)
        defer { if let coefficients { oss_jpeg_split_close(coefficients) } }
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        func transcode(_ shared: OpaquePointer?) -> Int32 {
            oss_jpeg_masked_transcode(bytes, bytes.count, Int32(geometry.originX), Int32(geometry.originY), Int32(geometry.side), left, right,
                                      Int32(options.quality.clamped(to: 1...100)), options.interlace ? 1 : 0, shared, budget.stop, &out, &size, &error)
        }
        var status = transcode(coefficients)
        // The split stopped above a row libjpeg asked for (it never should): libjpeg alone.
        if status == OSS_JPEG_SPLIT_SHORT { status = transcode(nil) }
        defer { oss_free(out) }
        guard status == 0, let out else { throw budget.codecFailure(status, ImageError.decode(text(error))) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Encoding settings beyond the format.
    public struct EncodeOptions: Sendable, Hashable {
        /// JPEG/WebP quality, 1...100 (values outside are clamped).
        public var quality: Int = 85
        /// Progressive JPEG.
        public var interlace = false
        /// ISA-L igzip level for PNG, 0...3. With per-row adaptive filters, level 1 already beats
        /// zlib level 6 in size on photographs (see the circle benchmark) at many times the speed.
        public var pngLevel = 1
        /// Whether a tall baseline JPEG may be encoded in bands on all cores, joined with restart
        /// markers (``JPEGBandEncoder``). Off for the generated benchmark and test sources, so they
        /// stay the one-pass encoder's files (libjpeg-turbo decodes a file with restart markers on
        /// its slower Huffman path, which would tilt a comparison).
        var restartBands = true

        /// Quality 85, baseline JPEG, PNG level 1 unless told otherwise.
        public init(quality: Int = 85, interlace: Bool = false, pngLevel: Int = 1) {
            self.quality = quality
            self.interlace = interlace
            self.pngLevel = pngLevel
        }
    }

    /// Encodes a bitmap. JPEG has no alpha: transparent pixels are flattened onto white, as OSS does.
    public static func encode(_ bitmap: Bitmap, as format: ImageFormat, options: EncodeOptions = EncodeOptions()) throws(ImageError) -> [UInt8] {
        try encode(bitmap, as: format, options: options, budget: .unbounded)
    }

    static func encode(_ bitmap: Bitmap, as format: ImageFormat, options: EncodeOptions, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        try budget.checkpoint()
        let quality = Int32(options.quality.clamped(to: 1...100))
        switch format {
        case .jpg:
            let rgb = bitmap.flattened()
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            var out: UnsafeMutablePointer<UInt8>?
            var size = 0
            guard rgb.width <= 65_500, rgb.height <= 65_500 else { throw .invalidArgument("A JPEG is at most 65500 pixels a side; this image is \(rgb.width)x\(rgb.height).") }
            if !options.interlace, options.restartBands, let banded = try JPEGBandEncoder.encode(rgb, quality: quality, budget: budget) { return banded }
            let status = rgb.pixels.withUnsafeBufferPointer {
                oss_jpeg_encode($0.baseAddress, Int32(rgb.width), Int32(rgb.height), 3, quality, options.interlace ? 1 : 0, budget.stop, &out, &size, &error)
            }
            defer { oss_free(out) }
            guard status == 0, let out else {
                throw budget.codecFailure(status, ImageError(code: "InternalError", message: "JPEG encoding failed: \(text(error))", status: 500))
            }
            return Array(UnsafeBufferPointer(start: out, count: size))
        case .png:
            return try PNGEncoder.encode(bitmap, level: options.pngLevel, budget: budget)
        case .webp:
            guard bitmap.width <= ImageLimits.maximumWebPSide, bitmap.height <= ImageLimits.maximumWebPSide else {
                throw .invalidArgument("WebP is at most \(ImageLimits.maximumWebPSide) pixels a side; this image is \(bitmap.width)x\(bitmap.height).")
            }
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            var out: UnsafeMutablePointer<UInt8>?
            var size = 0
            let status = bitmap.pixels.withUnsafeBufferPointer {
                oss_webp_encode($0.baseAddress, Int32(bitmap.width), Int32(bitmap.height), Int32(bitmap.channels), quality, OSS_WEBP_EFFORT,
                                Int32(ImageParallelism.cores), budget.stop, &out, &size, &error)
            }
            defer { oss_webp_free(out) }
            guard status == 0, let out else {
                throw budget.codecFailure(status, ImageError(code: "InternalError", message: "WebP encoding failed: \(text(error))", status: 500))
            }
            return Array(UnsafeBufferPointer(start: out, count: size))
        case .bmp:
            return try BMPCodec.encode(bitmap, budget: budget)
        case .gif:
            return try GIFCodec.encode(bitmap, budget: budget)
        case .tiff:
            return try TIFFCodec.encode(bitmap, budget: budget)
        case .heic:
            return try HEIFCodec.encode(bitmap, quality: Int(quality), budget: budget)
        case .avif:
            return try AVIFCodec.encode(bitmap, quality: Int(quality), budget: budget)
        }
    }

    /// A buffer of `count` bytes for a decoder that writes every byte when it succeeds: not
    /// zero-filled first (for a 250 MP image that fill alone is a second pass over 750 MB, and
    /// one no stop can interrupt). On failure the bytes are thrown away unread.
    static func decoderOutput(count: Int, _ decode: (UnsafeMutableBufferPointer<UInt8>) -> Int32) -> ([UInt8], Int32) {
        var status: Int32 = -1
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = decode(buffer)
            initialized = count
        }
        return (pixels, status)
    }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Comparable {
    func clamped(to bounds: ClosedRange<Self>) -> Self { min(max(self, bounds.lowerBound), bounds.upperBound) }
}
