extension ImageProcess {
    /// The bounds of the parser, so that no input makes it slow, deep or large. A longer process is
    /// not read: the client sends it as written (OSS documents no length of its own), and the
    /// local engine answers 400.
    public enum ParserLimits {
        /// UTF-8 bytes of the whole process.
        public static let maximumLength = 16 * 1024
        /// `|`-separated stages.
        public static let maximumStages = 16
        /// `/`-separated segments of one image stage.
        public static let maximumSegments = 256
        /// `,`-separated parameters of one segment.
        public static let maximumParameters = 64
        /// How deep a watermark image's own process is read (it may not hold a watermark).
        public static let maximumNesting = 1
    }

    /// Parses any `x-oss-process` value. It throws only the errors OSS documents for the exact
    /// input (``ImageProcessError/isDocumented``), and a process past ``ParserLimits``. Everything
    /// else parses, and ``description`` gives the same bytes back.
    public init(parsing text: String) throws(ImageProcessError) {
        try self.init(parsing: text, depth: 0)
    }

    init(parsing text: String, depth: Int) throws(ImageProcessError) {
        let length = text.utf8.count
        guard length <= ParserLimits.maximumLength else {
            throw Self.limit("the process is \(length) bytes; the parser reads at most \(ParserLimits.maximumLength).")
        }
        let pieces = ProcessText.split(text, on: UInt8(ascii: "|"))
        guard pieces.count <= ParserLimits.maximumStages else {
            throw Self.limit("the process has \(pieces.count) '|'-separated stages; the parser reads at most \(ParserLimits.maximumStages).")
        }
        var stages: [ProcessStage] = []
        stages.reserveCapacity(pieces.count)
        for piece in pieces { stages.append(try ProcessStage(parsing: piece, depth: depth)) }
        self.init(stages: stages)
    }

    static func limit(_ message: String) -> ImageProcessError {
        ImageProcessError(action: "x-oss-process", parameter: nil, message: message, isDocumented: false)
    }
}

extension ProcessStage {
    init(parsing text: String, depth: Int) throws(ImageProcessError) {
        let bytes = text.utf8
        if bytes.elementsEqual("image".utf8) {
            self = .image([])
        } else if bytes.starts(with: "image/".utf8) {
            let segments = ProcessText.split(ProcessText.dropPrefix(text, 6), on: UInt8(ascii: "/"))
            guard segments.count <= ImageProcess.ParserLimits.maximumSegments else {
                throw ImageProcess.limit("an image stage has \(segments.count) segments; the parser reads at most \(ImageProcess.ParserLimits.maximumSegments).")
            }
            var steps: [ImageStep] = []
            steps.reserveCapacity(segments.count)
            for segment in segments { steps.append(try ImageStep(parsing: segment, depth: depth)) }
            self = .image(steps)
        } else if bytes.starts(with: "style/".utf8) {
            self = .style(ProcessText.dropPrefix(text, 6))
        } else if bytes.starts(with: "sys/saveas,".utf8), let target = SaveAs(parsing: text) {
            self = .saveAs(target)
        } else {
            self = .other(text)
        }
    }
}

extension ImageStep {
    init(parsing segment: String, depth: Int) throws(ImageProcessError) {
        let raw = try RawSegment(segment)
        self.init(action: try ActionReader(raw: raw, depth: depth).action(), written: segment)
    }
}

extension SaveAs {
    /// `sys/saveas,o_...,b_...`; nil when the key is missing or its base64 unreadable (the stage
    /// is then kept as written).
    init?(parsing text: String) {
        var key: String?
        var bucket: String?
        for part in ProcessText.split(ProcessText.dropPrefix(text, "sys/saveas,".utf8.count), on: UInt8(ascii: ",")) {
            if part.utf8.starts(with: "o_".utf8) {
                guard let decoded = Base64URL.decodeText(ProcessText.dropPrefix(part, 2)), !decoded.isEmpty else { return nil }
                key = decoded
            } else if part.utf8.starts(with: "b_".utf8) {
                guard let decoded = Base64URL.decodeText(ProcessText.dropPrefix(part, 2)), !decoded.isEmpty else { return nil }
                bucket = decoded
            }
        }
        guard let key else { return nil }
        self.init(key: key, bucket: bucket, written: text)
    }
}

/// Byte-level splitting: OSS's separators are ASCII, so pieces cut at them are valid UTF-8 and
/// join back to the same bytes (splitting by `Character` would not cut `/` followed by a
/// combining mark).
enum ProcessText {
    static func split(_ text: String, on separator: UInt8) -> [String] {
        var pieces: [String] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var index = start
        while index != bytes.endIndex {
            if bytes[index] == separator {
                pieces.append(String(decoding: bytes[start..<index], as: UTF8.self))
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        pieces.append(String(decoding: bytes[start...], as: UTF8.self))
        return pieces
    }

    /// The text after its first `count` bytes (an ASCII prefix already matched).
    static func dropPrefix(_ text: String, _ count: Int) -> String {
        String(decoding: text.utf8.dropFirst(count), as: UTF8.self)
    }
}

/// One segment split at commas, parameters grouped by key, all as written.
struct RawSegment {
    let name: String
    let arguments: [String]
    private(set) var keyed: [String: [String]] = [:]
    private(set) var bare: [String] = []

    init(_ segment: String) throws(ImageProcessError) {
        let parts = ProcessText.split(segment, on: UInt8(ascii: ","))
        name = parts[0]
        guard parts.count - 1 <= ImageProcess.ParserLimits.maximumParameters else {
            throw ImageProcess.limit("'\(name.prefix(32))' has \(parts.count - 1) parameters; the parser reads at most \(ImageProcess.ParserLimits.maximumParameters).")
        }
        arguments = Array(parts.dropFirst())
        for argument in arguments {
            let bytes = argument.utf8
            if let underscore = bytes.firstIndex(of: UInt8(ascii: "_")) {
                let key = String(decoding: bytes[..<underscore], as: UTF8.self)
                keyed[key, default: []].append(String(decoding: bytes[bytes.index(after: underscore)...], as: UTF8.self))
            } else {
                bare.append(argument)
            }
        }
    }

    func has(_ key: String) -> Bool { keyed[key] != nil }
    /// The value of a key given exactly once. Refusals look only at these: when a key is repeated,
    /// which one OSS reads is not documented.
    func once(_ key: String) -> String? {
        guard let values = keyed[key], values.count == 1 else { return nil }
        return values[0]
    }
    /// The last value of a key: what the local engine reads.
    func last(_ key: String) -> String? { keyed[key]?.last }
    /// The non-empty bare values (`rotate,90`), in order.
    var values: [String] { bare.filter { !$0.isEmpty } }
}

/// How a parameter's text reads as a number.
enum NumberReading: Equatable {
    /// Digits with an optional sign; beyond ±10⁹ the value saturates, outside every documented
    /// range, so no arithmetic on it can overflow.
    case integer(Int)
    /// A number followed by other text (`100px`, `1.5`).
    case partial
    /// No number at all (`abc`).
    case notNumber
    /// Nothing (`w_`).
    case empty

    static let saturation = 1_000_000_000

    init(_ text: String) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { self = .empty; return }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count, (48...57).contains(bytes[index]) else { self = .notNumber; return }
        var value = 0
        while index < bytes.count, (48...57).contains(bytes[index]) {
            // Checked before multiplying, so it holds on 32-bit Int too.
            value = value >= Self.saturation / 10 ? Self.saturation : min(Self.saturation, value * 10 + Int(bytes[index] - 48))
            index += 1
        }
        guard index == bytes.count else { self = .partial; return }
        self = .integer(negative ? -value : value)
    }

    var integer: Int? { if case let .integer(value) = self { value } else { nil } }
}
