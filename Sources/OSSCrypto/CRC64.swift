/// CRC-64/ECMA-182 as OSS computes it for `x-oss-hash-crc64ecma` (the reflected form, also known
/// as CRC-64/XZ: polynomial 0x42F0E1EBA9EA3693, initial and final XOR all ones).
///
/// Computed incrementally, slicing by 8 bytes, so that a streamed upload or download is checked
/// without holding the body.
public struct CRC64: Sendable, Hashable {
    /// The checksum of everything fed so far.
    public private(set) var value: UInt64 = 0

    public init() {}

    /// Feeds bytes.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        let tables = crc64Tables
        var crc = ~value
        var index = 0
        let count = buffer.count
        if let base = buffer.baseAddress {
            while count - index >= 8 {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                crc ^= word
                crc = tables[7 * 256 + Int(crc & 0xFF)] ^ tables[6 * 256 + Int((crc >> 8) & 0xFF)]
                    ^ tables[5 * 256 + Int((crc >> 16) & 0xFF)] ^ tables[4 * 256 + Int((crc >> 24) & 0xFF)]
                    ^ tables[3 * 256 + Int((crc >> 32) & 0xFF)] ^ tables[2 * 256 + Int((crc >> 40) & 0xFF)]
                    ^ tables[1 * 256 + Int((crc >> 48) & 0xFF)] ^ tables[Int(crc >> 56)]
                index += 8
            }
            while index < count {
                crc = tables[Int((crc ^ UInt64(base.load(fromByteOffset: index, as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        value = ~crc
    }

    /// Feeds bytes from any contiguous collection.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    /// The checksum of a whole buffer.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt64 {
        var crc = CRC64()
        crc.update(bytes)
        return crc.value
    }
}

/// Eight 256-entry tables, flattened; built once on first use.
private let crc64Tables: [UInt64] = {
    let polynomial: UInt64 = 0xC96C_5795_D787_0F42 // reflected 0x42F0E1EBA9EA3693
    var tables = [UInt64](repeating: 0, count: 8 * 256)
    for i in 0..<256 {
        var crc = UInt64(i)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1
        }
        tables[i] = crc
    }
    for k in 1..<8 {
        for i in 0..<256 {
            let previous = tables[(k - 1) * 256 + i]
            tables[k * 256 + i] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
        }
    }
    return tables
}()
