/// A GIF's block structure, walked by hand before giflib decodes anything: the screen size, how
/// many frames there are and how large each one claims to be, so that frame count × frame size is
/// checked against the limits before any canvas exists.
///
/// The walk reads each block header and skips each sub-block by its length byte, never decoding
/// LZW data: one pass over the file, every step at least one byte forward.
struct GIFStructure: Sendable, Hashable {
    /// The logical screen: every frame is drawn on a canvas of this size.
    var width: Int
    var height: Int
    /// Image descriptors in the file.
    var frames: Int
    /// The sum of every frame's own width × height (a frame may claim up to 65535 × 65535 on a
    /// small screen; its rows are decoded even where they fall outside the canvas).
    var framePixels: Int
    /// The first frame's own width × height (all a still decodes).
    var firstFramePixels: Int
    /// The NETSCAPE2.0 loop count (0: forever), nil when the file has none (play once).
    var loopCount: Int?
    /// Whether any frame asks for "restore to previous" (the decoder then keeps a second canvas).
    var restoresPrevious: Bool
    /// Whether the first frame covers the whole screen with no transparent index: its canvas is
    /// then opaque and decodes to RGB.
    var firstFrameOpaque: Bool

    init(_ bytes: [UInt8]) throws(ImageError) {
        guard bytes.count >= 13, bytes.starts(with: Array("GIF8".utf8)), bytes[5] == 0x61, bytes[4] == 0x37 || bytes[4] == 0x39 else {
            throw ImageError.decode("not a GIF file")
        }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        width = u16(6)
        height = u16(8)
        guard width > 0, height > 0 else { throw ImageError.decode("GIF screen of \(width)x\(height) pixels") }
        var at = 13
        if bytes[10] & 0x80 != 0 { at += 3 << (Int(bytes[10] & 7) + 1) }
        frames = 0
        framePixels = 0
        firstFramePixels = 0
        loopCount = nil
        restoresPrevious = false
        firstFrameOpaque = false
        var transparent = false
        /// Skips sub-blocks (length byte, data) up to and past the zero-length terminator.
        func skipSubBlocks(_ at: inout Int) throws(ImageError) {
            while true {
                guard at < bytes.count else { throw ImageError.decode("truncated GIF data") }
                let length = Int(bytes[at])
                at += 1
                if length == 0 { return }
                guard length <= bytes.count - at else { throw ImageError.decode("truncated GIF data") }
                at += length
            }
        }
        walk: while at < bytes.count {
            switch bytes[at] {
            case 0x3B: // trailer
                break walk
            case 0x21: // extension: label, then sub-blocks
                guard at + 2 < bytes.count else { throw ImageError.decode("truncated GIF extension") }
                let label = bytes[at + 1]
                let first = at + 2
                if label == 0xF9, bytes[first] >= 4, first + 4 < bytes.count {
                    let packed = bytes[first + 1]
                    transparent = packed & 1 != 0
                    if (packed >> 2) & 7 == 3 { restoresPrevious = true }
                } else if label == 0xFF, bytes[first] == 11, first + 12 < bytes.count,
                          bytes[(first + 1)..<(first + 12)].elementsEqual("NETSCAPE2.0".utf8) || bytes[(first + 1)..<(first + 12)].elementsEqual("ANIMEXTS1.0".utf8) {
                    let data = first + 12
                    if data + 3 < bytes.count, bytes[data] >= 3, bytes[data + 1] == 1 {
                        loopCount = Int(bytes[data + 2]) | Int(bytes[data + 3]) << 8
                    }
                }
                at = first
                try skipSubBlocks(&at)
            case 0x2C: // image descriptor, optional local table, LZW minimum code size, data
                guard at + 10 <= bytes.count else { throw ImageError.decode("truncated GIF image descriptor") }
                let left = u16(at + 1), top = u16(at + 3), w = u16(at + 5), h = u16(at + 7)
                let packed = bytes[at + 9]
                guard w > 0, h > 0 else { throw ImageError.decode("GIF frame of \(w)x\(h) pixels") }
                if frames == 0 {
                    firstFramePixels = w * h
                    firstFrameOpaque = !transparent && left == 0 && top == 0 && w >= width && h >= height
                }
                frames += 1
                framePixels = Checked.sum(framePixels, w * h)
                at += 10
                if packed & 0x80 != 0 { at += 3 << (Int(packed & 7) + 1) }
                at += 1 // LZW minimum code size
                guard at <= bytes.count else { throw ImageError.decode("truncated GIF image data") }
                try skipSubBlocks(&at)
                transparent = false // a graphic control extension applies to the next frame only
            default:
                throw ImageError.decode("invalid GIF block 0x\(String(bytes[at], radix: 16))")
            }
        }
        guard frames > 0 else { throw ImageError.decode("GIF without an image") }
    }
}
