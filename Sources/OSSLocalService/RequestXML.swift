import OSSCore
/// The XML documents requests carry (CompleteMultipartUpload, Delete, Tagging, RestoreRequest,
/// CreateBucketConfiguration, Style...), read into a small tree.
///
/// Written by hand rather than with libxml2 because OSS's SDKs send what XML 1.0 forbids and OSS
/// accepts: a key with control characters goes as character references (`&#01;`), which a
/// conforming parser refuses. Only what these documents use is read: elements, text, CDATA, the
/// five entities and character references; declarations, comments and processing instructions
/// are skipped; attributes are ignored.
///
/// Hostile input stays harmless: the caller caps the body before it gets here, the parser is a
/// loop over the bytes with an explicit stack (no recursion follows the input), and nesting
/// deeper than ``maximumDepth`` is refused.
struct RequestXML: Sendable, Equatable {
    var name: String
    var text: String
    var children: [RequestXML]

    /// Deeper than any document OSS takes (they nest three or four levels).
    static let maximumDepth = 16

    func child(_ name: String) -> RequestXML? { children.first { $0.name == name } }
    func children(_ name: String) -> [RequestXML] { children.filter { $0.name == name } }
    func value(_ name: String) -> String? { child(name)?.text }

    static var malformed: ServiceError {
        ServiceError(status: 400, code: "MalformedXML", message: "The XML you provided was not well-formed or did not validate against our published schema.",
                     ec: "0016-00000601")
    }

    /// The document's root element, or OSS's MalformedXML error.
    static func parse(_ bytes: [UInt8], root expected: String? = nil) throws(ServiceError) -> RequestXML {
        guard let root = parseTree(bytes) else { throw malformed }
        if let expected, root.name != expected { throw malformed }
        return root
    }

    private static func parseTree(_ bytes: [UInt8]) -> RequestXML? {
        var stack: [(node: RequestXML, text: [UInt8])] = []
        var root: RequestXML?
        var index = 0
        func starts(_ prefix: String) -> Bool {
            let p = Array(prefix.utf8)
            return index + p.count <= bytes.count && bytes[index..<(index + p.count)].elementsEqual(p)
        }
        func skip(past marker: String) -> Bool {
            let m = Array(marker.utf8)
            while index + m.count <= bytes.count {
                if bytes[index..<(index + m.count)].elementsEqual(m) {
                    index += m.count
                    return true
                }
                index += 1
            }
            return false
        }
        while index < bytes.count {
            if starts("<?") || starts("<!--") {
                guard skip(past: starts("<?") ? "?>" : "-->") else { return nil }
            } else if starts("<![CDATA[") {
                guard !stack.isEmpty else { return nil }
                let start = index + 9
                guard skip(past: "]]>") else { return nil }
                stack[stack.count - 1].text += bytes[start..<(index - 3)]
            } else if starts("<!") {
                guard stack.isEmpty, skip(past: ">") else { return nil }
            } else if starts("</") {
                let nameStart = index + 2
                guard skip(past: ">"), let open = stack.popLast() else { return nil }
                let name = String(decoding: bytes[nameStart..<(index - 1)], as: UTF8.self).trimmingWhitespace()
                guard name == open.node.name, let text = decodeEntities(open.text) else { return nil }
                var node = open.node
                node.text = text
                if stack.isEmpty {
                    guard root == nil else { return nil }
                    root = node
                } else {
                    stack[stack.count - 1].node.children.append(node)
                }
            } else if bytes[index] == UInt8(ascii: "<") {
                guard root == nil, stack.count < maximumDepth else { return nil }
                index += 1
                let nameStart = index
                while index < bytes.count, ![0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ">"), UInt8(ascii: "/")].contains(bytes[index]) { index += 1 }
                let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
                guard !name.isEmpty, skip(past: ">") else { return nil }
                let element = RequestXML(name: name, text: "", children: [])
                if bytes[index - 2] == UInt8(ascii: "/") {
                    if stack.isEmpty { root = element } else { stack[stack.count - 1].node.children.append(element) }
                } else {
                    stack.append((element, []))
                }
            } else {
                if stack.isEmpty {
                    // Only blanks may stand outside the root element.
                    guard [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) else { return nil }
                } else {
                    stack[stack.count - 1].text.append(bytes[index])
                }
                index += 1
            }
        }
        return stack.isEmpty ? root : nil
    }

    /// Text with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and `&#N;` / `&#xN;` replaced; nil
    /// when an entity is unknown or unterminated, or the text is not UTF-8.
    private static func decodeEntities(_ raw: [UInt8]) -> String? {
        guard let text = String(validating: raw, as: UTF8.self) else { return nil }
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { return nil }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let value: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    value = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    value = UInt32(entity.dropFirst())
                } else {
                    value = nil
                }
                guard let value, let scalar = Unicode.Scalar(value) else { return nil }
                out.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}

extension RequestXML {
    /// Text with the surrounding blanks and newlines of pretty-printed XML removed.
    var trimmed: String {
        var slice = Substring(text)
        while let first = slice.first, first == " " || first == "\n" || first == "\r" || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\n" || last == "\r" || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    func trimmedValue(_ name: String) -> String? { child(name)?.trimmed }
}
