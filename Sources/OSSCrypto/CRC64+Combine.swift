extension CRC64 {
    /// The CRC-64 of `A` followed by `B`, from the CRC-64 of each and the length of `B`: how OSS
    /// and its SDKs check a multipart upload or a ranged download against the whole object's
    /// `x-oss-hash-crc64ecma` without reading the parts again.
    ///
    /// CRC-64 is linear over GF(2): appending `n` bytes to `A` multiplies its remainder by
    /// x^(8n) modulo the polynomial, and the all-ones initial value and final XOR cancel out, so
    /// CRC(A+B) = CRC(A) · x^(8·len(B)) ⊕ CRC(B). The power is built by squaring, O(log n).
    /// A negative length is treated as zero.
    public static func combine(_ first: UInt64, _ second: UInt64, secondLength: Int64) -> UInt64 {
        guard secondLength > 0 else { return first ^ second }
        return multiply(xToThePower8N(UInt64(secondLength)), first) ^ second
    }

    /// x^0 in the reflected representation.
    private static let one: UInt64 = 1 << 63

    /// a · b modulo the polynomial, both reflected.
    private static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var a = a
        var b = b
        var product: UInt64 = 0
        while a != 0 {
            if a & one != 0 { product ^= b }
            a <<= 1
            b = b & 1 == 1 ? (b >> 1) ^ PureSwiftCRC64.polynomial : b >> 1
        }
        return product
    }

    /// `powers[k]` = x^(2^k) mod P, for k up to 3 + 64 (a byte count has at most 64 bits).
    private static let powersOfTwo: [UInt64] = {
        var powers = [UInt64](repeating: 0, count: 67)
        powers[0] = one >> 1 // x^1
        for k in 1..<powers.count { powers[k] = multiply(powers[k - 1], powers[k - 1]) }
        return powers
    }()

    /// x^(8n) mod P: n's bits pick the squares, starting at x^8 = x^(2^3).
    private static func xToThePower8N(_ n: UInt64) -> UInt64 {
        var result = one
        var n = n
        var k = 3
        while n != 0 {
            if n & 1 == 1 { result = multiply(powersOfTwo[k], result) }
            n >>= 1
            k += 1
        }
        return result
    }
}
