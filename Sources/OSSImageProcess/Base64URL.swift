import OSSCore

/// The base64 that OSS uses inside process strings (watermark `text_`, `type_`, `image_`, and
/// `sys/saveas` `o_`, `b_`): RFC 4648's URL-safe alphabet.
///
/// Encoding writes the URL-safe alphabet without padding, as OSS's examples do. Decoding is lenient
/// in what real apps send (either alphabet, padded or not) and strict in everything else: a
/// character outside both alphabets, `=` anywhere but the end, or an impossible length gives nil.
/// Decoding never rewrites what goes on the wire; it is for reading the value locally. The
/// implementation is the package's one base64, in `OSSCore`.
public enum Base64URL {
    /// The longest text ``decode(_:)-(String)`` reads (1 MiB); longer input gives nil.
    public static let maximumEncodedLength = 1 << 20

    /// URL-safe base64 of bytes, without padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        Base64.encodeURLSafe(bytes)
    }

    /// Decodes URL-safe or standard base64, padded or not; nil when malformed or too long.
    public static func decode(_ text: String) -> [UInt8]? {
        decode(text.utf8)
    }

    /// ``decode(_:)-(String)`` on UTF-8 bytes.
    public static func decode<Bytes: Collection>(_ utf8: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        guard utf8.count <= maximumEncodedLength else { return nil }
        return Base64.decodeURLSafe(utf8)
    }

    /// Decodes to UTF-8 text; nil when the base64 or the UTF-8 is malformed.
    public static func decodeText(_ text: String) -> String? {
        decode(text).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
