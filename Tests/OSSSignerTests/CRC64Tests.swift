import OSSCrypto
import Testing

@Suite("CRC-64/ECMA-182 as OSS computes it")
struct CRC64Tests {
    @Test("the standard check value and known answers")
    func knownAnswers() {
        // CRC-64/XZ check value of "123456789".
        #expect(CRC64.checksum(Array("123456789".utf8)) == 0x995D_C9BB_DF19_39FA)
        #expect(CRC64.checksum([UInt8]()) == 0)
        #expect(CRC64.checksum(Array("hello oss".utf8)) != CRC64.checksum(Array("hello oss!".utf8)))
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
        }
    }
}
