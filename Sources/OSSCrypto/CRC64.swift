// liblzma is the fast path off Apple platforms (the default SystemCrypto trait); Apple platforms
// and the SwiftCrypto trait use the pure-Swift implementation, so they link no C library.
#if !canImport(CryptoKit) && !SwiftCrypto && SystemCrypto
internal import CLZMA
#endif

/// CRC-64/ECMA-182 as OSS computes it for `x-oss-hash-crc64ecma` (the reflected form also used by
/// the XZ format: polynomial 0x42F0E1EBA9EA3693, initial value and final XOR all ones).
///
/// Incremental, so a streamed upload or download is checked without holding it. On Linux it is
/// liblzma's `lzma_crc64` (carry-less multiplication where the CPU has it); on Apple platforms and
/// with the `SwiftCrypto` trait it is the pure-Swift `PureSwiftCRC64`, which gives the same values.
public struct CRC64: Sendable, Hashable {
    /// The checksum of everything fed so far.
    public private(set) var value: UInt64 = 0

    /// The checksum of nothing, ready to be fed.
    public init() {}

    /// Feeds bytes.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        #if !canImport(CryptoKit) && !SwiftCrypto && SystemCrypto
        value = lzma_crc64(base.assumingMemoryBound(to: UInt8.self), buffer.count, value)
        #else
        value = PureSwiftCRC64.update(value, UnsafeRawBufferPointer(start: base, count: buffer.count))
        #endif
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

    /// The implementation `update` uses in this build, for test and benchmark output.
    package static var implementationName: String {
        #if !canImport(CryptoKit) && !SwiftCrypto && SystemCrypto
        "liblzma"
        #else
        "pure Swift"
        #endif
    }
}
