/// Text for the XML bodies this client sends (tagging, batch delete, multipart completion), escaped
/// so that a key or a tag value holding `<` or `&` stays data and cannot change the document.
enum XMLText {
    /// `s` with the five predefined entities in place of the characters they stand for.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for character in s {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
