/// The one percent-encoding of OSS: RFC 3986 unreserved bytes pass, everything else is `%XX`
/// with uppercase hex.
///
/// Written by hand because Foundation's encoders disagree with OSS on `+`, `~`, `/` and spaces.
/// Everything that ends up in a URL or a canonical request goes through here exactly once.
public enum OSSPercentEncoding {
    /// Encodes an object path (bucket and key); `/` is kept so nested keys stay nested.
    public static func encodePath(_ raw: String) -> String {
        encode(raw, keepSlash: true)
    }

    /// Encodes a query name or value; `/` is encoded too.
    public static func encodeQueryComponent(_ raw: String) -> String {
        encode(raw, keepSlash: false)
    }

    /// Encodes the UTF-8 bytes of `raw`.
    public static func encode(_ raw: String, keepSlash: Bool) -> String {
        // Most signed values (dates, expiries, the algorithm, plain keys) need no escape at all.
        if raw.utf8.allSatisfy({ isUnreserved($0) || (keepSlash && $0 == UInt8(ascii: "/")) }) { return raw }
        var out = [UInt8]()
        out.reserveCapacity(raw.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in raw.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes. With `plusIsSpace`, a raw `+` reads as a space, as HTML forms and OSS
    /// query strings have it. Returns nil for a malformed escape or bytes that are not UTF-8.
    public static func decode(_ encoded: Substring, plusIsSpace: Bool) -> String? {
        var out = [UInt8]()
        out.reserveCapacity(encoded.utf8.count)
        var iterator = encoded.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                out.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                out.append(UInt8(ascii: " "))
            default:
                out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
