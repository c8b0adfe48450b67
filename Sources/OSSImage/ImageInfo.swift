import CImageCodecs
import OSSImageProcess

/// `info`: OSS's JSON description of a source, byte for byte as OSS writes it.
///
/// The official SDKs' integration tests read this body back from the real service for a 100×100
/// JPEG (keys sorted, four spaces before each, the last line closing the object on itself, no
/// newline at the end):
///
/// ```
/// {
///     "FileSize": {"value": "3267"},
///     "Format": {"value": "jpg"},
///     "FrameCount": {"value": "1"},
///     "ImageHeight": {"value": "100"},
///     "ImageWidth": {"value": "100"},
///     "ResolutionUnit": {"value": "1"},
///     "XResolution": {"value": "1/1"},
///     "YResolution": {"value": "1/1"}}
/// ```
///
/// `ResolutionUnit`, `XResolution` and `YResolution` come from EXIF when the file has any of them, else
/// from the format's own density: JFIF's units are EXIF's less one (JFIF 0, "no unit", is EXIF 1,
/// which is what the fixture's `00 0001 0001` JFIF header gives above); a PNG's `pHYs` and a BMP's
/// pixels per metre become EXIF unit 3 (centimetres) as `n/100`. OSS does not say what it writes
/// for a file with no density at all; the three fields are then left out. EXIF fields
/// (``EXIFFields``) are added for JPEG, TIFF, WebP, HEIC and AVIF; PNG's are not read, as OSS
/// documents. `FrameCount` is a GIF's frames, an AVIF sequence's frames, a TIFF's pages and a
/// HEIF's top-level images (OSS documents it only for stills, as 1). Where an EXIF field has the
/// name of a basic one (`ImageWidth`...), the basic one wins.
enum ImageInfo {
    static func json(source: [UInt8], header: SourceHeader) -> [UInt8] {
        var fields = exif(source, format: header.format)
        if fields["XResolution"] == nil, fields["YResolution"] == nil, fields["ResolutionUnit"] == nil {
            if let (unit, x, y) = density(source, format: header.format) {
                fields["ResolutionUnit"] = unit
                fields["XResolution"] = x
                fields["YResolution"] = y
            }
        }
        fields["FileSize"] = String(source.count)
        fields["Format"] = header.format.rawValue
        fields["FrameCount"] = String(frames(source, format: header.format))
        fields["ImageHeight"] = String(header.height)
        fields["ImageWidth"] = String(header.width)
        return Array(render(fields).utf8)
    }

    /// The JSON text: keys in byte order, one a line.
    static func render(_ fields: [String: String]) -> String {
        let keys = fields.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let lines = keys.map { "    \(quoted($0)): {\"value\": \(quoted(fields[$0]!))}" }
        return "{\n" + lines.joined(separator: ",\n") + "}"
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func exif(_ source: [UInt8], format: ImageFormat) -> [String: String] {
        switch format {
        case .jpg:
            guard let range = EXIF.tiffPayload(source) else { return [:] }
            return EXIFFields.read(tiff: source[range])
        case .tiff:
            return EXIFFields.read(tiff: source[...], structural: true)
        case .webp:
            guard let range = webpChunk(source, "EXIF") else { return [:] }
            // Some writers keep the "Exif\0\0" prefix of JPEG's APP1 inside the chunk.
            let prefix = Array("Exif\0\0".utf8)
            let start = source[range].starts(with: prefix) ? range.lowerBound + prefix.count : range.lowerBound
            return EXIFFields.read(tiff: source[start..<range.upperBound])
        case .heic:
            guard let info = try? HEIFCodec.inspect(source), let tiff = HEIFCodec.exif(source, length: info.exif_bytes) else { return [:] }
            return EXIFFields.read(tiff: tiff[...])
        case .avif:
            guard let info = try? AVIFCodec.inspect(source), let tiff = AVIFCodec.exif(source, length: info.exif_bytes) else { return [:] }
            return EXIFFields.read(tiff: tiff[...])
        case .png, .gif, .bmp:
            return [:]
        }
    }

    static func frames(_ source: [UInt8], format: ImageFormat) -> Int {
        switch format {
        case .gif: (try? GIFStructure(source).frames) ?? 1
        case .tiff: max(1, Int((try? TIFFCodec.inspect(source).directories) ?? 1))
        case .heic: max(1, Int((try? HEIFCodec.inspect(source).images) ?? 1))
        case .avif: max(1, Int((try? AVIFCodec.inspect(source).frames) ?? 1))
        default: 1
        }
    }

    /// The format's own density as EXIF's unit and rationals.
    static func density(_ source: [UInt8], format: ImageFormat) -> (String, String, String)? {
        switch format {
        case .jpg:
            guard let app0 = jfif(source) else { return nil }
            return (String(app0.unit + 1), "\(app0.x)/1", "\(app0.y)/1")
        case .png:
            guard let (x, y, unit) = pngDensity(source) else { return nil }
            return unit == 1 ? ("3", "\(x)/100", "\(y)/100") : ("1", "\(x)/1", "\(y)/1")
        case .bmp:
            guard let header = try? BMPCodec.header(source), header.density.0 > 0, header.density.1 > 0 else { return nil }
            return ("3", "\(header.density.0)/100", "\(header.density.1)/100")
        default:
            return nil
        }
    }

    /// The JFIF APP0 segment's density: the first segment of a JFIF file, by the format's rule.
    static func jfif(_ jpeg: [UInt8]) -> (unit: Int, x: Int, y: Int)? {
        // FF D8, FF E0, length (16 for JFIF 1.x), "JFIF\0", version (2), unit, Xdensity, Ydensity.
        guard jpeg.count >= 20, jpeg[0] == 0xFF, jpeg[1] == 0xD8, jpeg[2] == 0xFF, jpeg[3] == 0xE0,
              jpeg[6..<11].elementsEqual(Array("JFIF\0".utf8)) else { return nil }
        let unit = Int(jpeg[13])
        let x = Int(jpeg[14]) << 8 | Int(jpeg[15]), y = Int(jpeg[16]) << 8 | Int(jpeg[17])
        guard unit <= 2 else { return nil }
        return (unit, x, y)
    }

    /// A PNG's `pHYs`: pixels per unit, and the unit (1: metre, 0: none, only the aspect).
    static func pngDensity(_ png: [UInt8]) -> (Int, Int, Int)? {
        var at = 8
        while at <= png.count - 12 {
            let length = PNGChunks.be32(png, at)
            guard length <= png.count - at - 12 else { return nil }
            let type = png[(at + 4)..<(at + 8)]
            if type.elementsEqual("pHYs".utf8), length == 9 {
                return (PNGChunks.be32(png, at + 8), PNGChunks.be32(png, at + 12), Int(png[at + 16]))
            }
            if type.elementsEqual("IDAT".utf8) || type.elementsEqual("IEND".utf8) { return nil } // pHYs comes before IDAT
            at += 12 + length
        }
        return nil
    }

    /// The payload of a RIFF chunk of a WebP file (`VP8X` files keep EXIF in a chunk of its own).
    static func webpChunk(_ webp: [UInt8], _ name: String) -> Range<Int>? {
        var at = 12
        while at <= webp.count - 8 {
            let length = Int(webp[at + 4]) | Int(webp[at + 5]) << 8 | Int(webp[at + 6]) << 16 | Int(webp[at + 7]) << 24
            guard length <= webp.count - at - 8 else { return nil }
            if webp[at..<(at + 4)].elementsEqual(name.utf8) { return (at + 8)..<(at + 8 + length) }
            at += 8 + length + (length & 1) // chunks are padded to an even size
        }
        return nil
    }
}
