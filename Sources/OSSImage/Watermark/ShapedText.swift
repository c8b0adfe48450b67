import CImageCodecs

/// Text shaped by HarfBuzz in a chain of fonts, ready to be rasterised by FreeType: the size of
/// its ink is known before any mask is allocated.
final class ShapedText {
    /// OSS documents at most 64 characters of watermark text. They are counted as Unicode scalars,
    /// so that a "character" cannot carry an unbounded stack of combining marks.
    static let maximumScalars = 64
    /// HarfBuzz makes at most a few glyphs per scalar (decompositions); more means hostile input.
    static let maximumGlyphs = 4 * maximumScalars

    private let text: OpaquePointer
    /// The ink's bounding box, in pixels.
    let inkWidth: Int
    let inkHeight: Int

    /// Shapes `string` at `size` px with the font OSS calls `font` and its fallbacks.
    init(_ string: String, font: String, size: Int) throws(ImageError) {
        let scalars = string.unicodeScalars.count
        guard scalars <= Self.maximumScalars else {
            throw .invalidArgument("watermark parameter text: the text has \(scalars) characters; OSS allows at most \(Self.maximumScalars).")
        }
        let fonts = try WatermarkFonts.chain(for: font).map(\.source)
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var pointer: OpaquePointer?
        var width: Int32 = 0, height: Int32 = 0
        var utf8 = Array(string.utf8)
        if utf8.isEmpty { utf8 = [0] } // a valid pointer for an empty text; length 0 below
        let length = string.utf8.count
        let status = utf8.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                oss_text_shape(fonts, Int32(fonts.count), chars.baseAddress, length, Int32(size), Int32(Self.maximumGlyphs),
                               &pointer, &width, &height, &error)
            }
        }
        guard status == 0, let pointer else {
            throw .invalidArgument("watermark parameter text: the text cannot be laid out (\(ImageCodecs.text(error))).")
        }
        text = pointer
        inkWidth = Int(width)
        inkHeight = Int(height)
        // Letters of any script, marks included, take about an em each, a few ems at most for
        // the deepest stacks; marks piled on one base grow the ink without bound instead.
        let allowed = Checked.saturating(Checked.saturating(Self.maximumInkEms, max(1, scalars)), Checked.saturating(size, size))
        guard Checked.saturating(inkWidth, inkHeight) <= allowed else {
            throw .invalidArgument("watermark parameter text: the text's ink is \(inkWidth)x\(inkHeight) px, more than \(Self.maximumInkEms) square ems a character; its marks are stacked too deep.")
        }
    }

    /// The ink a text may cover, in square ems (size²) per character.
    static let maximumInkEms = 2

    deinit { oss_text_free(text) }

    /// Glyphs shaped, and how many of them no font of the chain has (drawn as nothing).
    var glyphCounts: (glyphs: Int, missing: Int) {
        var glyphs: Int32 = 0, missing: Int32 = 0
        oss_text_glyph_counts(text, &glyphs, &missing)
        return (Int(glyphs), Int(missing))
    }

    /// The ink as 8-bit coverage, `inkWidth × inkHeight` bytes, rows top to bottom; nil when the
    /// text has no ink.
    func render(budget: ImageWorkBudget) throws(ImageError) -> [UInt8]? {
        guard inkWidth > 0, inkHeight > 0 else { return nil }
        guard let count = Checked.product(inkWidth, inkHeight) else { throw .invalidArgument("The watermark text is too large.") }
        try budget.checkpoint()
        var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
        var mask = [UInt8](repeating: 0, count: count)
        let status = mask.withUnsafeMutableBufferPointer {
            oss_text_render(text, $0.baseAddress, Int32(inkWidth), Int32(inkHeight), budget.stop, &error)
        }
        guard status == 0 else {
            throw budget.codecFailure(status, ImageError(code: "InternalError", message: "The watermark text did not render: \(ImageCodecs.text(error))", status: 500))
        }
        return mask
    }
}
