/// Every EXIF field `info` reports, read from a TIFF structure (a JPEG's APP1, a WebP's EXIF
/// chunk, a HEIF or AVIF Exif item, or a TIFF file itself), named and written as OSS writes them.
///
/// OSS's `info` answers use exiv2's tag names (`ExifTag`, `GPSTag`, `PixelXDimension`,
/// `ISOSpeedRatings`, `JPEGInterchangeFormat`) and exiv2's plain value text: integers in decimal,
/// rationals as `n/d`, several values joined by spaces, undefined bytes as decimal numbers
/// (`"ExifVersion": "48 50 51 48"`), strings up to their NUL. GPS coordinates and their
/// references are the exception, written as exiv2 prints them (`"31deg 55' 3.870\" "`,
/// `"North"`), as OSS's own examples show. The thumbnail directory (IFD1) adds its
/// `Compression` and `JPEGInterchangeFormat(Length)`; where IFD0 and IFD1 name the same field,
/// IFD0's wins.
///
/// OSS does not document which tags it leaves out. Here: tags this table does not name, the
/// MakerNote (vendor binary), the Interoperability directory, and any field of more than 256
/// values. Every offset and count comes from the file and is checked against the bytes there;
/// each directory is read once (a loop of links cannot make the reader work longer), and at most
/// as many entries as the bytes after its count can hold.
enum EXIFFields {
    /// Fields of a TIFF structure by name. `structural`: the structure is a TIFF image itself, so
    /// its layout tags (strips, tiles, sample formats, colour map...) and IFD1 (its second page,
    /// not a thumbnail) are left out.
    static func read(tiff bytes: ArraySlice<UInt8>, structural: Bool = false) -> [String: String] {
        let data = Array(bytes)
        guard data.count >= 8 else { return [:] }
        let little: Bool
        switch (data[0], data[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return [:]
        }
        var reader = Reader(data: data, little: little)
        guard reader.u16(2) == 42, let ifd0 = reader.u32(4) else { return [:] }
        var fields: [String: String] = [:]
        var visited: Set<Int> = []
        let next = reader.directory(at: ifd0, names: Names.image, into: &fields, visited: &visited, skip: structural ? Names.layout : [])
        if let exif = fields["ExifTag"].flatMap(Int.init) {
            _ = reader.directory(at: exif, names: Names.photo, into: &fields, visited: &visited, skip: [])
        }
        if let gps = fields["GPSTag"].flatMap(Int.init) {
            _ = reader.directory(at: gps, names: Names.gps, into: &fields, visited: &visited, skip: [], gps: true)
        }
        if !structural, let next, next != 0 {
            var thumbnail: [String: String] = [:]
            _ = reader.directory(at: next, names: Names.thumbnail, into: &thumbnail, visited: &visited, skip: [])
            for (name, value) in thumbnail where fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private struct Reader {
        let data: [UInt8]
        let little: Bool

        func u16(_ at: Int) -> Int? {
            guard at >= 0, at <= data.count - 2 else { return nil }
            return little ? Int(data[at]) | Int(data[at + 1]) << 8 : Int(data[at]) << 8 | Int(data[at + 1])
        }

        func u32(_ at: Int) -> Int? {
            guard let first = u16(at), let second = u16(at + 2) else { return nil }
            return little ? first | second << 16 : first << 16 | second
        }

        /// Bytes a value of `type` takes, for the types TIFF 6.0 and EXIF define.
        static func size(of type: Int) -> Int? {
            switch type {
            case 1, 2, 6, 7: 1
            case 3, 8: 2
            case 4, 9, 11: 4
            case 5, 10, 12: 8
            default: nil
            }
        }

        /// Reads one directory's named entries into `fields`; returns the next directory's offset.
        mutating func directory(at offset: Int, names: [Int: String], into fields: inout [String: String], visited: inout Set<Int>,
                                skip: Set<Int>, gps: Bool = false) -> Int? {
            guard offset >= 8, !visited.contains(offset), let declared = u16(offset) else { return nil }
            visited.insert(offset)
            let entries = min(declared, (data.count - offset - 2) / 12)
            for entry in 0..<entries {
                let at = offset + 2 + entry * 12
                guard let tag = u16(at), let name = names[tag], !skip.contains(tag), let type = u16(at + 2), let count = u32(at + 4),
                      let unit = Self.size(of: type), count > 0, count <= 256 else { continue }
                let length = unit * count
                let start: Int
                if length <= 4 {
                    start = at + 8
                } else {
                    guard let pointer = u32(at + 8), pointer >= 0, pointer <= data.count - length else { continue }
                    start = pointer
                }
                if let value = text(type: type, count: count, at: start, tag: tag, gps: gps) { fields[name] = value }
            }
            return u32(offset + 2 + declared * 12)
        }

        private func signed(_ value: Int, bits: Int) -> Int { value >= 1 << (bits - 1) ? value - (1 << bits) : value }

        func text(type: Int, count: Int, at start: Int, tag: Int, gps: Bool) -> String? {
            switch type {
            case 2:
                let bytes = data[start..<(start + count)].prefix { $0 != 0 }
                let value = String(decoding: bytes, as: UTF8.self)
                if gps, let reference = Self.reference(tag: tag, value) { return reference }
                return value
            case 5, 10:
                var parts: [(Int, Int)] = []
                for i in 0..<count {
                    guard var n = u32(start + i * 8), var d = u32(start + i * 8 + 4) else { return nil }
                    if type == 10 { n = signed(n, bits: 32); d = signed(d, bits: 32) }
                    parts.append((n, d))
                }
                if gps, [0x0002, 0x0004, 0x0014, 0x0016].contains(tag), parts.count == 3 { return Self.degrees(parts) }
                return parts.map { "\($0.0)/\($0.1)" }.joined(separator: " ")
            case 11, 12:
                return nil // FLOAT and DOUBLE: no EXIF tag named here uses them
            default:
                var values: [String] = []
                let unit = Self.size(of: type) ?? 1
                for i in 0..<count {
                    let at = start + i * unit
                    let raw: Int?
                    switch unit {
                    case 1: raw = at < data.count ? Int(data[at]) : nil
                    case 2: raw = u16(at)
                    default: raw = u32(at)
                    }
                    guard let raw else { return nil }
                    switch type {
                    case 6: values.append(String(signed(raw, bits: 8)))
                    case 8: values.append(String(signed(raw, bits: 16)))
                    case 9: values.append(String(signed(raw, bits: 32)))
                    default: values.append(String(raw))
                    }
                }
                return values.joined(separator: " ")
            }
        }

        /// N, S, E, W as exiv2 prints them.
        static func reference(tag: Int, _ value: String) -> String? {
            guard [0x0001, 0x0003, 0x0013, 0x0015].contains(tag) else { return nil }
            switch value {
            case "N": return "North"
            case "S": return "South"
            case "E": return "East"
            case "W": return "West"
            default: return nil
            }
        }

        /// Degrees, minutes, seconds as exiv2 prints them: each part followed by its unit and a
        /// space, decimals only where the rational is not whole (7 for degrees, 5 for minutes, 3
        /// for seconds), trailing zero parts left out; a zero denominator prints the raw values.
        static func degrees(_ parts: [(Int, Int)]) -> String {
            let units = ["deg", "'", "\""], precision = [7, 5, 3]
            var last = 2
            while last > 0, parts[last].0 == 0 { last -= 1 }
            var text = ""
            for i in 0...last {
                let (n, d) = parts[i]
                guard d != 0 else { return "(" + parts.map { "\($0.0)/\($0.1)" }.joined(separator: " ") + ")" }
                let digits = n % d == 0 ? 0 : precision[i]
                text += fixed(Double(n) / Double(d), digits: digits) + units[i] + " "
            }
            return text
        }

        /// `value` with `digits` decimals, rounded half away from zero (as printf's %.Nf does for
        /// these magnitudes).
        static func fixed(_ value: Double, digits: Int) -> String {
            guard value.isFinite else { return String(value) }
            if digits == 0 { return String(Int(value.rounded())) }
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            let scaled = (abs(value) * scale).rounded()
            guard scaled < 9e15 else { return String(value) }
            let whole = Int(scaled) / Int(scale), fraction = Int(scaled) % Int(scale)
            let padded = String(fraction).count < digits ? String(repeating: "0", count: digits - String(fraction).count) + String(fraction) : String(fraction)
            return (value < 0 ? "-" : "") + "\(whole).\(padded)"
        }
    }

    /// exiv2's names of the EXIF 2.3 and TIFF 6.0 tags.
    enum Names {
        static let image: [Int: String] = [
            0x00FE: "NewSubfileType", 0x0100: "ImageWidth", 0x0101: "ImageLength", 0x0102: "BitsPerSample", 0x0103: "Compression",
            0x0106: "PhotometricInterpretation", 0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model", 0x0111: "StripOffsets",
            0x0112: "Orientation", 0x0115: "SamplesPerPixel", 0x0116: "RowsPerStrip", 0x0117: "StripByteCounts", 0x011A: "XResolution",
            0x011B: "YResolution", 0x011C: "PlanarConfiguration", 0x0128: "ResolutionUnit", 0x012D: "TransferFunction", 0x0131: "Software",
            0x0132: "DateTime", 0x013B: "Artist", 0x013C: "HostComputer", 0x013D: "Predictor", 0x013E: "WhitePoint",
            0x013F: "PrimaryChromaticities", 0x0140: "ColorMap", 0x0142: "TileWidth", 0x0143: "TileLength", 0x0144: "TileOffsets",
            0x0145: "TileByteCounts", 0x0152: "ExtraSamples", 0x0153: "SampleFormat", 0x0201: "JPEGInterchangeFormat",
            0x0202: "JPEGInterchangeFormatLength", 0x0211: "YCbCrCoefficients", 0x0212: "YCbCrSubSampling", 0x0213: "YCbCrPositioning",
            0x0214: "ReferenceBlackWhite", 0x8298: "Copyright", 0x8769: "ExifTag", 0x8825: "GPSTag",
        ]
        /// A TIFF image's own layout, left out when the structure is the image.
        static let layout: Set<Int> = [0x00FE, 0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x0111, 0x0115, 0x0116, 0x0117, 0x011C, 0x013D,
                                       0x0140, 0x0142, 0x0143, 0x0144, 0x0145, 0x0152, 0x0153, 0x012D]
        static let thumbnail: [Int: String] = [
            0x0103: "Compression", 0x011A: "XResolution", 0x011B: "YResolution", 0x0128: "ResolutionUnit",
            0x0201: "JPEGInterchangeFormat", 0x0202: "JPEGInterchangeFormatLength",
        ]
        static let photo: [Int: String] = [
            0x829A: "ExposureTime", 0x829D: "FNumber", 0x8822: "ExposureProgram", 0x8824: "SpectralSensitivity", 0x8827: "ISOSpeedRatings",
            0x8828: "OECF", 0x8830: "SensitivityType", 0x8831: "StandardOutputSensitivity", 0x8832: "RecommendedExposureIndex",
            0x8833: "ISOSpeed", 0x8834: "ISOSpeedLatitudeyyy", 0x8835: "ISOSpeedLatitudezzz", 0x9000: "ExifVersion",
            0x9003: "DateTimeOriginal", 0x9004: "DateTimeDigitized", 0x9010: "OffsetTime", 0x9011: "OffsetTimeOriginal",
            0x9012: "OffsetTimeDigitized", 0x9101: "ComponentsConfiguration", 0x9102: "CompressedBitsPerPixel", 0x9201: "ShutterSpeedValue",
            0x9202: "ApertureValue", 0x9203: "BrightnessValue", 0x9204: "ExposureBiasValue", 0x9205: "MaxApertureValue",
            0x9206: "SubjectDistance", 0x9207: "MeteringMode", 0x9208: "LightSource", 0x9209: "Flash", 0x920A: "FocalLength",
            0x9214: "SubjectArea", 0x9286: "UserComment", 0x9290: "SubSecTime", 0x9291: "SubSecTimeOriginal",
            0x9292: "SubSecTimeDigitized", 0xA000: "FlashpixVersion", 0xA001: "ColorSpace", 0xA002: "PixelXDimension",
            0xA003: "PixelYDimension", 0xA004: "RelatedSoundFile", 0xA20B: "FlashEnergy", 0xA20E: "FocalPlaneXResolution",
            0xA20F: "FocalPlaneYResolution", 0xA210: "FocalPlaneResolutionUnit", 0xA214: "SubjectLocation", 0xA215: "ExposureIndex",
            0xA217: "SensingMethod", 0xA300: "FileSource", 0xA301: "SceneType", 0xA302: "CFAPattern", 0xA401: "CustomRendered",
            0xA402: "ExposureMode", 0xA403: "WhiteBalance", 0xA404: "DigitalZoomRatio", 0xA405: "FocalLengthIn35mmFilm",
            0xA406: "SceneCaptureType", 0xA407: "GainControl", 0xA408: "Contrast", 0xA409: "Saturation", 0xA40A: "Sharpness",
            0xA40B: "DeviceSettingDescription", 0xA40C: "SubjectDistanceRange", 0xA420: "ImageUniqueID", 0xA430: "CameraOwnerName",
            0xA431: "BodySerialNumber", 0xA432: "LensSpecification", 0xA433: "LensMake", 0xA434: "LensModel",
            0xA435: "LensSerialNumber", 0xA500: "Gamma",
        ]
        static let gps: [Int: String] = [
            0x0000: "GPSVersionID", 0x0001: "GPSLatitudeRef", 0x0002: "GPSLatitude", 0x0003: "GPSLongitudeRef", 0x0004: "GPSLongitude",
            0x0005: "GPSAltitudeRef", 0x0006: "GPSAltitude", 0x0007: "GPSTimeStamp", 0x0008: "GPSSatellites", 0x0009: "GPSStatus",
            0x000A: "GPSMeasureMode", 0x000B: "GPSDOP", 0x000C: "GPSSpeedRef", 0x000D: "GPSSpeed", 0x000E: "GPSTrackRef",
            0x000F: "GPSTrack", 0x0010: "GPSImgDirectionRef", 0x0011: "GPSImgDirection", 0x0012: "GPSMapDatum",
            0x0013: "GPSDestLatitudeRef", 0x0014: "GPSDestLatitude", 0x0015: "GPSDestLongitudeRef", 0x0016: "GPSDestLongitude",
            0x0017: "GPSDestBearingRef", 0x0018: "GPSDestBearing", 0x0019: "GPSDestDistanceRef", 0x001A: "GPSDestDistance",
            0x001B: "GPSProcessingMethod", 0x001C: "GPSAreaInformation", 0x001D: "GPSDateStamp", 0x001E: "GPSDifferential",
            0x001F: "GPSHPositioningError",
        ]
    }
}
