/// Reads one segment into an ``ImageAction``, in two passes.
///
/// First the *refusals*: the errors OSS documents for that exact input, each with the EC from
/// OSS's error-code pages (`0040-000002xx`/`3xx`). Only a parameter given once is judged, only
/// integers outside the documented range (and non-numbers where the page says so) are refused,
/// and an empty value is never refused: where the documentation does not say, the process is
/// sent. Then the *typed reading*: anything the local engine cannot read makes the segment an
/// ``OpaqueAction`` carrying the problem, sent as written and answered 400 locally.
struct ActionReader {
    let raw: RawSegment
    let depth: Int

    var name: String { raw.name }

    func action() throws(ImageProcessError) -> ImageAction {
        switch name {
        case "resize": try refuseResize()
        case "crop": try refuseCrop()
        case "circle": try refuseInteger("r", 1...4096, ec: "0040-00000233", nonNumberEC: "0040-00000233")
        case "rounded-corners": try refuseInteger("r", 1...4096, ec: "0040-00000237", nonNumberEC: "0040-00000237")
        case "indexcrop": try refuseIndexCrop()
        case "rotate": try refuseBare(missingEC: "0040-00000216", ec: "0040-00000217") { $0.integer.map { (0...360).contains($0) } ?? ($0 != .notNumber) }
        case "auto-orient": try refuseBare(missingEC: "0040-00000214", ec: "0040-00000215") { $0.integer.map { $0 == 0 || $0 == 1 } ?? ($0 != .notNumber) }
        case "bright": try refuseBare(missingEC: "0040-00000245", ec: "0040-00000246") { $0.integer.map { (-100...100).contains($0) } ?? ($0 != .notNumber) }
        case "sharpen": try refuseBare(missingEC: "0040-00000279", ec: "0040-00000280") { $0.integer.map { (50...399).contains($0) } ?? ($0 != .notNumber) }
        case "interlace": try refuseBare(missingEC: "0040-00000281", ec: "0040-00000282") { $0.integer.map { $0 == 0 || $0 == 1 } ?? ($0 != .notNumber) }
        case "blur":
            try refuseInteger("r", 1...50, ec: "0040-00000241", nonNumberEC: "0040-00000241")
            try refuseInteger("s", 1...50, ec: "0040-00000242", nonNumberEC: "0040-00000242")
        case "format": try refuseFormat()
        case "quality": try refuseQuality()
        case "watermark": try refuseWatermark()
        default: break
        }
        do {
            return try typed()
        } catch {
            var problem = error
            problem.isDocumented = false
            return .opaque(OpaqueAction(name: name, arguments: raw.arguments, problem: problem))
        }
    }

    // MARK: Refusals (documented)

    func refusal(_ parameter: String?, _ message: String, ec: String?, code: String = "InvalidArgument") -> ImageProcessError {
        ImageProcessError(action: name, parameter: parameter, message: message, code: code, ec: ec)
    }

    /// An integer parameter given once: refused outside `range`, and when it is no number at all
    /// if OSS documents that too (`nonNumberEC`).
    func refuseInteger(_ key: String, _ range: ClosedRange<Int>, ec: String?, nonNumberEC: String? = nil) throws(ImageProcessError) {
        guard let text = raw.once(key) else { return }
        switch NumberReading(text) {
        case let .integer(value) where !range.contains(value):
            throw refusal(key, "\(key)_\(text) is outside \(Self.bounds(range)).", ec: ec)
        case .notNumber where nonNumberEC != nil:
            throw refusal(key, "\(key)_\(text) is not a number; OSS takes \(Self.bounds(range)).", ec: nonNumberEC)
        default: return
        }
    }

    /// A 0/1 (or 0/1/2) parameter given once: any other number or a non-number is refused.
    func refuseChoice(_ key: String, _ allowed: ClosedRange<Int>, ec: String) throws(ImageProcessError) {
        guard let text = raw.once(key) else { return }
        let reading = NumberReading(text)
        if reading == .notNumber || reading.integer.map({ !allowed.contains($0) }) == true {
            throw refusal(key, "\(key)_\(text) is not one of \(allowed.map(String.init).joined(separator: ", ")).", ec: ec)
        }
    }

    /// `RRGGBB`, the only colour form OSS documents.
    func refuseColor(_ key: String, ec: String) throws(ImageProcessError) {
        guard let text = raw.once(key), !text.isEmpty, !Self.isHexColor(text) else { return }
        throw refusal(key, "\(key)_\(text) is not six hex digits (RRGGBB).", ec: ec)
    }

    func refuseBase64(_ key: String, ec: String) throws(ImageProcessError) {
        guard let text = raw.once(key), !text.isEmpty, Base64URL.decode(text) == nil else { return }
        throw refusal(key, "\(key)_\(text.prefix(64)) is not base64.", ec: ec)
    }

    /// Actions that take one bare value (`rotate,90`): none, several, or a bad one.
    func refuseBare(missingEC: String, ec: String, valid: (NumberReading) -> Bool) throws(ImageProcessError) {
        if raw.arguments.isEmpty {
            throw refusal("value", "\(name) needs a value.", ec: missingEC, code: "MissingArgument")
        }
        let values = raw.arguments.filter { !$0.isEmpty }
        if values.count > 1 {
            throw refusal("value", "\(name) takes one value, not \(values.count).", ec: "0040-00000203")
        }
        if let value = values.first, !valid(NumberReading(value)) {
            throw refusal("value", "'\(value)' is not a value \(name) takes.", ec: ec)
        }
    }

    func refuseResize() throws(ImageProcessError) {
        if let mode = raw.once("m"), !mode.isEmpty, Resize.Mode(rawValue: mode.lowercased()) == nil {
            throw refusal("m", "m_\(mode) is not lfit, mfit, fill, pad or fixed.", ec: "0040-00000311")
        }
        if let w = raw.once("w"), let h = raw.once("h"), NumberReading(w) == .integer(0), NumberReading(h) == .integer(0) {
            throw refusal("w", "w_0 and h_0 leave no size.", ec: "0040-00000321")
        }
        try refuseInteger("w", 1...16384, ec: "0040-00000312")
        // OSS documents the range of h as an error, without an EC number we could find.
        try refuseInteger("h", 1...16384, ec: nil)
        try refuseInteger("l", 1...16384, ec: "0040-00000314")
        try refuseInteger("s", 1...16384, ec: "0040-00000315")
        try refuseInteger("p", 1...1000, ec: "0040-00000317")
        try refuseColor("color", ec: "0040-00000318")
        try refuseChoice("limit", 0...1, ec: "0040-00000319")
        if raw.arguments.isEmpty {
            throw refusal(nil, "resize needs w, h, l, s or p.", ec: "0040-00000322", code: "MissingArgument")
        }
        if !["w", "h", "l", "s", "p", "P"].contains(where: raw.has) {
            throw refusal("w", "resize needs a size: w, h, l, s or p.", ec: nil, code: "MissingArgument")
        }
    }

    func refuseCrop() throws(ImageProcessError) {
        try refuseInteger("w", 0...NumberReading.saturation, ec: "0040-00000225", nonNumberEC: "0040-00000225")
        try refuseInteger("h", 0...NumberReading.saturation, ec: "0040-00000226", nonNumberEC: "0040-00000226")
        if let gravity = raw.once("g"), !gravity.isEmpty, Gravity(parameter: gravity) == nil {
            throw refusal("g", "g_\(gravity) is not one of nw, north, ne, west, center, east, sw, south, se.", ec: "0040-00000209")
        }
    }

    func refuseIndexCrop() throws(ImageProcessError) {
        try refuseInteger("x", 1...NumberReading.saturation, ec: "0040-00000230", nonNumberEC: "0040-00000230")
        try refuseInteger("y", 1...NumberReading.saturation, ec: "0040-00000230", nonNumberEC: "0040-00000224")
        if let index = raw.once("i"), NumberReading(index) == .notNumber {
            throw refusal("i", "i_\(index) is not a number.", ec: "0040-00000229")
        }
    }

    func refuseFormat() throws(ImageProcessError) {
        if raw.arguments.isEmpty {
            throw refusal("value", "format needs a format name.", ec: "0040-00000207", code: "MissingArgument")
        }
        if let value = raw.values.first, raw.values.count == 1, ImageFormat(parameter: value) == nil {
            throw refusal("value", "'\(value)' is not jpg, png, webp, bmp, gif, tiff, heic or avif.", ec: "0040-00000206")
        }
    }

    func refuseQuality() throws(ImageProcessError) {
        try refuseInteger("q", 1...100, ec: "0040-00000309")
        try refuseInteger("Q", 1...100, ec: "0040-00000308")
        if raw.values.count == 1, let value = NumberReading(raw.values[0]).integer, !(1...100).contains(value) {
            throw refusal("value", "quality,\(value) is outside 1...100.", ec: "0040-00000310")
        }
    }

    func refuseWatermark() throws(ImageProcessError) {
        if raw.bare.contains("text") && !raw.has("text") {
            throw refusal("text", "text has no value.", ec: "0040-00000258", code: "MissingArgument")
        }
        try refuseBase64("text", ec: "0040-00000257")
        try refuseBase64("type", ec: "0040-00000250")
        try refuseBase64("image", ec: "0040-00000265")
        if let image = raw.once("image"), let reference = Base64URL.decodeText(image),
           let marker = reference.utf8.firstRange(of: ImageWatermark.processMarker.utf8) {
            let nested = String(decoding: reference.utf8[marker.upperBound...], as: UTF8.self)
            for nestedName in Self.actionNames(nested) {
                if nestedName == "watermark" {
                    throw refusal("image", "the watermark image's process holds a watermark.", ec: "0040-00000373")
                }
                if nestedName == "info" {
                    throw refusal("image", "the watermark image's process holds info.", ec: "0040-00000374")
                }
            }
        }
        try refuseColor("color", ec: "0040-00000254")
        try refuseInteger("shadow", 0...100, ec: "0040-00000255", nonNumberEC: "0040-00000255")
        try refuseInteger("size", 1...1000, ec: "0040-00000256", nonNumberEC: "0040-00000256")
        try refuseInteger("x", 0...4096, ec: "0040-00000262")
        try refuseInteger("y", 0...4096, ec: "0040-00000264")
        try refuseInteger("t", 0...100, ec: "0040-00000263")
        try refuseInteger("voffset", -1000...1000, ec: "0040-00000268")
        try refuseChoice("order", 0...1, ec: "0040-00000269")
        try refuseInteger("interval", 0...1000, ec: "0040-00000270")
        try refuseChoice("align", 0...2, ec: "0040-00000271")
        try refuseInteger("rotate", 0...360, ec: "0040-00000272")
        try refuseChoice("fill", 0...1, ec: "0040-00000274")
    }

    /// The action names of every image stage of a (nested) process string.
    static func actionNames(_ process: String) -> [String] {
        var names: [String] = []
        for stage in ProcessText.split(process, on: UInt8(ascii: "|")) where stage.utf8.starts(with: "image/".utf8) {
            for segment in ProcessText.split(ProcessText.dropPrefix(stage, 6), on: UInt8(ascii: "/")) {
                names.append(ProcessText.split(segment, on: UInt8(ascii: ",")).first ?? "")
            }
        }
        return names
    }

    static func bounds(_ range: ClosedRange<Int>) -> String {
        range.upperBound >= NumberReading.saturation ? "\(range.lowerBound) or more" : "\(range.lowerBound)...\(range.upperBound)"
    }

    static func isHexColor(_ text: String) -> Bool {
        text.utf8.count == 6 && text.utf8.allSatisfy { (48...57).contains($0) || (65...70).contains($0) || (97...102).contains($0) }
    }
}
