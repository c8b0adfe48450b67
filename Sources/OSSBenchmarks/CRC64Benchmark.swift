import Foundation
import OSSCrypto

#if canImport(CLZMA)
import CLZMA
#endif

/// CRC-64 throughput: the pure-Swift slicing-by-8 (Apple platforms, SwiftCrypto builds) beside
/// liblzma's `lzma_crc64` (the Linux fast path), on the same in-memory buffer, best of several runs.
/// Every download and upload of the client runs one of them over every byte.
enum CRC64Benchmark {
    static func run(sizeMiB: Int = 256, rounds: Int = 5) {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        var words = [UInt64](repeating: 0, count: (sizeMiB << 20) / 8)
        for index in words.indices {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            words[index] = state
        }
        words.withUnsafeBytes { buffer in
            // One byte in: unaligned loads, as a chunk from the network is.
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[1...])
            let pure = best(of: rounds, over: bytes) { PureSwiftCRC64.update(0, $0) }
            print(String(format: "crc64 pure Swift (slicing by 8)      %8.0f MiB/s", pure.rate))
            #if canImport(CLZMA)
            let lzma = best(of: rounds, over: bytes) { lzma_crc64($0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count, 0) }
            print(String(format: "crc64 liblzma lzma_crc64             %8.0f MiB/s   pure Swift / liblzma: %.2f", lzma.rate, pure.rate / lzma.rate))
            if lzma.value != pure.value { print("crc64 MISMATCH: liblzma \(lzma.value), pure Swift \(pure.value)") }
            #endif
            print("crc64 in this build's CRC64 type: \(CRC64.implementationName) (\(sizeMiB) MiB buffer, best of \(rounds))")
        }
    }

    static func best(of rounds: Int, over bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> UInt64) -> (rate: Double, value: UInt64) {
        var fastest = Double.infinity
        var value: UInt64 = 0
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            value = body(bytes)
            fastest = min(fastest, TransferBenchmark.seconds(since: start))
        }
        return (Double(bytes.count) / 1_048_576 / fastest, value)
    }
}
