import CLZMA

/// CRC-64/ECMA-182 as OSS computes it for `x-oss-hash-crc64ecma` (the reflected form also used by
/// the XZ format: polynomial 0x42F0E1EBA9EA3693, initial value and final XOR all ones).
///
/// Computed by liblzma's `lzma_crc64`, which uses carry-less multiplication where the CPU has it
/// (several GB/s), incrementally, so a streamed upload or download is checked without holding it.
public struct CRC64: Sendable, Hashable {
    /// The checksum of everything fed so far.
    public private(set) var value: UInt64 = 0

    /// The checksum of nothing, ready to be fed.
    public init() {}

    /// Feeds bytes.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        value = lzma_crc64(base.assumingMemoryBound(to: UInt8.self), buffer.count, value)
    }

    /// Feeds bytes from any collection.
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
