/// Just enough EXIF to find a JPEG's orientation tag, with every length, offset and count taken
/// from the file checked against the bytes that are there.
///
/// The marker walk visits each segment once and moves forward by at least two bytes per step; the
/// TIFF reader looks at IFD0 only (where Orientation lives) and never follows an IFD link, so no
/// chain, loop or recursion in the file can make it work longer than one pass over the segment.
public enum EXIF {
    /// The orientation (1...8) of a JPEG, 1 when absent or unreadable.
    public static func orientation(_ jpeg: [UInt8]) -> Int {
        guard let tiff = tiffPayload(jpeg) else { return 1 }
        return orientation(tiff: jpeg[tiff])
    }

    /// Where the TIFF structure of the first `APP1` segment holding `Exif\0\0` lies, if any.
    static func tiffPayload(_ jpeg: [UInt8]) -> Range<Int>? {
        guard jpeg.count >= 4, jpeg[0] == 0xFF, jpeg[1] == 0xD8 else { return nil }
        let signature: [UInt8] = Array("Exif\0\0".utf8)
        var index = 2
        while index + 4 <= jpeg.count {
            guard jpeg[index] == 0xFF else { return nil }
            let marker = jpeg[index + 1]
            switch marker {
            case 0xFF:
                index += 1 // fill byte before a marker
                continue
            case 0x01, 0xD0...0xD8:
                index += 2 // markers without a length
                continue
            case 0xD9, 0xDA:
                return nil // end of image, start of scan: no more metadata segments
            default:
                break
            }
            // The length counts itself (2 bytes) and the payload; a segment must fit in the file.
            let length = Int(jpeg[index + 2]) << 8 | Int(jpeg[index + 3])
            guard length >= 2, length <= jpeg.count - index - 2 else { return nil }
            let payload = (index + 4)..<(index + 2 + length)
            if marker == 0xE1, payload.count >= signature.count + 8, jpeg[payload.prefix(signature.count)].elementsEqual(signature) {
                return (payload.lowerBound + signature.count)..<payload.upperBound
            }
            index = payload.upperBound
        }
        return nil
    }

    /// The orientation in a TIFF structure (byte order mark, magic 42, IFD0 offset), 1 when absent.
    static func orientation(tiff: ArraySlice<UInt8>) -> Int {
        let bytes = Array(tiff)
        guard bytes.count >= 8 else { return 1 }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return 1
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at <= bytes.count - 2 else { return nil }
            return little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let first = u16(at), let second = u16(at + 2) else { return nil }
            return little ? first | second << 16 : first << 16 | second
        }
        guard u16(2) == 42, let ifd = u32(4), ifd >= 8, let declared = u16(ifd) else { return 1 }
        // No more entries than the bytes after the count can hold (12 bytes each).
        let entries = min(declared, (bytes.count - ifd - 2) / 12)
        for entry in 0..<entries {
            let at = ifd + 2 + entry * 12
            guard u16(at) == 0x0112 else { continue }
            // SHORT, count 1: the value sits in the first two bytes of the value field.
            guard u16(at + 2) == 3, let value = u16(at + 8) else { return 1 }
            return (1...8).contains(value) ? value : 1
        }
        return 1
    }
}
