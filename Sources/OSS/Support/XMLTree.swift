/// A small XML reader for the documents OSS returns (error bodies, listings).
///
/// Hand-written so the client does not pull libxml2 in through FoundationXML. It reads elements,
/// character data, CDATA sections, comments, processing instructions, the five predefined entities
/// and numeric character references. Attributes are read past and dropped: OSS puts nothing the
/// client needs in them. A DOCTYPE with an internal subset is refused, because entities it declares
/// could not be expanded and the text would silently be wrong.
///
/// The bytes come from the network (or from whatever answers on the other end of a misconfigured
/// endpoint), so the reader is bounded: it keeps open elements on an explicit stack instead of
/// recursing, and `Limits` caps nesting depth, element count and size. A document that is not
/// well-formed, or that passes a limit, gives nil rather than a partial tree: a wrong tree would be
/// read as a wrong listing or a wrong error code.
package struct XMLTree: Sendable, Hashable {
    /// The element's name, prefix included (`ListBucketResult`).
    package var name: String
    /// The element's own character data, entities decoded, children's text not included.
    package var text: String
    /// Child elements, in document order.
    package var children: [XMLTree]

    /// An element from parts.
    package init(name: String, text: String = "", children: [XMLTree] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child with that name.
    package func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }
    /// Every child with that name.
    package func children(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }
    /// The text of the first child with that name.
    package func value(_ name: String) -> String? { child(name)?.text }

    /// What a document may cost before it is refused.
    package struct Limits: Sendable, Hashable {
        /// Elements nested in one another, the root counting as 1. OSS documents nest four deep
        /// (`ListBucketResult > Contents > Owner > ID`); 64 leaves room and keeps every walk of the
        /// tree, and its destruction, shallow.
        package var maximumDepth: Int
        /// Elements in the whole document. A full listing page (1,000 keys of about ten elements
        /// each, plus common prefixes) has about 13,000.
        package var maximumElements: Int
        /// Bytes in the document: the most the client reads of a listing (32 MiB).
        package var maximumBytes: Int

        /// Limits; the defaults fit every document OSS sends.
        package init(maximumDepth: Int = 64, maximumElements: Int = 250_000, maximumBytes: Int = 32 << 20) {
            self.maximumDepth = maximumDepth
            self.maximumElements = maximumElements
            self.maximumBytes = maximumBytes
        }

        /// Depth 64, 250,000 elements, 32 MiB.
        package static let `default` = Limits()
    }

    /// Parses a document; nil when it is not well-formed or passes a limit.
    package static func parse(_ bytes: [UInt8], limits: Limits = .default) -> XMLTree? {
        guard bytes.count <= limits.maximumBytes else { return nil }
        var parser = XMLReader(bytes: bytes, limits: limits)
        return parser.document()
    }
}

/// The reader behind `XMLTree.parse`: one pass over the bytes, open elements on a stack.
private struct XMLReader {
    let bytes: [UInt8]
    let limits: XMLTree.Limits
    var index = 0
    var elementCount = 0

    /// An element whose end tag has not been seen yet.
    struct OpenElement {
        var name: [UInt8]
        var text: [UInt8] = []
        var children: [XMLTree] = []
    }

    mutating func document() -> XMLTree? {
        guard !bytes.contains(where: Self.isForbiddenControl) else { return nil }
        if has([0xEF, 0xBB, 0xBF]) { index += 3 } // UTF-8 byte order mark
        guard skipMisc(allowingDoctype: true), index < bytes.count, bytes[index] == Byte.lessThan else { return nil }
        guard let root = rootElement() else { return nil }
        guard skipMisc(allowingDoctype: false), index == bytes.count else { return nil }
        return root
    }

    /// Reads from the root's start tag to its end tag.
    mutating func rootElement() -> XMLTree? {
        var stack: [OpenElement] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Byte.lessThan {
                if has("</") {
                    guard let name = endTag(), let open = stack.popLast(), open.name == name,
                          let node = Self.finish(open) else { return nil }
                    if stack.isEmpty { return node }
                    stack[stack.count - 1].children.append(node)
                } else if has("<!--") {
                    guard skipComment() else { return nil }
                } else if has("<![CDATA[") {
                    guard !stack.isEmpty, cdata(into: &stack[stack.count - 1].text) else { return nil }
                } else if has("<?") {
                    guard skipProcessingInstruction() else { return nil }
                } else if has("<!") {
                    return nil // a DOCTYPE or declaration inside an element
                } else {
                    guard stack.count < limits.maximumDepth, elementCount < limits.maximumElements,
                          let (name, isEmpty) = startTag() else { return nil }
                    elementCount += 1
                    if isEmpty {
                        guard let node = Self.finish(OpenElement(name: name)) else { return nil }
                        if stack.isEmpty { return node }
                        stack[stack.count - 1].children.append(node)
                    } else {
                        stack.append(OpenElement(name: name))
                    }
                }
            } else {
                guard !stack.isEmpty else { return nil }
                if byte == Byte.ampersand {
                    guard reference(into: &stack[stack.count - 1].text) else { return nil }
                } else {
                    characterData(into: &stack[stack.count - 1].text)
                }
            }
        }
        return nil // the document ended inside an element
    }

    static func finish(_ open: OpenElement) -> XMLTree? {
        guard let name = String(validating: open.name, as: UTF8.self),
              let text = String(validating: open.text, as: UTF8.self) else { return nil }
        return XMLTree(name: name, text: text, children: open.children)
    }

    // MARK: Markup

    /// `<name attr="value" ...>` or `<name .../>`; the index is on `<`.
    mutating func startTag() -> (name: [UInt8], isEmpty: Bool)? {
        index += 1
        guard let name = name() else { return nil }
        while true {
            let spaced = skipWhitespace()
            guard index < bytes.count else { return nil }
            if has("/>") {
                index += 2
                return (name, true)
            }
            if bytes[index] == Byte.greaterThan {
                index += 1
                return (name, false)
            }
            guard spaced, skipAttribute() else { return nil }
        }
    }

    /// `name = "value"` or `name='value'`; the value may hold `>` but not `<`.
    mutating func skipAttribute() -> Bool {
        guard self.name() != nil else { return false }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Byte.equals else { return false }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Byte.quote || bytes[index] == Byte.apostrophe else { return false }
        let quote = bytes[index]
        index += 1
        while index < bytes.count, bytes[index] != quote {
            guard bytes[index] != Byte.lessThan else { return false }
            index += 1
        }
        guard index < bytes.count else { return false }
        index += 1
        return true
    }

    /// `</name>` with optional whitespace before `>`; the index is on `<`.
    mutating func endTag() -> [UInt8]? {
        index += 2
        guard let name = name() else { return nil }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Byte.greaterThan else { return nil }
        index += 1
        return name
    }

    /// An element or attribute name: at least one byte, not starting with a digit, `-` or `.`.
    mutating func name() -> [UInt8]? {
        let start = index
        while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
        guard index > start else { return nil }
        let first = bytes[start]
        guard !(Byte.zero...Byte.nine).contains(first), first != Byte.hyphen, first != Byte.period else { return nil }
        return Array(bytes[start..<index])
    }

    mutating func skipComment() -> Bool { skip(past: "-->", from: 4) }

    mutating func skipProcessingInstruction() -> Bool { skip(past: "?>", from: 2) }

    /// `<![CDATA[ ... ]]>`: the text as written, only line ends normalised.
    mutating func cdata(into text: inout [UInt8]) -> Bool {
        let start = index + 9
        guard let end = find("]]>", from: start) else { return false }
        var position = start
        while position < end {
            let byte = bytes[position]
            if byte == Byte.carriageReturn {
                text.append(Byte.lineFeed)
                if position + 1 < end, bytes[position + 1] == Byte.lineFeed { position += 1 }
            } else {
                text.append(byte)
            }
            position += 1
        }
        index = end + 3
        return true
    }

    /// `<!DOCTYPE root SYSTEM "...">` is read past; an internal subset (`[...]`) is refused.
    mutating func skipDoctype() -> Bool {
        index += 9
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Byte.quote || byte == Byte.apostrophe {
                index += 1
                while index < bytes.count, bytes[index] != byte { index += 1 }
                guard index < bytes.count else { return false }
            } else if byte == Byte.openBracket {
                return false
            } else if byte == Byte.greaterThan {
                index += 1
                return true
            }
            index += 1
        }
        return false
    }

    /// Whitespace, comments and processing instructions around the root (and one DOCTYPE before it).
    mutating func skipMisc(allowingDoctype: Bool) -> Bool {
        var doctypeAllowed = allowingDoctype
        while true {
            skipWhitespace()
            if has("<?") {
                guard skipProcessingInstruction() else { return false }
            } else if has("<!--") {
                guard skipComment() else { return false }
            } else if doctypeAllowed, has("<!DOCTYPE") {
                guard skipDoctype() else { return false }
                doctypeAllowed = false
            } else {
                return true
            }
        }
    }

    // MARK: Character data

    /// A run of text up to the next `<` or `&`, line ends normalised to `\n` as XML requires.
    mutating func characterData(into text: inout [UInt8]) {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Byte.lessThan || byte == Byte.ampersand { return }
            if byte == Byte.carriageReturn {
                text.append(Byte.lineFeed)
                if index + 1 < bytes.count, bytes[index + 1] == Byte.lineFeed { index += 1 }
            } else {
                text.append(byte)
            }
            index += 1
        }
    }

    /// `&amp;` `&lt;` `&gt;` `&quot;` `&apos;`, `&#NNN;` and `&#xHHH;`. Anything else, a code point
    /// XML does not allow (`&#0;`, surrogates, beyond U+10FFFF) or a missing `;` is an error.
    mutating func reference(into text: inout [UInt8]) -> Bool {
        let start = index + 1
        var end = start
        while end < bytes.count, end - start <= Self.longestReference, bytes[end] != Byte.semicolon { end += 1 }
        guard end < bytes.count, bytes[end] == Byte.semicolon, end > start else { return false }
        let body = bytes[start..<end]
        index = end + 1
        switch Array(body) {
        case Array("amp".utf8): text.append(Byte.ampersand)
        case Array("lt".utf8): text.append(Byte.lessThan)
        case Array("gt".utf8): text.append(Byte.greaterThan)
        case Array("quot".utf8): text.append(Byte.quote)
        case Array("apos".utf8): text.append(Byte.apostrophe)
        default:
            guard let scalar = Self.characterReference(body) else { return false }
            text.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        return true
    }

    /// Long enough for any reference written with leading zeros, short enough that a stray `&`
    /// is found quickly.
    static let longestReference = 32

    /// The scalar named by `#NNN` or `#xHHH` (lower-case `x` only, as XML says), if XML allows it.
    static func characterReference(_ body: ArraySlice<UInt8>) -> Unicode.Scalar? {
        guard body.first == Byte.hash else { return nil }
        var digits = body.dropFirst()
        var radix: UInt32 = 10
        if digits.first == Byte.lowercaseX {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            guard let digitValue = Self.digitValue(digit, radix: radix) else { return nil }
            value = value * radix + digitValue
            guard value <= 0x10FFFF else { return nil }
        }
        guard isXMLCharacter(value) else { return nil }
        return Unicode.Scalar(value)
    }

    static func digitValue(_ byte: UInt8, radix: UInt32) -> UInt32? {
        switch byte {
        case Byte.zero...Byte.nine: UInt32(byte - Byte.zero)
        case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// XML 1.0's `Char`: tab, line feed, carriage return, and U+0020 onward without surrogates,
    /// U+FFFE and U+FFFF.
    static func isXMLCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// C0 controls other than tab, line feed and carriage return may not appear anywhere in XML.
    static func isForbiddenControl(_ byte: UInt8) -> Bool {
        byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D
    }

    // MARK: Scanning

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D, Byte.lessThan, Byte.greaterThan, Byte.slash, Byte.equals, Byte.quote, Byte.apostrophe,
             Byte.ampersand, Byte.semicolon, Byte.questionMark, Byte.exclamationMark, Byte.openBracket: false
        default: true
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Skips whitespace; true when there was some.
    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        return index > start
    }

    func has(_ prefix: String) -> Bool { has(Array(prefix.utf8)) }

    func has(_ prefix: [UInt8]) -> Bool {
        guard bytes.count - index >= prefix.count else { return false }
        for (offset, byte) in prefix.enumerated() where bytes[index + offset] != byte { return false }
        return true
    }

    /// Where `marker` starts at or after `start`.
    func find(_ marker: String, from start: Int) -> Int? {
        let marker = Array(marker.utf8)
        guard bytes.count >= marker.count else { return nil }
        var position = start
        while position <= bytes.count - marker.count {
            if bytes[position] == marker[0] {
                var matched = true
                for offset in 1..<marker.count where bytes[position + offset] != marker[offset] {
                    matched = false
                    break
                }
                if matched { return position }
            }
            position += 1
        }
        return nil
    }

    /// Moves past the next `marker`, searching `offset` bytes on from the index.
    mutating func skip(past marker: String, from offset: Int) -> Bool {
        guard let found = find(marker, from: index + offset) else { return false }
        index = found + marker.utf8.count
        return true
    }

    enum Byte {
        static let lessThan = UInt8(ascii: "<")
        static let greaterThan = UInt8(ascii: ">")
        static let ampersand = UInt8(ascii: "&")
        static let semicolon = UInt8(ascii: ";")
        static let slash = UInt8(ascii: "/")
        static let equals = UInt8(ascii: "=")
        static let quote = UInt8(ascii: "\"")
        static let apostrophe = UInt8(ascii: "'")
        static let hash = UInt8(ascii: "#")
        static let hyphen = UInt8(ascii: "-")
        static let period = UInt8(ascii: ".")
        static let questionMark = UInt8(ascii: "?")
        static let exclamationMark = UInt8(ascii: "!")
        static let openBracket = UInt8(ascii: "[")
        static let lowercaseX = UInt8(ascii: "x")
        static let zero = UInt8(ascii: "0")
        static let nine = UInt8(ascii: "9")
        static let carriageReturn: UInt8 = 0x0D
        static let lineFeed: UInt8 = 0x0A
    }
}
