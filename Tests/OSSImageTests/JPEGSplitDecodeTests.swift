import CImageCodecs
import Testing

@testable import OSSImage

/// The split entropy decode (JPEGSplitDecode.c): later parts start at guessed MCU boundaries in
/// the middle of the data and are joined where the decode before them falls into step. Whatever
/// the file, its pixels are libjpeg's alone, or the decoder declines and libjpeg decodes.
@Suite("JPEG split entropy decoding")
struct JPEGSplitDecodeTests {
    /// libjpeg alone, one band: the reference.
    static func reference(_ jpeg: [UInt8], eighths: Int, channels: Int = 3) throws -> Bitmap {
        let info = try ImageCodecs.dimensions(jpeg)
        return try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 0, width: ImageCodecs.jpegScaledSide(info.width, eighths: eighths),
                                                height: ImageCodecs.jpegScaledSide(info.height, eighths: eighths), channels: channels,
                                                bands: 1, scaleEighths: eighths, entropySplit: false, budget: .unbounded)
    }

    static func split(_ jpeg: [UInt8], eighths: Int, parts: Int, channels: Int = 3) throws -> Bitmap? {
        try ImageCodecs.decodeJPEGScaledSplit(jpeg, scaleEighths: eighths, channels: channels, parts: parts, budget: .unbounded)
    }

    struct Layout: CustomStringConvertible, Sendable {
        var width: Int, height: Int, grey = false, sampling = (2, 2), optimize = false, quality = 90
        var description: String { "\(width)x\(height)\(grey ? " grey" : "") \(sampling.0)x\(sampling.1)\(optimize ? " optimised" : "") q\(quality)" }
    }

    static let layouts: [Layout] = [
        Layout(width: 1600, height: 1200),
        Layout(width: 1601, height: 1199, quality: 97),
        Layout(width: 1203, height: 917, sampling: (1, 1)),
        Layout(width: 1500, height: 1001, grey: true),
        Layout(width: 1333, height: 999, optimize: true, quality: 75),
        Layout(width: 999, height: 1501, sampling: (1, 1), optimize: true),
        Layout(width: 37, height: 23),
    ]

    @Test("every layout it takes, at every scale and part count: libjpeg's pixels", arguments: layouts)
    func samePixels(_ layout: Layout) throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: layout.width, height: layout.height, seed: UInt64(layout.width), quality: layout.quality,
                                                  grey: layout.grey, sampling: layout.sampling, optimize: layout.optimize)
        for eighths in [1, 2, 4] {
            let expected = try Self.reference(jpeg, eighths: eighths)
            for parts in 1...4 {
                let decoded = try #require(try Self.split(jpeg, eighths: eighths, parts: parts), "\(layout) declined at \(eighths)/8")
                #expect(decoded.width == expected.width && decoded.height == expected.height)
                let same = decoded.pixels == expected.pixels
                #expect(same, "\(layout) at \(eighths)/8 in \(parts) parts")
            }
        }
        // RGBA too: the same colours, opaque.
        let rgba = try #require(try Self.split(jpeg, eighths: 2, parts: 2, channels: 4))
        let same = rgba.pixels == (try Self.reference(jpeg, eighths: 2, channels: 4)).pixels
        #expect(same, "\(layout) as RGBA")
    }

    @Test("the official SDKs' sequential fixtures: libjpeg's pixels", .enabled(if: Fixtures.present, "needs /work/shared/fixtures/oss-image"),
          arguments: ["oss2-example.jpg", "ossios-hasky.jpeg"])
    func fixtures(_ name: String) throws {
        let jpeg = try Fixtures.read(name)
        for eighths in [1, 2, 4] {
            let expected = try Self.reference(jpeg, eighths: eighths)
            for parts in [2, 3] {
                let decoded = try #require(try Self.split(jpeg, eighths: eighths, parts: parts))
                let same = decoded.pixels == expected.pixels
                #expect(same, "\(name) at \(eighths)/8 in \(parts) parts")
            }
        }
    }

    @Test("the plan counts what the decoder holds: its records and coefficients at every scale, at most the estimate", arguments: layouts)
    func heldBytesWithinThePlan(_ layout: Layout) throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: layout.width, height: layout.height, seed: UInt64(layout.width), quality: layout.quality,
                                                  grey: layout.grey, sampling: layout.sampling, optimize: layout.optimize)
        try Self.checkHeldBytes(jpeg, "\(layout)")
    }

    @Test("the plan counts what the decoder holds of the official SDKs' fixtures", .enabled(if: Fixtures.present, "needs /work/shared/fixtures/oss-image"),
          arguments: ["oss2-example.jpg", "ossios-hasky.jpeg"])
    func heldBytesOfFixtures(_ name: String) throws {
        try Self.checkHeldBytes(try Fixtures.read(name), name)
    }

    /// A grey baseline JPEG whose every block is 3 bits (a one-code DC table, "0", and an
    /// end-of-block "00"): a decoder started at any bit decodes on without an error, and one
    /// started a bit or two off a block's start never falls into step with the true decode.
    static func neverInStepJPEG(width: Int, height: Int) -> [UInt8] {
        let bits = ((width + 7) / 8) * ((height + 7) / 8) * 3
        var data = [UInt8](repeating: 0, count: (bits + 7) / 8)
        if bits % 8 != 0 { data[data.count - 1] = UInt8((1 << (8 - bits % 8)) - 1) } // padded with ones
        let quantisation: [UInt8] = [0] + [UInt8](repeating: 1, count: 64)
        let frame: [UInt8] = [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0]
        let dc = huffmanTable(0x00, [1], [0])    // symbol 0, code "0"
        let ac = huffmanTable(0x10, [2], [0x00]) // end of block, code "00"
        return [0xFF, 0xD8] + segment(0xDB, quantisation) + segment(0xC0, frame) + segment(0xC4, dc) + segment(0xC4, ac)
            + segment(0xDA, [1, 1, 0x00, 0, 63, 0]) + data + [0xFF, 0xD9]
    }

    @Test("parts that never fall into step hold nothing once the join has decoded past them")
    func neverInStep() throws {
        // 50,000 blocks in 18,750 bytes: four parts start 37,496 bits apart, so parts 1 and 2
        // start a bit or two off a block (37,496 and 74,992 are not multiples of 3) and part 3 on one.
        let jpeg = Self.neverInStepJPEG(width: 2000, height: 1600)
        let expected = try Self.reference(jpeg, eighths: 1)
        let decoded = try #require(try Self.split(jpeg, eighths: 1, parts: 4))
        #expect(decoded.pixels == expected.pixels)
        try Self.checkHeldBytes(jpeg, "never in step", parts: [4])
    }

    static func checkHeldBytes(_ jpeg: [UInt8], _ name: String, parts counts: [Int] = [1, 2, 4]) throws {
        let header = try SourceHeader(jpeg)
        let profile = try DecodeProfile(jpeg, header: header)
        for eighths in [1, 2, 4, 8] {
            let start: ProcessPlan.Start = eighths == 8 ? .full(orientation: 1) : .jpegScaled(eighths: eighths, orientation: 1, bands: nil)
            let estimate = ProcessPlan.splitDecodeBytes(start, source: jpeg, header: header, profile: profile)
            for parts in counts {
                let handle = try #require(try ImageCodecs.joinedSplit(jpeg, budget: .unbounded) { data, count, handle, error in
                    oss_jpeg_split_open(data, count, Int32(eighths), 3, Int32(parts), nil, &handle, &error)
                }, "\(name) declined at \(eighths)/8")
                let held = oss_jpeg_split_held_bytes(handle)
                oss_jpeg_split_close(handle)
                #expect(held > 0 && held <= estimate, "\(name) at \(eighths)/8 in \(parts) parts: holds \(held) bytes, the plan counts \(estimate)")
                // And no mere upper bound: at 1/8 without ACs (a record an MCU and a DC a block)
                // within a quarter, elsewhere within 3 times for photos.
                let slack = eighths == 1 && !profile.jpegReadsACsAtOneEighth ? held / 4 : 2 * held
                if held > 64 << 10 { #expect(estimate <= held + slack, "\(name) at \(eighths)/8: \(estimate) counted for \(held) held") }
            }
        }
    }

    @Test("declines what it does not reproduce: progressive scans, restart markers, other scales")
    func declines() throws {
        let progressive = try FormatTestFiles.layoutJPEG(width: 640, height: 480, seed: 3, progressive: true)
        let restarts = try FormatTestFiles.layoutJPEG(width: 640, height: 480, seed: 3, restartRows: 2)
        #expect(try Self.split(progressive, eighths: 1, parts: 2) == nil)
        #expect(try Self.split(restarts, eighths: 1, parts: 2) == nil)
        // 4:2:2 chroma needs libjpeg's upsampling at every scale.
        let horizontal = try FormatTestFiles.layoutJPEG(width: 640, height: 480, seed: 3, sampling: (2, 1))
        for eighths in [1, 2, 4] { #expect(try Self.split(horizontal, eighths: eighths, parts: 2) == nil) }
        let plain = try FormatTestFiles.layoutJPEG(width: 640, height: 480, seed: 3)
        #expect(try Self.split(plain, eighths: 3, parts: 2) == nil)
        #expect(try Self.split(plain, eighths: 8, parts: 2) == nil)
        // The whole-image scaled decode still gives libjpeg's pixels for each of them.
        for jpeg in [progressive, restarts, horizontal] {
            let expected = try Self.reference(jpeg, eighths: 1)
            let decoded = try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: 0, width: 80, height: 60, channels: 3, bands: nil, scaleEighths: 1,
                                                           budget: .unbounded)
            let same = decoded.pixels == expected.pixels
            #expect(same)
        }
    }

    /// Damaged data: bytes changed or cut anywhere in the entropy-coded data. The decoder must
    /// never crash and never differ from libjpeg: it gives libjpeg's pixels or declines.
    @Test("damaged data: libjpeg's pixels or a decline, never different pixels")
    func damaged() throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: 480, height: 360, seed: 9, quality: 85)
        var random = HostileFuzzTests.Generator(state: 77)
        var declined = 0, decoded = 0
        for round in 0..<300 {
            var bytes = jpeg
            let from = 700 // past the headers
            switch round % 5 {
            case 0: // one bit
                let at = from + Int(random.next() % UInt64(bytes.count - from - 2))
                bytes[at] ^= UInt8(1 << (random.next() % 8))
            case 1: // a few bytes
                for _ in 0..<3 { bytes[from + Int(random.next() % UInt64(bytes.count - from - 2))] = UInt8(truncatingIfNeeded: random.next()) }
            case 2: // cut short
                bytes = Array(bytes.prefix(from + Int(random.next() % UInt64(bytes.count - from))))
            case 3: // a marker or fill bytes inside the data
                let at = from + Int(random.next() % UInt64(bytes.count - from - 4))
                bytes[at] = 0xFF
                bytes[at + 1] = [0xD0, 0xD9, 0xFF, 0xC4][Int(random.next() % 4)]
            default: // another symbol for a code: runs without sizes, sizes past 10, whatever libjpeg takes
                let values = Self.huffmanValueOffsets(bytes)
                try #require(!values.isEmpty)
                bytes[values[Int(random.next() % UInt64(values.count))]] = UInt8(truncatingIfNeeded: random.next())
            }
            for eighths in [1, 4] {
                guard let expected = try? Self.reference(bytes, eighths: eighths) else { continue }
                guard let split = try Self.split(bytes, eighths: eighths, parts: 1 + round % 3) else {
                    declined += 1
                    continue
                }
                decoded += 1
                let same = split.pixels == expected.pixels
                #expect(same, "round \(round) at \(eighths)/8")
            }
        }
        // Both outcomes happen: most flips still decode, cuts and markers decline.
        #expect(declined > 0 && decoded > 0, "declined \(declined), decoded \(decoded)")
    }

    /// A grey baseline JPEG written symbol by symbol: Huffman tables holding AC symbols no encoder
    /// writes but libjpeg parses (runs without a size, which end the block; sizes past 10; runs
    /// carrying k past 63), and blocks of random symbols parsed the way libjpeg parses them.
    static func handWrittenJPEG(width: Int, height: Int, seed: UInt64) -> [UInt8] {
        var random = HostileFuzzTests.Generator(state: seed)
        let dcSymbols: [UInt8] = Array(0...11)
        let dcLengths = [2, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9]
        let acSymbols: [UInt8] = [0x01, 0x00, 0x02, 0x11, 0x03, 0x21, 0xF0, 0x10, 0x04, 0x31, 0x0B, 0x50, 0x12, 0xE1, 0x1F, 0x0A, 0x22,
                                  0x7F, 0x05, 0x41]
        let acLengths = [2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
        func codes(_ lengths: [Int]) -> [UInt32] {
            var code: UInt32 = 0, result: [UInt32] = [], length = lengths[0]
            for l in lengths {
                code <<= UInt32(l - length)
                length = l
                result.append(code)
                code += 1
            }
            return result
        }
        let dcCodes = codes(dcLengths), acCodes = codes(acLengths)
        var bytes: [UInt8] = [], accumulator: UInt32 = 0, filled = 0
        func put(_ value: UInt32, _ count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) {
                accumulator = accumulator << 1 | (value >> UInt32(i) & 1)
                filled += 1
                if filled == 8 {
                    bytes.append(UInt8(accumulator & 0xFF))
                    if accumulator & 0xFF == 0xFF { bytes.append(0) }
                    accumulator = 0
                    filled = 0
                }
            }
        }
        for _ in 0..<(((width + 7) / 8) * ((height + 7) / 8)) {
            let dc = random.below(dcSymbols.count)
            put(dcCodes[dc], dcLengths[dc])
            put(UInt32(truncatingIfNeeded: random.next()) & ((1 << dcSymbols[dc]) - 1), Int(dcSymbols[dc]))
            var k = 1
            while k < 64 {
                // Mostly short codes, as real data has; now and then any symbol at all.
                let index = random.below(8) == 0 ? random.below(acSymbols.count) : random.below(6)
                let symbol = acSymbols[index], run = Int(symbol >> 4), size = Int(symbol & 15)
                put(acCodes[index], acLengths[index])
                if size > 0 {
                    put(UInt32(truncatingIfNeeded: random.next()) & ((1 << size) - 1), size)
                    k += run + 1
                } else if run == 15 {
                    k += 16
                } else {
                    break
                }
            }
        }
        while filled != 0 { put(1, 1) }
        let quantisation: [UInt8] = [0] + (0..<64).map { UInt8(2 + $0 % 23) }
        let frame: [UInt8] = [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0]
        return [0xFF, 0xD8] + segment(0xDB, quantisation) + segment(0xC0, frame) + segment(0xC4, huffmanTable(0x00, dcLengths, dcSymbols))
            + segment(0xC4, huffmanTable(0x10, acLengths, acSymbols)) + segment(0xDA, [1, 1, 0x00, 0, 63, 0]) + bytes + [0xFF, 0xD9]
    }

    /// A JPEG marker segment: the marker, its length, its body.
    static func segment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0xFF, marker, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
    }

    /// A DHT table: its class and id byte, the count of codes of each length 1...16 (`lengths`
    /// holds one length a symbol, shortest first), then the symbols.
    static func huffmanTable(_ id: UInt8, _ lengths: [Int], _ symbols: [UInt8]) -> [UInt8] {
        [id] + (1...16).map { l in UInt8(lengths.filter { $0 == l }.count) } + symbols
    }

    @Test("hand-written Huffman data with every AC symbol libjpeg takes: libjpeg's pixels", arguments: [1, 2, 3] as [UInt64])
    func handWritten(_ seed: UInt64) throws {
        let jpeg = Self.handWrittenJPEG(width: 520, height: 392, seed: seed)
        for eighths in [1, 2, 4] {
            let expected = try Self.reference(jpeg, eighths: eighths)
            for parts in [1, 2, 3] {
                let decoded = try #require(try Self.split(jpeg, eighths: eighths, parts: parts), "declined at \(eighths)/8")
                let same = decoded.pixels == expected.pixels
                #expect(same, "seed \(seed) at \(eighths)/8 in \(parts) parts")
            }
        }
    }

    /// Where the symbol bytes of every Huffman table (DHT) are, or of the one whose class and id
    /// byte is `table`.
    /// `jpeg` damaged past its headers by round: one bit flipped, cut short, or another symbol for
    /// a Huffman code (the shared-coefficient suites' damaged-data tests).
    static func damage(_ jpeg: [UInt8], round: Int, random: inout HostileFuzzTests.Generator) -> [UInt8] {
        var bytes = jpeg
        let from = 700
        switch round % 3 {
        case 0: bytes[from + Int(random.next() % UInt64(bytes.count - from - 2))] ^= UInt8(1 << (random.next() % 8))
        case 1: bytes = Array(bytes.prefix(from + Int(random.next() % UInt64(bytes.count - from))))
        default:
            let values = huffmanValueOffsets(bytes)
            bytes[values[Int(random.next() % UInt64(values.count))]] = UInt8(truncatingIfNeeded: random.next())
        }
        return bytes
    }

    static func huffmanValueOffsets(_ jpeg: [UInt8], table selected: Int? = nil) -> [Int] {
        var offsets: [Int] = []
        var at = 2
        while at + 4 <= jpeg.count, jpeg[at] == 0xFF, jpeg[at + 1] != 0xDA {
            let length = Int(jpeg[at + 2]) << 8 | Int(jpeg[at + 3])
            if jpeg[at + 1] == 0xC4 {
                var table = at + 4
                while table + 17 <= at + 2 + length {
                    let count = jpeg[(table + 1)...(table + 16)].reduce(0) { $0 + Int($1) }
                    if selected.map({ $0 == Int(jpeg[table]) }) ?? true { offsets += (table + 17)..<min(table + 17 + count, at + 2 + length) }
                    table += 17 + count
                }
            }
            at += 2 + length
        }
        return offsets
    }

    @Test("a stop ends the split decode with the stop's error")
    func stops() throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: 1600, height: 1200, seed: 5)
        let cancellation = ImageCancellation()
        cancellation.cancel()
        let budget = ImageWorkBudget(limits: .oss, cancellation: cancellation)
        do {
            _ = try ImageCodecs.decodeJPEGScaledSplit(jpeg, scaleEighths: 1, channels: 3, parts: 2, budget: budget)
            Issue.record("the split decode ran to its end after the cancellation")
        } catch {
            #expect(error.code == ImageError.processingCancelledCode, "\(error)")
        }
    }
}

/// Full-size band decoders fed by one split Huffman decode (`oss_jpeg_split_attach`): libjpeg's
/// own upsampling and colour conversion on coefficients served from the split decode, each band
/// skipping the rows above it through them. Whatever the layout and the cut, the pixels are the
/// one-pass libjpeg decode's.
@Suite("JPEG full-size bands on shared coefficients")
struct JPEGSharedCoefficientBandTests {
    static let layouts: [JPEGSplitDecodeTests.Layout] = JPEGSplitDecodeTests.layouts + [
        .init(width: 1201, height: 803, sampling: (2, 1)),
        .init(width: 803, height: 1201, sampling: (1, 2)),
        .init(width: 640, height: 515, quality: 100),
    ]

    static func banded(_ jpeg: [UInt8], bands: Int, channels: Int = 3, y: Int = 0, height: Int? = nil, tone: [UInt8]? = nil) throws -> Bitmap {
        let info = try ImageCodecs.dimensions(jpeg)
        return try ImageCodecs.decodeJPEGRegion(jpeg, x: 0, y: y, width: info.width, height: height ?? info.height - y, channels: channels,
                                                bands: bands, tone: tone, budget: .unbounded)
    }

    @Test("every layout, 2 to 4 bands, RGB and RGBA: libjpeg's pixels, from coefficients the split decode made", arguments: layouts)
    func samePixels(_ layout: JPEGSplitDecodeTests.Layout) throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: layout.width, height: layout.height, seed: UInt64(layout.height), quality: layout.quality,
                                                  grey: layout.grey, sampling: layout.sampling, optimize: layout.optimize)
        // The shared decode is really there (a decline would make this test pass on libjpeg alone).
        for parts in [2, 3] {
            let coefficients = try ImageCodecs.fullSizeCoefficients(jpeg, channels: 3, parts: parts, budget: .unbounded)
            #expect(coefficients != nil || layout.width * layout.height < 4096 * 4, "\(layout) declined in \(parts) parts")
            if let coefficients { oss_jpeg_split_close(coefficients) }
        }
        for channels in [3, 4] {
            let expected = try JPEGSplitDecodeTests.reference(jpeg, eighths: 8, channels: channels)
            for bands in 2...4 {
                let decoded = try Self.banded(jpeg, bands: bands, channels: channels)
                let same = decoded.pixels == expected.pixels
                #expect(same, "\(layout) in \(bands) bands, \(channels) channels")
            }
        }
        // Whole-width rectangles lower down: the cursor skips every MCU above them.
        let expected = try JPEGSplitDecodeTests.reference(jpeg, eighths: 8)
        let y = layout.height / 3 | 1, height = max(1, layout.height / 2)
        if y + height <= layout.height, height >= 2 {
            let decoded = try Self.banded(jpeg, bands: 2, y: y, height: height)
            let rowBytes = layout.width * 3
            let same = decoded.pixels[...] == expected.pixels[(y * rowBytes)..<((y + height) * rowBytes)]
            #expect(same, "\(layout) rows \(y)..<\(y + height)")
        }
    }

    @Test("the official SDKs' sequential fixtures: libjpeg's pixels", .enabled(if: Fixtures.present, "needs /work/shared/fixtures/oss-image"),
          arguments: ["oss2-example.jpg", "ossios-hasky.jpeg"])
    func fixtures(_ name: String) throws {
        let jpeg = try Fixtures.read(name)
        let coefficients = try #require(try ImageCodecs.fullSizeCoefficients(jpeg, channels: 3, parts: 2, budget: .unbounded))
        oss_jpeg_split_close(coefficients)
        let expected = try JPEGSplitDecodeTests.reference(jpeg, eighths: 8)
        for bands in [2, 3] {
            let same = try Self.banded(jpeg, bands: bands).pixels == expected.pixels
            #expect(same, "\(name) in \(bands) bands")
        }
    }

    @Test("damaged data: libjpeg's pixels, or its error")
    func damaged() throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: 640, height: 520, seed: 4, quality: 85)
        var random = HostileFuzzTests.Generator(state: 91)
        var shared = 0
        for round in 0..<200 {
            let bytes = JPEGSplitDecodeTests.damage(jpeg, round: round, random: &random)
            if let coefficients = try ImageCodecs.fullSizeCoefficients(bytes, channels: 3, parts: 2, budget: .unbounded) {
                shared += 1
                oss_jpeg_split_close(coefficients)
            }
            let expected = Result { try JPEGSplitDecodeTests.reference(bytes, eighths: 8) }
            let decoded = Result { try Self.banded(bytes, bands: 2) }
            switch (expected, decoded) {
            case let (.success(a), .success(b)):
                let same = a.pixels == b.pixels
                #expect(same, "round \(round)")
            case (.failure, .failure):
                break
            default:
                Issue.record("round \(round): libjpeg alone \(expected), banded \(decoded)")
            }
        }
        #expect(shared > 0, "no damaged file went through the shared decode")
    }

    @Test("a tone table in the decode: the pixels applyTable makes of the plain decode", arguments: [1, 2, 3])
    func tone(_ bands: Int) throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: 700, height: 611, seed: 12)
        let table = ImageKernels.composed(ImageKernels.toneTable(for: .bright(20))!, then: ImageKernels.toneTable(for: .contrast(-35))!)
        for channels in [3, 4] {
            let plain = try JPEGSplitDecodeTests.reference(jpeg, eighths: 8, channels: channels)
            let expected = try ImageKernels.applyTable(plain, table, budget: .unbounded)
            let mapped = try Self.banded(jpeg, bands: bands, channels: channels, tone: table)
            let same = mapped.pixels == expected.pixels
            #expect(same, "\(bands) bands, \(channels) channels")
            #expect(mapped.pixels != plain.pixels)
        }
        // A region (columns cut, rows copied from libjpeg's) and a format that is mapped after decoding.
        let region = try ImageCodecs.decodeJPEGRegion(jpeg, x: 33, y: 17, width: 401, height: 300, channels: 3, bands: bands, tone: table, budget: .unbounded)
        let plainRegion = try ImageCodecs.decodeJPEGRegion(jpeg, x: 33, y: 17, width: 401, height: 300, channels: 3, bands: 1, entropySplit: false,
                                                           budget: .unbounded)
        let sameRegion = region.pixels == (try ImageKernels.applyTable(plainRegion, table, budget: .unbounded)).pixels
        #expect(sameRegion)
        let png = try ImageCodecs.encode(try JPEGSplitDecodeTests.reference(jpeg, eighths: 8), as: .png, options: ImageCodecs.EncodeOptions())
        let (decodedPNG, _) = try ImageCodecs.decode(png, channels: nil, budget: .unbounded)
        let (mappedPNG, _) = try ImageCodecs.decode(png, channels: nil, tone: table, budget: .unbounded)
        let samePNG = mappedPNG.pixels == (try ImageKernels.applyTable(decodedPNG, table, budget: .unbounded)).pixels
        #expect(samePNG)
    }
}

/// A region decoded by one libjpeg decoder (a circle, a crop) on a split decode that stops a row
/// of MCUs below it (oss_jpeg_split_open_rows): the rows above the region are Huffman-decoded on
/// every core, and its pixels are still libjpeg's alone.
@Suite("JPEG regions on a split decode down to them")
struct JPEGRegionSplitTests {
    /// Libjpeg alone, the reference: the region's pixels.
    static func reference(_ jpeg: [UInt8], _ x: Int, _ y: Int, _ width: Int, _ height: Int, channels: Int = 3) throws -> Bitmap {
        try ImageCodecs.decodeJPEGRegion(jpeg, x: x, y: y, width: width, height: height, channels: channels, bands: 1, entropySplit: false, budget: .unbounded)
    }

    /// The region through oss_jpeg_decode_scaled_region on `coefficients`: its status and pixels.
    static func decode(_ jpeg: [UInt8], _ x: Int, _ y: Int, _ width: Int, _ height: Int, channels: Int = 3,
                       coefficients: OpaquePointer) -> (Int32, [UInt8]) {
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        let status = oss_jpeg_decode_scaled_region(jpeg, jpeg.count, 8, Int32(x), Int32(y), Int32(width), Int32(height), Int32(channels), nil,
                                                   coefficients, &pixels, pixels.count, nil, &error)
        return (status, pixels)
    }

    /// Rectangles of a `width`×`height` image: a centred square (a circle's), one at the right
    /// edge low down, the lowest rows whole, a thin one near the top, one ending on the last row.
    static func rectangles(width: Int, height: Int) -> [(Int, Int, Int, Int)] {
        let side = max(1, min(width, height) / 5)
        return [
            ((width - side) / 2, (height - side) / 2, side, side),
            (width - side, height * 2 / 3, side, max(1, height / 4)),
            (0, height - max(1, height / 7), width, max(1, height / 7)),
            (width / 3, 9, max(1, width / 3), 5),
            (1, height - 17, max(1, width - 2), 17),
        ].filter { $0.0 >= 0 && $0.1 >= 0 && $0.0 + $0.2 <= width && $0.1 + $0.3 <= height }
    }

    @Test("every layout, 2 and 3 parts, RGB and RGBA: libjpeg's pixels, none asked for below the split",
          arguments: JPEGSharedCoefficientBandTests.layouts)
    func samePixels(_ layout: JPEGSplitDecodeTests.Layout) throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: layout.width, height: layout.height, seed: UInt64(layout.width + 5), quality: layout.quality,
                                                  grey: layout.grey, sampling: layout.sampling, optimize: layout.optimize)
        for (x, y, width, height) in Self.rectangles(width: layout.width, height: layout.height) {
            for channels in [3, 4] {
                let expected = try Self.reference(jpeg, x, y, width, height, channels: channels)
                for parts in [2, 3] {
                    // A decline would make this test pass on libjpeg alone: only the tiny layout may.
                    guard let coefficients = try ImageCodecs.regionCoefficients(jpeg, rows: y..<(y + height), channels: channels, parts: parts, budget: .unbounded) else {
                        #expect(layout.width * layout.height < 4096 * 4, "\(layout) declined")
                        continue
                    }
                    defer { oss_jpeg_split_close(coefficients) }
                    let (status, pixels) = Self.decode(jpeg, x, y, width, height, channels: channels, coefficients: coefficients)
                    #expect(status == 0, "\(layout) \(width)x\(height) at (\(x), \(y)), \(parts) parts, \(channels) channels: status \(status)")
                    let same = pixels == expected.pixels
                    #expect(same, "\(layout) \(width)x\(height) at (\(x), \(y)), \(parts) parts, \(channels) channels")
                }
            }
        }
    }

    @Test("a region outside the split's: the decode says so instead of making other pixels")
    func short() throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: 900, height: 700, seed: 3)
        let coefficients = try #require(try ImageCodecs.regionCoefficients(jpeg, rows: 300..<340, channels: 3, parts: 2, budget: .unbounded))
        defer { oss_jpeg_split_close(coefficients) }
        let expected = try Self.reference(jpeg, 100, 300, 300, 40)
        let (status, pixels) = Self.decode(jpeg, 100, 300, 300, 40, coefficients: coefficients)
        #expect(status == 0 && pixels == expected.pixels)
        // Below the rows it decoded, and far above them (where it kept only DCs).
        #expect(Self.decode(jpeg, 100, 500, 300, 40, coefficients: coefficients).0 == OSS_JPEG_SPLIT_SHORT)
        #expect(Self.decode(jpeg, 100, 100, 300, 40, coefficients: coefficients).0 == OSS_JPEG_SPLIT_SHORT)
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        let left = [Int32](repeating: 0, count: 100), right = [Int32](repeating: 100, count: 100)
        #expect(oss_jpeg_masked_transcode(jpeg, jpeg.count, 50, 500, 100, left, right, 85, 0, coefficients, nil, &out, &size, &error) == OSS_JPEG_SPLIT_SHORT)
        oss_free(out)
    }

    @Test("the circle, streamed and decoded, on two cores: the bytes of libjpeg alone", arguments: [(2000, 1500), (1601, 1203), (1500, 2000)])
    func circles(_ size: (Int, Int)) throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: size.0, height: size.1, seed: 21)
        // Enough data above the circle for the split to run (regionCoefficients' 128 KiB).
        #expect(jpeg.count / size.1 * (size.1 / 2 + 150) >= 128 << 10)
        for process in ["image/circle,r_150", "image/circle,r_150/format,png", "image/crop,x_300,y_700,w_500,h_300/format,png"] {
            let split = try ImageParallelism.$forcedCores.withValue(2) { try ImageProcessor.process(process, source: jpeg) }
            let alone = try ImageParallelism.$forcedCores.withValue(1) { try ImageProcessor.process(process, source: jpeg) }
            #expect(split.bytes == alone.bytes, "\(process) on \(size.0)x\(size.1)")
        }
        let coefficients = try #require(try ImageParallelism.$forcedCores.withValue(2) {
            try ImageCodecs.regionCoefficients(jpeg, imageHeight: size.1, rows: (size.1 / 2 - 150)..<(size.1 / 2 + 150), channels: 3, budget: .unbounded)
        })
        oss_jpeg_split_close(coefficients)
    }

    @Test("damaged data: libjpeg's pixels, or its error")
    func damaged() throws {
        let jpeg = try FormatTestFiles.layoutJPEG(width: 640, height: 520, seed: 8, quality: 85)
        var random = HostileFuzzTests.Generator(state: 17)
        var shared = 0
        let (x, y, width, height) = (200, 300, 180, 120)
        for round in 0..<200 {
            let bytes = JPEGSplitDecodeTests.damage(jpeg, round: round, random: &random)
            let expected = Result { try Self.reference(bytes, x, y, width, height) }
            guard let coefficients = try ImageCodecs.regionCoefficients(bytes, rows: y..<(y + height), channels: 3, parts: 2, budget: .unbounded) else { continue }
            defer { oss_jpeg_split_close(coefficients) }
            shared += 1
            let (status, pixels) = Self.decode(bytes, x, y, width, height, coefficients: coefficients)
            switch expected {
            case let .success(bitmap):
                #expect(status == 0 && pixels == bitmap.pixels, "round \(round): status \(status)")
            case .failure:
                #expect(status != 0, "round \(round): libjpeg alone failed, the split decode did not")
            }
        }
        #expect(shared > 0, "no damaged file went through the split decode")
    }
}
