import OSSImageProcess

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `info` and `average-hue`: OSS answers them with JSON, compared field by field.
enum AnswerChecks {
    static func verify(source: [UInt8], process: ImageProcess, expected: ProcessedImage, output: [UInt8],
                       thresholds: VerificationThresholds) throws(ImageError) -> VerificationReport {
        var report = VerificationReport(process: process.description, expectedFormat: nil, actualFormat: nil,
                                        expectedSize: (expected.width, expected.height), actualSize: (0, 0))
        let ours = AnswerFields(expected.bytes)
        let theirs = AnswerFields(output)
        if process.actions.contains(.averageHue) {
            report.checks.append(averageHue(ours: ours, theirs: theirs, output: output, thresholds: thresholds))
            report.actualSize = report.expectedSize
        } else {
            report.checks += info(ours: ours, theirs: theirs, sourceFormat: ImageCodecs.detectFormat(source))
            report.actualSize = (Int(theirs?.values["ImageWidth"] ?? "") ?? 0, Int(theirs?.values["ImageHeight"] ?? "") ?? 0)
        }
        return report
    }

    /// `{"RGB": "0x5c783b"}` (what the service answers and apps parse), or the bare `0x5c783b`
    /// OSS's current page shows: either is accepted, and the colour must be within
    /// ``VerificationThresholds/maximumHueDistance`` of ours (the service may average a reduced
    /// image; a level or two per channel is no mistake).
    static func averageHue(ours: AnswerFields?, theirs: AnswerFields?, output: [UInt8], thresholds: VerificationThresholds) -> VerificationCheck {
        let limit = thresholds.maximumHueDistance
        let threshold = "<= \(VerificationReport.fixed(limit, decimals: 0)) levels"
        guard let expectedText = ours?.values["RGB"], let expected = colour(expectedText) else {
            preconditionFailure("our average-hue answer is not OSS's JSON")
        }
        var form = "JSON"
        var answered = theirs?.values["RGB"].flatMap(colour)
        if answered == nil {
            let text = trimmed(String(decoding: output.prefix(64), as: UTF8.self))
            answered = output.count <= 64 ? colour(text) : nil
            form = "plain text"
        }
        guard let answered else {
            return VerificationCheck(name: "average-hue", measured: "no colour", threshold: threshold, passed: false,
                                     explanation: "the answer is neither {\"RGB\": \"0x...\"} nor a bare 0xRRGGBB")
        }
        var squares = 0
        for channel in 0..<3 {
            let difference = answered[channel] - expected[channel]
            squares += difference * difference
        }
        let distance = Double(squares).squareRoot()
        let passed = distance <= limit
        return VerificationCheck(name: "average-hue", measured: "\(hex(answered)), distance \(VerificationReport.fixed(distance, decimals: 1))", value: distance,
                                 threshold: threshold, passed: passed,
                                 explanation: "\(form) answer against ours, \(expectedText)" + (passed ? "" : ": another colour"))
    }

    /// The facts of `info`: width, height and format must be ours; the frame count (1 for a still
    /// image) and the EXIF orientation must be ours where the answer has them. FileSize is the
    /// size of the service's own encoding of the file, and is not compared.
    static func info(ours: AnswerFields?, theirs: AnswerFields?, sourceFormat: ImageFormat?) -> [VerificationCheck] {
        guard let ours else { preconditionFailure("our info answer is not OSS's JSON") }
        guard let theirs else {
            return [VerificationCheck(name: "info", measured: "not JSON", threshold: "OSS's info JSON", passed: false,
                                      explanation: "the answer is not a JSON object of {\"value\": ...} fields")]
        }
        var checks: [VerificationCheck] = []
        var expectedFacts: [(String, String?, required: Bool)] = [
            ("ImageWidth", ours.values["ImageWidth"], true), ("ImageHeight", ours.values["ImageHeight"], true),
            ("Format", ours.values["Format"], true),
        ]
        // Our kernel may not write FrameCount; a still image has one frame.
        let frames = ours.values["FrameCount"] ?? (sourceFormat == .gif ? nil : "1")
        expectedFacts.append(("FrameCount", frames, ours.values["FrameCount"] != nil))
        expectedFacts.append(("Orientation", ours.values["Orientation"], false))
        for (field, expected, required) in expectedFacts {
            guard let expected else { continue }
            guard let found = theirs.values[field] else {
                if required {
                    checks.append(VerificationCheck(name: "info \(field)", measured: "missing", threshold: expected, passed: false,
                                                    explanation: "OSS's info always has \(field)"))
                }
                continue
            }
            let passed = normalised(field, found) == normalised(field, expected)
            checks.append(VerificationCheck(name: "info \(field)", measured: found, value: Double(found), threshold: expected, passed: passed,
                                            explanation: passed ? "a fact of the source, as ours" : "the source's \(field) is \(expected)"))
        }
        let size = theirs.values["FileSize"] ?? "missing"
        checks.append(VerificationCheck(name: "info FileSize", measured: size, value: Double(size), threshold: "not compared", passed: true,
                                        explanation: "the size of the service's own encoding (ours is \(ours.values["FileSize"] ?? "?")): not a fact of the image"))
        return checks
    }

    static func normalised(_ field: String, _ value: String) -> String {
        let text = trimmed(value).lowercased()
        return field == "Format" && text == "jpeg" ? "jpg" : text
    }

    /// `0xRRGGBB` (or `#RRGGBB`, or bare hex) as three levels.
    static func colour(_ text: String) -> [Int]? {
        var digits = Substring(trimmed(text))
        if digits.lowercased().hasPrefix("0x") { digits = digits.dropFirst(2) } else if digits.hasPrefix("#") { digits = digits.dropFirst() }
        guard digits.count == 6, let value = Int(digits, radix: 16) else { return nil }
        return [value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF]
    }

    /// `text` without leading and trailing white space.
    static func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    static func hex(_ colour: [Int]) -> String {
        "0x" + colour.map { String(UInt8($0), radix: 16).count == 1 ? "0" + String(UInt8($0), radix: 16) : String(UInt8($0), radix: 16) }.joined()
    }
}

/// The string fields of a JSON object: `"Key": "text"` and `"Key": {"value": "text"}` (OSS's info
/// fields) alike. Other values are skipped; anything that is not a JSON object gives nil.
struct AnswerFields: Decodable {
    var values: [String: String] = [:]

    init?(_ bytes: [UInt8]) {
        guard bytes.count <= 1 << 20, let fields = try? JSONDecoder().decode(AnswerFields.self, from: Data(bytes)) else { return nil }
        self = fields
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if let text = try? container.decode(String.self, forKey: key) {
                values[key.stringValue] = text
            } else if let nested = try? container.nestedContainer(keyedBy: Key.self, forKey: key),
                      let text = try? nested.decode(String.self, forKey: Key(stringValue: "value")) {
                values[key.stringValue] = text
            }
        }
    }
}
