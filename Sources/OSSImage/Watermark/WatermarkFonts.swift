import CImageCodecs
import OSSLocking

/// The fonts of OSS's text watermarks (`type_`), mapped to files of Debian's font packages, which
/// `scripts/bootstrap.sh` installs.
///
/// OSS lists seven names. Three are free fonts Debian ships as they are: WenQuanYi Zen Hei
/// (`wqy-zenhei`, the default), WenQuanYi Micro Hei (`wqy-microhei`) and Droid Sans Fallback
/// (`droidsansfallback`). The four FangZheng (方正) fonts are commercial and Debian has none of
/// them, so each falls back to the nearest free font of the same style, and says so in
/// ``Font/substitute``:
/// - `fangzhengshusong` (书宋, a Song/Ming serif) and `fangzhengfangsong` (仿宋, a Song-derived
///   face with even strokes): AR PL UMing CN, the Ming face of `fonts-arphic-uming`;
/// - `fangzhengkaiti` (楷体, brush script): AR PL UKai CN, of `fonts-arphic-ukai`;
/// - `fangzhengheiti` (黑体, sans): WenQuanYi Zen Hei, itself a Hei face.
///
/// Files are found by a fixed Debian path table, not by fontconfig: the watermark must name the
/// same file on every machine, and a missing one is a clear error naming its package. Each file is
/// mapped into memory once per process and shared by every job; each job opens its own FreeType
/// faces over those bytes.
public enum WatermarkFonts {
    /// One font file of the table.
    public struct Font: Sendable, Hashable {
        /// The file.
        public var path: String
        /// The face in a collection (`.ttc`).
        public var faceIndex: Int
        /// The Debian package that installs it.
        public var package: String
        /// For OSS's FangZheng fonts: what the substitute is and why.
        public var substitute: String?
    }

    /// OSS's default font, when `type_` is not given.
    public static let defaultName = "wqy-zenhei"

    static let zenHei = Font(path: "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", faceIndex: 0, package: "fonts-wqy-zenhei")
    static let microHei = Font(path: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", faceIndex: 0, package: "fonts-wqy-microhei")
    static let droidFallback = Font(path: "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", faceIndex: 0, package: "fonts-droid-fallback")
    static let uMing = Font(path: "/usr/share/fonts/truetype/arphic/uming.ttc", faceIndex: 0, package: "fonts-arphic-uming")
    static let uKai = Font(path: "/usr/share/fonts/truetype/arphic/ukai.ttc", faceIndex: 0, package: "fonts-arphic-ukai")
    /// The last fallback: Latin, Greek, Cyrillic, Arabic, Hebrew and many symbols the CJK fonts lack.
    static let dejaVuSans = Font(path: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", faceIndex: 0, package: "fonts-dejavu-core")

    /// OSS's font names and the file each is drawn with.
    public static let table: [String: Font] = [
        "wqy-zenhei": zenHei,
        "wqy-microhei": microHei,
        "droidsansfallback": droidFallback,
        "fangzhengshusong": with(uMing, substitute: "FangZheng ShuSong (Song) is not free; AR PL UMing CN is the nearest Song/Ming face Debian has."),
        "fangzhengfangsong": with(uMing, substitute: "FangZheng FangSong is not free; AR PL UMing CN, a Song/Ming face, is the nearest Debian has."),
        "fangzhengkaiti": with(uKai, substitute: "FangZheng KaiTi is not free; AR PL UKai CN is the nearest Kai face Debian has."),
        "fangzhengheiti": with(zenHei, substitute: "FangZheng HeiTi is not free; WenQuanYi Zen Hei is a Hei face of the same style."),
    ]

    /// What characters the requested font lacks are drawn with, in order. A character no font of
    /// the chain has (most emoji: no colour font is used) leaves a gap of its advance width.
    static let fallbacks = [zenHei, droidFallback, dejaVuSans]

    private static func with(_ font: Font, substitute: String) -> Font {
        var font = font
        font.substitute = substitute
        return font
    }

    /// The font a `type_` value names; nil for a name OSS does not list. Case is not significant.
    public static func font(named name: String) -> Font? {
        table[name.lowercased()]
    }

    /// The requested font and the fallbacks that are installed, mapped. The requested font must be
    /// there (a 500 naming its package otherwise); a missing fallback is skipped.
    static func chain(for name: String) throws(ImageError) -> [MappedFont] {
        guard let requested = font(named: name) else {
            throw .invalidArgument("watermark parameter type: '\(name)' is not one of OSS's fonts (\(table.keys.sorted().joined(separator: ", "))).")
        }
        var chain = [try MappedFont.load(requested)]
        for fallback in fallbacks where fallback.path != requested.path {
            if let mapped = try? MappedFont.load(fallback) { chain.append(mapped) }
        }
        return chain
    }
}

/// A font file mapped read-only into memory for the life of the process.
///
/// `@unchecked Sendable`: the bytes are never written and never unmapped, so any thread may read
/// them at any time.
struct MappedFont: @unchecked Sendable {
    let font: WatermarkFonts.Font
    let data: UnsafePointer<UInt8>
    let size: Int

    private static let cache = LockedValue<[String: MappedFont]>([:])

    /// The mapped file, from the cache or mapped now (once per process and path).
    static func load(_ font: WatermarkFonts.Font) throws(ImageError) -> MappedFont {
        let result: Result<MappedFont, ImageError> = cache.withLock { cache in
            if let mapped = cache[font.path] { return .success(mapped) }
            var data: UnsafePointer<UInt8>?
            var size = 0
            var error = [CChar](repeating: 0, count: Int(OSS_CODEC_ERROR_SIZE))
            guard oss_font_map(font.path, &data, &size, &error) == 0, let data else {
                return .failure(ImageError(code: "InternalError",
                                           message: "The watermark font \(font.path) cannot be read (\(ImageCodecs.text(error))); install the package \(font.package) (scripts/bootstrap.sh does).",
                                           status: 500))
            }
            let mapped = MappedFont(font: font, data: data, size: size)
            cache[font.path] = mapped
            return .success(mapped)
        }
        return try result.get()
    }

    var source: oss_font_source { oss_font_source(data: data, size: size, face_index: Int32(font.faceIndex)) }
}
