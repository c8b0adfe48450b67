extension StringProtocol {
    /// Without leading and trailing whitespace: spaces and tabs always (HTTP's optional
    /// whitespace, what a server strips from a header value), and CR and LF too unless
    /// `lineBreaks` is false (a value read from a file or the environment).
    ///
    /// ASCII only, on purpose: a region, a key or a header value with a no-break space at its end
    /// is wrong, and is better refused by its validation than silently repaired.
    package func trimmingWhitespace(lineBreaks: Bool = true) -> String {
        func isBlank(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
                || (lineBreaks && (byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")))
        }
        let text = String(self)
        var bytes = text.utf8[...]
        while let first = bytes.first, isBlank(first) { bytes.removeFirst() }
        while let last = bytes.last, isBlank(last) { bytes.removeLast() }
        // Blanks are single ASCII bytes, so both cuts fall on character boundaries.
        return String(decoding: bytes, as: UTF8.self)
    }
}
