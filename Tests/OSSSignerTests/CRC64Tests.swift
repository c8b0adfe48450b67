import OSSCrypto
import Testing

#if canImport(CLZMA)
import CLZMA
#endif

@Suite("CRC-64/ECMA-182 as OSS computes it")
struct CRC64Tests {
    @Test("the standard check value and known answers")
    func knownAnswers() {
        // CRC-64/XZ check value of "123456789".
        #expect(CRC64.checksum(Array("123456789".utf8)) == 0x995D_C9BB_DF19_39FA)
        #expect(CRC64.checksum([UInt8]()) == 0)
        #expect(CRC64.checksum(Array("hello oss".utf8)) != CRC64.checksum(Array("hello oss!".utf8)))
        #expect(Self.pureSwift(Array("123456789".utf8)) == 0x995D_C9BB_DF19_39FA)
        #expect(Self.bitwise(Array("123456789".utf8)) == 0x995D_C9BB_DF19_39FA)
    }

    @Test("incremental updates equal one pass, whatever the split")
    func incremental() {
        let data = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        let whole = CRC64.checksum(data)
        for split in [1, 7, 8, 4096, 65_537, 99_999] {
            var crc = CRC64()
            crc.update(data[..<split])
            crc.update(data[split...])
            #expect(crc.value == whole, "split at \(split)")
            let pure = data.withUnsafeBytes { all in
                PureSwiftCRC64.update(PureSwiftCRC64.update(0, UnsafeRawBufferPointer(rebasing: all[..<split])),
                                      UnsafeRawBufferPointer(rebasing: all[split...]))
            }
            #expect(pure == whole, "pure Swift, split at \(split)")
        }
    }

    @Test("this build's CRC64 uses the implementation its platform and traits call for")
    func implementation() {
        #if canImport(CryptoKit) || SwiftCrypto
        #expect(CRC64.implementationName == "pure Swift")
        #else
        #expect(CRC64.implementationName == "liblzma")
        #endif
    }

    @Test("pure Swift equals a bit-at-a-time reference on every length 0...600, at every start 0..<16")
    func pureSwiftAgainstReference() {
        var random = SplitMix64(seed: 0x05_5C_0C_64)
        let data = random.bytes(600 + 16)
        data.withUnsafeBytes { all in
            for start in 0..<16 {
                for length in 0...600 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    let want = Self.bitwise(Array(slice))
                    guard PureSwiftCRC64.update(0, slice) == want else {
                        Issue.record("pure Swift differs at start \(start), length \(length)")
                        return
                    }
                }
            }
        }
    }

    #if canImport(CLZMA)
    @Test("pure Swift equals liblzma on random data: 2,000 lengths up to 4 MiB, unaligned starts, chained")
    func pureSwiftAgainstLiblzma() {
        var random = SplitMix64(seed: 0x1A2B_3C4D)
        let data = random.bytes((4 << 20) + 64)
        data.withUnsafeBytes { all in
            var lengths = Array(0...1_000)
            for _ in 0..<990 { lengths.append(Int(random.next() % UInt64(64 << 10))) }
            for _ in 0..<10 { lengths.append(Int(random.next() % UInt64(4 << 20))) }
            for (index, length) in lengths.enumerated() {
                let start = Int(random.next() % 64)
                let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                // A non-zero starting CRC too: the previous chunk's, as streaming feeds it.
                let previous = index.isMultiple(of: 2) ? 0 : random.next()
                let lzma = lzma_crc64(slice.baseAddress?.assumingMemoryBound(to: UInt8.self), slice.count, previous)
                guard PureSwiftCRC64.update(previous, slice) == lzma else {
                    Issue.record("pure Swift differs from liblzma at start \(start), length \(length), previous \(previous)")
                    return
                }
            }
        }
        // And this build's CRC64 type, whichever implementation it uses.
        #expect(CRC64.checksum(data) == lzma_crc64(data, data.count, 0))
    }
    #endif

    @Test("combine: CRC(A+B) from CRC(A), CRC(B) and len(B), for random splits, with every implementation")
    func combine() {
        var random = SplitMix64(seed: 0xC0_4B_14_E0)
        let data = random.bytes(3 << 20)
        var cuts = [0, 1, 7, 8, 9, data.count - 1, data.count]
        for _ in 0..<40 { cuts.append(Int(random.next() % UInt64(data.count + 1))) }
        let whole = CRC64.checksum(data)
        data.withUnsafeBytes { all in
            for cut in cuts {
                let a = UnsafeRawBufferPointer(rebasing: all[..<cut])
                let b = UnsafeRawBufferPointer(rebasing: all[cut...])
                var crcA = CRC64(), crcB = CRC64()
                crcA.update(a)
                crcB.update(b)
                #expect(CRC64.combine(crcA.value, crcB.value, secondLength: Int64(b.count)) == whole, "cut at \(cut)")
                let pure = CRC64.combine(PureSwiftCRC64.update(0, a), PureSwiftCRC64.update(0, b), secondLength: Int64(b.count))
                #expect(pure == whole, "pure Swift, cut at \(cut)")
                #if canImport(CLZMA)
                let lzmaA = lzma_crc64(a.baseAddress?.assumingMemoryBound(to: UInt8.self), a.count, 0)
                let lzmaB = lzma_crc64(b.baseAddress?.assumingMemoryBound(to: UInt8.self), b.count, 0)
                #expect(CRC64.combine(lzmaA, lzmaB, secondLength: Int64(b.count)) == whole, "liblzma, cut at \(cut)")
                #endif
            }
        }
        #expect(CRC64.combine(whole, 0, secondLength: 0) == whole)
        #expect(CRC64.combine(whole, 0, secondLength: -5) == whole)
    }

    @Test("combine agrees with itself for object-sized lengths (associativity up to 2^62 bytes)")
    func combineLargeLengths() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let (a, b, c) = (random.next(), random.next(), random.next())
            let lengthB = Int64(random.next() >> 3), lengthC = Int64(random.next() >> 3)
            let left = CRC64.combine(CRC64.combine(a, b, secondLength: lengthB), c, secondLength: lengthC)
            let right = CRC64.combine(a, CRC64.combine(b, c, secondLength: lengthC), secondLength: lengthB + lengthC)
            #expect(left == right, "lengths \(lengthB), \(lengthC)")
        }
        // A long run of zeros (the case where a wrong power of x shows most plainly), checked directly.
        let zeros = [UInt8](repeating: 0, count: 16 << 20)
        let head = Array("head".utf8)
        #expect(CRC64.combine(CRC64.checksum(head), CRC64.checksum(zeros), secondLength: Int64(zeros.count)) == CRC64.checksum(head + zeros))
    }

    /// The definition, one bit at a time: the independent reference.
    static func bitwise(_ bytes: [UInt8]) -> UInt64 {
        var crc = UInt64.max
        for byte in bytes {
            crc ^= UInt64(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xC96C_5795_D787_0F42 : crc >> 1 }
        }
        return ~crc
    }

    static func pureSwift(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { PureSwiftCRC64.update(0, $0) }
    }
}

/// A seeded generator, so a failure names data that can be made again.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        for index in out.indices { out[index] = UInt8(truncatingIfNeeded: next()) }
        return out
    }
}
