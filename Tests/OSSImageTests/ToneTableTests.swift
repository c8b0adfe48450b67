import CImageCodecs
import Testing

@testable import OSSImage

#if canImport(Glibc)
import Glibc
#endif

/// ImageKernels.applyTable: on processors with AVX-512 VBMI, 64 samples at a time through byte
/// permutes (Tone.c), else one look-up a sample. Either way every colour sample is table[sample]
/// and alpha is kept; checked here against that definition, on shuffled tables, tails of every
/// kind past the 64-sample blocks, and both layouts.
@Suite("Tone tables")
struct ToneTableTests {
    @Test("every colour sample becomes table[sample] and alpha is kept, at every length", arguments: [3, 4])
    func definition(channels: Int) throws {
        var generator = SeededGenerator(seed: UInt64(channels))
        func sample() -> UInt8 { UInt8(truncatingIfNeeded: generator.next() >> 56) }
        for round in 0..<4 {
            // A shuffled table, so that a look-up from the wrong half or position shows.
            var table = (0..<256).map { UInt8($0) }
            for i in stride(from: 255, to: 0, by: -1) { table.swapAt(i, Int(sample()) % (i + 1)) }
            for width in [1, 5, 16, 21, 22, 43, 64, 65, 127, 300 + round] {
                let height = 3
                var pixels = (0..<(width * height * channels)).map { _ in sample() }
                // Every value appears (once each in the first 256 samples, where there are as many).
                for i in 0..<min(256, pixels.count) { pixels[i] = UInt8(i) }
                let bitmap = try Bitmap(width: width, height: height, channels: channels, pixels: pixels)
                let mapped = try ImageKernels.applyTable(bitmap, table, budget: .unbounded)
                let expected = pixels.enumerated().map { channels == 4 && $0.offset % 4 == 3 ? $0.element : table[Int($0.element)] }
                #expect(mapped.pixels == expected, "\(width)x\(height)x\(channels), table \(round)")
            }
        }
    }

    /// The first processor's flags in /proc/cpuinfo (none where there is no such file).
    static func cpuFlags() -> Set<Substring> {
        #if canImport(Glibc)
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if text.hasPrefix("flags") { return Set(text.split(separator: ":").last?.split(whereSeparator: { $0 == " " || $0 == "\n" }) ?? []) }
        }
        #endif
        return []
    }

    @Test("the processor's path is the one Tone.c says it takes")
    func path() {
        let vbmi = oss_apply_table_vectorised() == 1
        #if arch(x86_64)
        // This machine's flags, from the kernel: the vectorised path exactly where they include VBMI.
        let flags = Self.cpuFlags()
        if !flags.isEmpty { #expect(vbmi == (flags.contains("avx512vbmi") && flags.contains("avx512bw"))) }
        #else
        #expect(!vbmi)
        #endif
    }
}
