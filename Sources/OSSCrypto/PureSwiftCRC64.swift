/// CRC-64/ECMA-182 (reflected, as XZ and OSS use it) in Swift, slicing by 8: eight bytes per step
/// through eight 256-entry tables, a few GB/s without any C library.
///
/// Used on Apple platforms and with the `SwiftCrypto` trait; elsewhere liblzma is the fast path
/// and this is checked against it (tests) and timed beside it (`scripts/benchmark-transfer.sh`).
package enum PureSwiftCRC64 {
    /// The reflected polynomial 0x42F0E1EBA9EA3693.
    static let polynomial: UInt64 = 0xC96C_5795_D787_0F42

    /// `tables[k * 256 + b]`: the CRC contribution of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt64] = {
        var tables = [UInt64](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt64(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1
            }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// Continues `crc` (a finished CRC-64 value, 0 for nothing) over `buffer`.
    package static func update(_ crc: UInt64, _ buffer: UnsafeRawBufferPointer) -> UInt64 {
        tables.withUnsafeBufferPointer { table in
            var crc = ~crc
            var offset = 0
            let count = buffer.count
            while offset + 8 <= count {
                let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) ^ crc
                crc = table[7 * 256 + Int(word & 0xFF)]
                    ^ table[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((word >> 16) & 0xFF)]
                    ^ table[4 * 256 + Int((word >> 24) & 0xFF)]
                    ^ table[3 * 256 + Int((word >> 32) & 0xFF)]
                    ^ table[2 * 256 + Int((word >> 40) & 0xFF)]
                    ^ table[1 * 256 + Int((word >> 48) & 0xFF)]
                    ^ table[Int(word >> 56)]
                offset &+= 8
            }
            while offset < count {
                crc = table[Int((crc ^ UInt64(buffer[offset])) & 0xFF)] ^ (crc >> 8)
                offset &+= 1
            }
            return ~crc
        }
    }
}
