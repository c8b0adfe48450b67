/// A minimal XML reader for the small, flat documents OSS returns (errors, listings).
///
/// OSS responses use elements, text and the five predefined entities, nothing else; a tree of
/// those is all the client needs, without pulling libxml2 in through FoundationXML.
struct XMLTree: Sendable {
    var name: String
    var text: String
    var children: [XMLTree]

    /// The first child with that name.
    func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }
    /// Every child with that name.
    func children(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }
    /// The text of the first child with that name.
    func value(_ name: String) -> String? { child(name)?.text }

    /// Parses a document; nil when it is not well-formed enough to read.
    static func parse(_ bytes: [UInt8]) -> XMLTree? {
        var parser = Parser(bytes: bytes)
        return parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func document() -> XMLTree? {
            while index < bytes.count {
                skipWhitespace()
                if starts(with: "<?") || starts(with: "<!") {
                    guard skip(past: ">") else { return nil }
                } else if starts(with: "<") {
                    return element()
                } else {
                    return nil
                }
            }
            return nil
        }

        mutating func element() -> XMLTree? {
            index += 1 // <
            let nameStart = index
            while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">"), bytes[index] != UInt8(ascii: "/") { index += 1 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
            guard skip(past: ">") else { return nil }
            if bytes[index - 2] == UInt8(ascii: "/") { return XMLTree(name: name, text: "", children: []) }
            var node = XMLTree(name: name, text: "", children: [])
            var text: [UInt8] = []
            while index < bytes.count {
                if starts(with: "</") {
                    guard skip(past: ">") else { return nil }
                    node.text = Self.decodeEntities(text)
                    return node
                } else if starts(with: "<!--") {
                    guard skip(past: "-->") else { return nil }
                } else if starts(with: "<![CDATA[") {
                    let start = index + 9
                    guard skip(past: "]]>") else { return nil }
                    text += bytes[start..<(index - 3)]
                } else if starts(with: "<") {
                    guard let child = element() else { return nil }
                    node.children.append(child)
                } else {
                    text.append(bytes[index])
                    index += 1
                }
            }
            return nil
        }

        func starts(with prefix: String) -> Bool {
            let p = Array(prefix.utf8)
            return index + p.count <= bytes.count && Array(bytes[index..<(index + p.count)]) == p
        }

        mutating func skip(past marker: String) -> Bool {
            let m = Array(marker.utf8)
            while index + m.count <= bytes.count {
                if Array(bytes[index..<(index + m.count)]) == m {
                    index += m.count
                    return true
                }
                index += 1
            }
            return false
        }

        mutating func skipWhitespace() {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        }

        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

        static func decodeEntities(_ raw: [UInt8]) -> String {
            let text = String(decoding: raw, as: UTF8.self)
            guard text.contains("&") else { return text }
            var out = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { break }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    if entity.hasPrefix("#x"), let value = UInt32(entity.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(value) {
                        out.unicodeScalars.append(scalar)
                    } else if entity.hasPrefix("#"), let value = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(value) {
                        out.unicodeScalars.append(scalar)
                    } else {
                        out += rest[amp...semi]
                    }
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }
}
