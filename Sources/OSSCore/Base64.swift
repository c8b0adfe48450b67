/// The package's one base64 (RFC 4648), in the two forms OSS uses, so no module carries its own
/// and none needs Foundation for it.
///
/// - The standard alphabet, padded: `Content-MD5`, V1 signatures, `x-oss-err`, continuation
///   tokens. Decoding is strict: only `A-Z a-z 0-9 + /`, a length that is a multiple of four,
///   padding exactly where it belongs, and no stray bits in the last character, so that one
///   value has one spelling.
/// - The URL-safe alphabet, unpadded, inside process strings (`text_`, `type_`, `image_`,
///   `sys/saveas` `o_`/`b_`). Decoding there reads what real apps send, either alphabet, padded
///   or not, and refuses everything else: a foreign character, `=` before the end, or an
///   impossible length.
///
/// Package-wide, not public: the client exports nothing called `base64` into its users' code.
package enum Base64 {
    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Standard base64 with padding.
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        encode(Array(bytes), alphabet: standardAlphabet, padded: true)
    }

    /// URL-safe base64 without padding, as OSS's process examples write it.
    package static func encodeURLSafe(_ bytes: some Collection<UInt8>) -> String {
        encode(Array(bytes), alphabet: urlAlphabet, padded: false)
    }

    /// Strict standard base64; nil for anything but the one canonical spelling of some bytes.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 == 0 else { return nil }
        var values: [UInt8] = []
        values.reserveCapacity(utf8.count)
        var padding = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, let value = sextet(byte, urlSafe: false, standard: true) else { return nil }
            values.append(value)
        }
        guard padding <= 2 else { return nil }
        // The bits past the last whole byte must be zero, or two texts would mean the same bytes.
        if padding == 1, let last = values.last, last & 0b11 != 0 { return nil }
        if padding == 2, let last = values.last, last & 0b1111 != 0 { return nil }
        return assemble(values)
    }

    /// URL-safe or standard base64, padded or not, as process parameters arrive; nil when
    /// malformed.
    package static func decodeURLSafe(_ utf8: some Collection<UInt8>) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(utf8.count)
        var padding = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            // Padding only at the end.
            guard padding == 0, let value = sextet(byte, urlSafe: true, standard: true) else { return nil }
            values.append(value)
        }
        let remainder = values.count % 4
        guard remainder != 1, padding <= 2 else { return nil }
        // When padding is present it must complete the last group exactly.
        if padding > 0 { guard remainder != 0, remainder + padding == 4 else { return nil } }
        return assemble(values)
    }

    private static func encode(_ bytes: [UInt8], alphabet: [UInt8], padded: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            if index + 1 < bytes.count {
                out.append(alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)])
            } else if padded {
                out.append(UInt8(ascii: "="))
            }
            if index + 2 < bytes.count {
                out.append(alphabet[Int(b2 & 0x3F)])
            } else if padded {
                out.append(UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func sextet(_ byte: UInt8, urlSafe: Bool, standard: Bool) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where standard, UInt8(ascii: "-") where urlSafe: 62
        case UInt8(ascii: "/") where standard, UInt8(ascii: "_") where urlSafe: 63
        default: nil
        }
    }

    /// Sextets to bytes; a trailing group of two or three sextets gives one or two bytes.
    private static func assemble(_ values: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var i = 0
        while i < values.count {
            let n = min(4, values.count - i)
            let a = values[i], b = n > 1 ? values[i + 1] : 0, c = n > 2 ? values[i + 2] : 0, d = n > 3 ? values[i + 3] : 0
            out.append(a << 2 | b >> 4)
            if n > 2 { out.append((b & 15) << 4 | c >> 2) }
            if n > 3 { out.append((c & 3) << 6 | d) }
            i += 4
        }
        return out
    }
}
