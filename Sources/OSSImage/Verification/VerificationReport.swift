import OSSImageProcess

/// One check of a verification: what was measured, the bar it met or missed, and why it matters.
public struct VerificationCheck: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// What is checked: `format`, `size`, `placement`, `shape`, `background`, `fill`, `pixels`,
    /// `tone`, `sharpness`, `quality`, `interlace`, `average-hue`, `info ImageWidth`...
    public var name: String
    /// The action the check belongs to, as written in the process; nil for checks of the whole
    /// answer.
    public var action: String?
    /// The measurement, in words and units (`201x100`, `31.2 dB`, `mean +64.0`).
    public var measured: String
    /// The measurement as a number, where it is one (nil for a size, a format, an infinite PSNR).
    public var value: Double?
    /// The bar, in words (`>= 28 dB`, `200x100 ±1 px`).
    public var threshold: String
    /// Whether the output met the bar.
    public var passed: Bool
    /// One line on what was found.
    public var explanation: String

    /// A check as a verifier reports it; a non-finite `value` (an infinite PSNR) is kept as nil,
    /// so the check encodes as valid JSON.
    public init(name: String, action: String? = nil, measured: String, value: Double? = nil, threshold: String, passed: Bool, explanation: String) {
        self.name = name
        self.action = action
        self.measured = measured
        self.value = value.flatMap { $0.isFinite ? $0 : nil }
        self.threshold = threshold
        self.passed = passed
        self.explanation = explanation
    }

    private enum CodingKeys: String, CodingKey { case name, action, measured, value, threshold, passed, explanation }

    /// Every field; `value` is null when absent or not finite (JSON has no infinity).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(action, forKey: .action)
        try container.encode(measured, forKey: .measured)
        try container.encode(value.flatMap { $0.isFinite ? $0 : nil }, forKey: .value)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(passed, forKey: .passed)
        try container.encode(explanation, forKey: .explanation)
    }

    /// `ok   size: 201x100 (200x100 ±1 px): within the ±1 px rounding allowance`.
    public var description: String {
        let label = action.map { "\(name) [\($0)]" } ?? name
        return "\(passed ? "ok  " : "FAIL") \(label): \(measured) (\(threshold)): \(explanation)"
    }
}

/// The figures of a verification and its verdict.
///
/// `description` is the short human report `oss verify` prints: the verdict and the main
/// figures on the first line (MATCH or MISMATCH first), then one line per check. `checks` holds
/// every check with its figures for machines (`oss verify --json` encodes the report).
public struct VerificationReport: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// The process verified, as written.
    public var process: String
    /// The format the process should produce; nil for a JSON answer (info, average-hue).
    public var expectedFormat: ImageFormat?
    /// The format of the server's bytes, by their signature; nil for a JSON answer or unknown bytes.
    public var actualFormat: ImageFormat?
    /// The size the local kernel produced (for `info`, the size it reports).
    public var expectedSize: (width: Int, height: Int)
    /// The size of the server's image (for `info`, the size it reports; 0x0 when not known).
    public var actualSize: (width: Int, height: Int)
    /// Where the server's content sits relative to ours, in pixels (right and down positive).
    public var placement: (x: Int, y: Int)
    /// Opaque-area IoU (1 when there is no shape to compare).
    public var maskIoU: Double
    /// Share of the expected background found as background in the output (1 when there is none).
    public var backgroundMatch: Double
    /// PSNR over the meaningful area (inside any shape, off its edge), in dB; infinity when
    /// identical, 0 when not measured.
    public var psnr: Double
    /// Every check made, in order.
    public var checks: [VerificationCheck]

    /// Each failed check, in words; empty on a match.
    public var failures: [String] { checks.filter { !$0.passed }.map(\.description) }

    /// Whether every check passed (and there was at least one).
    public var matches: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }

    init(process: String, expectedFormat: ImageFormat?, actualFormat: ImageFormat?, expectedSize: (width: Int, height: Int),
         actualSize: (width: Int, height: Int)) {
        self.process = process
        self.expectedFormat = expectedFormat
        self.actualFormat = actualFormat
        self.expectedSize = expectedSize
        self.actualSize = actualSize
        placement = (0, 0)
        maskIoU = 1
        backgroundMatch = 1
        psnr = 0
        checks = []
    }

    // Tuples are neither Equatable nor Hashable: every field is listed here, by hand. Keep these
    // two and `encode(to:)` in step with the stored properties (VerificationReportTests checks
    // that a change to any one field changes ==).
    /// Every field equal, the tuples' members one by one.
    public static func == (a: Self, b: Self) -> Bool {
        a.process == b.process && a.expectedFormat == b.expectedFormat && a.actualFormat == b.actualFormat
            && a.expectedSize == b.expectedSize && a.actualSize == b.actualSize && a.placement == b.placement
            && a.maskIoU == b.maskIoU && a.backgroundMatch == b.backgroundMatch && a.psnr == b.psnr && a.checks == b.checks
    }

    /// Every field that `==` compares, the tuples' members one by one.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(process)
        hasher.combine(expectedFormat)
        hasher.combine(actualFormat)
        hasher.combine(expectedSize.width); hasher.combine(expectedSize.height)
        hasher.combine(actualSize.width); hasher.combine(actualSize.height)
        hasher.combine(placement.x); hasher.combine(placement.y)
        hasher.combine(maskIoU)
        hasher.combine(backgroundMatch)
        hasher.combine(psnr)
        hasher.combine(checks)
    }

    /// The verdict (MATCH or MISMATCH) with the formats, sizes and PSNR (or the process), how many
    /// checks passed, then each check on a line of its own.
    public var description: String {
        let passed = checks.filter(\.passed).count
        var text = matches ? "MATCH" : "MISMATCH"
        if expectedFormat != nil || actualFormat != nil {
            text += ": format \(actualFormat?.rawValue ?? "?") (expected \(expectedFormat?.rawValue ?? "?"))"
            text += ", size \(actualSize.width)x\(actualSize.height) (expected \(expectedSize.width)x\(expectedSize.height))"
            text += ", PSNR \(Self.decibels(psnr))"
        } else {
            text += ": \(process)"
        }
        text += "; \(passed) of \(checks.count) checks passed"
        for check in checks { text += "\n  " + check.description }
        return text
    }

    private enum CodingKeys: String, CodingKey {
        case matches, process, expectedFormat, actualFormat, expectedSize, actualSize, placement, maskIoU, backgroundMatch, psnr, checks
    }

    private enum SizeKeys: String, CodingKey { case width, height }
    private enum OffsetKeys: String, CodingKey { case x, y }

    /// Every field, sizes as `{"width", "height"}`, the placement as `{"x", "y"}`, an infinite
    /// PSNR (identical pixels) as null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(matches, forKey: .matches)
        try container.encode(process, forKey: .process)
        try container.encode(expectedFormat?.rawValue, forKey: .expectedFormat)
        try container.encode(actualFormat?.rawValue, forKey: .actualFormat)
        var expected = container.nestedContainer(keyedBy: SizeKeys.self, forKey: .expectedSize)
        try expected.encode(expectedSize.width, forKey: .width)
        try expected.encode(expectedSize.height, forKey: .height)
        var actual = container.nestedContainer(keyedBy: SizeKeys.self, forKey: .actualSize)
        try actual.encode(actualSize.width, forKey: .width)
        try actual.encode(actualSize.height, forKey: .height)
        var offset = container.nestedContainer(keyedBy: OffsetKeys.self, forKey: .placement)
        try offset.encode(placement.x, forKey: .x)
        try offset.encode(placement.y, forKey: .y)
        try container.encode(maskIoU, forKey: .maskIoU)
        try container.encode(backgroundMatch, forKey: .backgroundMatch)
        try container.encode(psnr.isFinite ? psnr : nil, forKey: .psnr)
        try container.encode(checks, forKey: .checks)
    }

    /// `31.2 dB`, or `inf dB` for identical pixels.
    static func decibels(_ value: Double) -> String {
        value.isInfinite ? "inf dB" : fixed(value, decimals: 1) + " dB"
    }

    /// `value` with a fixed number of decimals, without Foundation's formatters.
    static func fixed(_ value: Double, decimals: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var factor = 1
        for _ in 0..<decimals { factor *= 10 }
        let scaledValue = (value * Double(factor)).rounded()
        guard abs(scaledValue) < 9e15 else { return String(Int(value.rounded())) }
        let scaled = Int(scaledValue)
        let sign = scaled < 0 ? "-" : ""
        let whole = abs(scaled) / factor
        guard decimals > 0 else { return sign + String(whole) }
        let fraction = String(abs(scaled) % factor)
        return "\(sign)\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }

    /// `+64.0` / `-3.5`: a signed change.
    static func signed(_ value: Double, decimals: Int = 1) -> String {
        (value >= 0 ? "+" : "") + fixed(value, decimals: decimals)
    }
}
