import OSSImage
import OSSImageProcess
import Testing

/// A deterministic, property-style sweep (not a fuzzer: the libFuzzer targets live elsewhere):
/// generated hostile process strings over mutated small images of every format. Whatever comes
/// in, `ImageProcessor` answers with a result that decodes to its stated size, or an
/// ``ImageError`` with a code and a 4xx/5xx status; the header readers never trap.
@Suite("Hostile processes over mutated images")
struct HostileFuzzTests {
    /// SplitMix64: the same seed gives the same cases on every machine.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
    }

    static let numbers = ["0", "1", "-1", "2", "3", "7", "50", "100", "4096", "4097", "16383", "16384", "16385", "30000", "65535",
                          "2147483647", "2147483648", "4294967296", "9223372036854775807", "-9223372036854775808",
                          "9223372036854775808", "", "abc", "1e9", "0x10", " 5"]
    static let plausible = ["1", "2", "5", "9", "10", "16", "23", "50", "90", "100", "180", "270", "300"]
    static let gravities = ["nw", "north", "ne", "west", "center", "east", "sw", "south", "se", "middle", ""]
    static let formats = ["jpg", "png", "webp", "bmp", "gif", "tiff", "heic", "avif", "jpeg", "PNG", "svg", ""]
    static let modes = ["lfit", "mfit", "fill", "pad", "fixed", "stretch"]

    static func action(_ random: inout Generator) -> String {
        // Mostly plausible values, so that chains get past the parser into the kernels.
        func n() -> String { random.below(3) == 0 ? random.pick(numbers) : random.pick(plausible) }
        switch random.below(19) {
        case 0: return "circle,r_\(n())"
        case 1: return "crop,x_\(n()),y_\(n()),w_\(n()),h_\(n()),g_\(random.pick(gravities))"
        case 2: return "crop,w_\(n()),g_\(random.pick(gravities))"
        case 3: return "resize,w_\(n())"
        case 4: return "resize,m_\(random.pick(modes)),w_\(n()),h_\(n())"
        case 5: return "resize,p_\(n())"
        case 6: return "resize,l_\(n()),s_\(n()),limit_\(random.pick(["0", "1", "2"]))"
        case 7: return "resize,m_pad,w_\(n()),h_\(n()),color_\(random.pick(["FF0000", "zzzzzz", "", "1234567"]))"
        case 8: return "rounded-corners,r_\(n())"
        case 9: return "indexcrop,x_\(n()),i_\(n())"
        case 10: return "indexcrop,y_\(n()),i_\(n())"
        case 11: return "rotate,\(n())"
        case 12: return "format,\(random.pick(formats))"
        case 13: return "quality,\(random.pick(["q", "Q"]))_\(n())"
        case 14: return "interlace,\(random.pick(["0", "1", "1", "2", ""]))"
        case 15: return "auto-orient,\(random.pick(["0", "1", "1", "-1"]))"
        case 16: return "info"
        case 17: return "resize,m_fill,w_\(n()),h_\(n()),limit_0"
        default:
            let alphabet = Array("abcxyz_,/|-019%\u{0}é".unicodeScalars)
            return String(String.UnicodeScalarView((0..<random.below(12)).map { _ in random.pick(alphabet) }))
        }
    }

    static func processString(_ random: inout Generator) -> String {
        let count = 1 + random.below(4)
        var text = random.below(20) == 0 ? random.pick(["style/x", "image", "video/snapshot", "image//"]) : "image/"
        text += (0..<count).map { _ in action(&random) }.joined(separator: "/")
        if random.below(25) == 0 { text += "|sys/saveas,o_\(random.pick(["dGVzdA", "", "!!"]))" }
        return text
    }

    static func seeds() throws -> [[UInt8]] {
        let photo = try SyntheticPhoto.bitmap(width: 24, height: 16, seed: 9)
        let jpeg = try ImageCodecs.encode(photo, as: .jpg)
        return [
            jpeg,
            try ImageCodecs.encode(photo, as: .jpg, options: .init(interlace: true)),
            ImageCodecs.insertEXIFOrientationForTests(jpeg, orientation: 6),
            try ImageCodecs.encode(photo, as: .png),
            try ImageCodecs.encode(photo.withAlpha(), as: .png),
            try ImageCodecs.encode(photo, as: .webp),
            try ImageCodecs.encode(photo.withAlpha(), as: .webp),
            try ImageCodecs.encode(photo, as: .bmp),
            try ImageCodecs.encode(photo.withAlpha(), as: .bmp),
            try ImageCodecs.encode(photo, as: .gif),
            try FormatTestFiles.animatedGIF(),
            try ImageCodecs.encode(photo, as: .tiff),
            try ImageCodecs.encode(photo.withAlpha(), as: .tiff),
            try ImageCodecs.encode(photo, as: .heic),
            try ImageCodecs.encode(photo.withAlpha(), as: .avif),
            try FormatTestFiles.cmykJPEG(width: 16, height: 8, cmyk: (10, 200, 30, 5), ycck: true, adobe: true),
        ]
    }

    static let interesting32: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 30000, 65535, 0x1_0000, 8, 13]

    static func mutate(_ bytes: [UInt8], _ random: inout Generator) -> [UInt8] {
        var out = bytes
        for _ in 0..<(1 + random.below(3)) {
            guard !out.isEmpty else { return out }
            switch random.below(7) {
            case 0: // flip a few bits
                for _ in 0..<(1 + random.below(8)) { out[random.below(out.count)] ^= UInt8(1 << random.below(8)) }
            case 1: // an interesting byte
                out[random.below(out.count)] = random.pick([0, 1, 0x7F, 0x80, 0xFF])
            case 2: // an interesting 32-bit field, either byte order, early in the file where headers are
                let at = random.below(min(out.count, 64))
                let value = random.pick(interesting32)
                let little = random.below(2) == 0
                for i in 0..<4 where at + i < out.count {
                    out[at + i] = UInt8(truncatingIfNeeded: little ? value >> (8 * i) : value >> (8 * (3 - i)))
                }
            case 3: // truncate
                out = Array(out.prefix(random.below(out.count)))
            case 4: // insert junk
                let at = random.below(out.count)
                out.insert(contentsOf: (0..<(1 + random.below(16))).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
            case 5: // repeat a slice
                let start = random.below(out.count), length = min(out.count - start, 1 + random.below(64))
                out.insert(contentsOf: out[start..<(start + length)], at: random.below(out.count))
            default:
                break // leave it
            }
        }
        return out
    }

    /// Small enough that no case takes long in a debug build; the sizes still go through every
    /// check (larger ones are refused by these limits or by OSS's, from the plan).
    static let limits = ImageWorkLimits(maximumDecodedPixels: 1_000_000, maximumProducedPixels: 1_000_000, maximumActions: 8, timeLimit: .seconds(20))

    @Test("processes and mutated images give results or typed errors", arguments: 0..<4)
    func sweep(shard: Int) throws {
        var random = Generator(state: 0x05_5134_6E00 + UInt64(shard))
        let seeds = try Self.seeds()
        var results = 0, errors = 0
        for _ in 0..<1500 {
            let seed = random.pick(seeds)
            let source = random.below(4) == 0 ? seed : Self.mutate(seed, &random)
            let process = Self.processString(&random)
            _ = try? ImageCodecs.dimensions(source)
            _ = EXIF.orientation(source)
            _ = try? ImageProcessor.estimatedWorkingBytes(process, source: source, limits: Self.limits)
            do {
                let result = try ImageProcessor.process(process, source: source, limits: Self.limits)
                results += 1
                #expect(!result.bytes.isEmpty && result.width >= 1 && result.height >= 1, "\(process)")
                if let format = result.format {
                    let decoded = try ImageCodecs.dimensions(result.bytes)
                    #expect(decoded.width == result.width && decoded.height == result.height && decoded.format == format, "\(process)")
                }
            } catch {
                errors += 1
                #expect(!error.code.isEmpty && !error.message.isEmpty, "\(process): \(error)")
                #expect((400..<600).contains(error.status), "\(process): \(error)")
            }
        }
        // The generator reaches both sides: some cases succeed, most are refused.
        #expect(results > 200 && errors > 300, "\(results) results, \(errors) errors")
    }

    @Test("every decoder on every mutation of every seed: a bitmap of the declared size, or a typed error")
    func decoders() throws {
        var random = Generator(state: 0xDEC0DE)
        for seed in try Self.seeds() {
            for _ in 0..<150 {
                let bytes = Self.mutate(seed, &random)
                guard let (bitmap, _) = try? ImageCodecs.decode(bytes, channels: random.pick([nil, 3, 4])) else { continue }
                #expect(bitmap.pixels.count == bitmap.width * bitmap.height * bitmap.channels)
                #expect(bitmap.width * bitmap.height <= ImageLimits.maximumPixels)
            }
        }
    }
}
