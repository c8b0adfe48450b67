/// The base64 that OSS uses inside process strings (watermark `text_`, `type_`, `image_`, and
/// `sys/saveas` `o_`, `b_`): RFC 4648's URL-safe alphabet.
///
/// Encoding writes the URL-safe alphabet without padding, as OSS's examples do. Decoding is lenient
/// in what real apps send (either alphabet, padded or not) and strict in everything else: a
/// character outside both alphabets, `=` anywhere but the end, or an impossible length gives nil.
/// Decoding never rewrites what goes on the wire; it is for reading the value locally.
public enum Base64URL {
    /// The longest text ``decode(_:)`` reads (1 MiB); longer input gives nil.
    public static let maximumEncodedLength = 1 << 20

    /// URL-safe base64 of bytes, without padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index], b1 = index + 1 < bytes.count ? bytes[index + 1] : 0, b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            if index + 1 < bytes.count { out.append(alphabet[Int((b1 & 15) << 2 | b2 >> 6)]) }
            if index + 2 < bytes.count { out.append(alphabet[Int(b2 & 63)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes URL-safe or standard base64, padded or not; nil when malformed or too long.
    public static func decode(_ text: String) -> [UInt8]? {
        decode(text.utf8)
    }

    /// ``decode(_:)`` on UTF-8 bytes.
    public static func decode<Bytes: Collection>(_ utf8: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        guard utf8.count <= maximumEncodedLength else { return nil }
        var values: [UInt8] = []
        values.reserveCapacity(utf8.count)
        var padding = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            // Padding only at the end.
            guard padding == 0 else { return nil }
            switch byte {
            case 65...90: values.append(byte - 65)
            case 97...122: values.append(byte - 71)
            case 48...57: values.append(byte + 4)
            case UInt8(ascii: "-"), UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "_"), UInt8(ascii: "/"): values.append(63)
            default: return nil
            }
        }
        let remainder = values.count % 4
        guard remainder != 1, padding <= 2 else { return nil }
        // When padding is present it must complete the last group exactly.
        if padding > 0 { guard remainder != 0, remainder + padding == 4 else { return nil } }
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

    /// Decodes to UTF-8 text; nil when the base64 or the UTF-8 is malformed.
    public static func decodeText(_ text: String) -> String? {
        decode(text).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
