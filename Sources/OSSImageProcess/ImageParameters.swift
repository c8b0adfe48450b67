/// Where a crop or a watermark is anchored: the nine gravities of OSS.
public enum Gravity: String, Sendable, Hashable, CaseIterable {
    case northWest = "nw", north, northEast = "ne", west, center, east, southWest = "sw", south, southEast = "se"

    /// Reads `g_` as OSS spells it; case is not significant.
    public init?(parameter: String) {
        self.init(rawValue: parameter.lowercased())
    }
}

/// `crop,x_,y_,w_,h_,g_`: a rectangle placed from a gravity, clamped to the image.
///
/// Parameters OSS does not list for crop (the official SDKs' tests send `r_1`) are ignored, as the
/// service ignores them; the process string still carries them.
public struct Crop: Sendable, Hashable, CustomStringConvertible {
    /// Horizontal offset from the gravity's anchor, into the image.
    public var x: Int
    /// Vertical offset from the gravity's anchor, into the image.
    public var y: Int
    /// nil: to the edge of the image. OSS reads `w_0` the same way, so 0 is stored as nil.
    public var width: Int? { didSet { if width == 0 { width = nil } } }
    /// nil: to the edge of the image. OSS reads `h_0` the same way, so 0 is stored as nil.
    public var height: Int? { didSet { if height == 0 { height = nil } } }
    /// Which corner, edge or centre the rectangle is placed from.
    public var gravity: Gravity

    /// A crop; the defaults keep the whole image.
    public init(x: Int = 0, y: Int = 0, width: Int? = nil, height: Int? = nil, gravity: Gravity = .northWest) {
        self.x = x
        self.y = y
        self.width = width == 0 ? nil : width
        self.height = height == 0 ? nil : height
        self.gravity = gravity
    }

    /// The action as OSS spells it in `x-oss-process` (`crop,x_10,w_100`); defaults are left out.
    public var description: String {
        var parts = ["crop"]
        if x != 0 { parts.append("x_\(x)") }
        if y != 0 { parts.append("y_\(y)") }
        if let width { parts.append("w_\(width)") }
        if let height { parts.append("h_\(height)") }
        if gravity != .northWest { parts.append("g_\(gravity.rawValue)") }
        return parts.joined(separator: ",")
    }
}

/// `resize`: the five modes of OSS, with `limit`, padding color and percentages.
public struct Resize: Sendable, Hashable, CustomStringConvertible {
    /// How the target box is filled.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Fit inside w×h, keeping the ratio (the default).
        case lfit
        /// Cover w×h, keeping the ratio.
        case mfit
        /// Cover w×h, then crop the center to exactly w×h.
        case fill
        /// Fit inside w×h, then pad to exactly w×h with `color`.
        case pad
        /// Exactly w×h, ignoring the ratio.
        case fixed
    }

    /// The fitting mode; `lfit` by default.
    public var mode: Mode
    /// Target width, 1...16384.
    public var width: Int?
    /// Target height, 1...16384.
    public var height: Int?
    /// Longest side, 1...16384.
    public var long: Int?
    /// Shortest side, 1...16384.
    public var short: Int?
    /// `p_`: scale by this percentage (1...1000) instead.
    public var percent: Int?
    /// `P_`: scale to this percentage (1...100) of the image a watermark is laid on. Only a
    /// watermark image's own process uses it.
    public var percentOfBase: Int?
    /// Do not enlarge (OSS's default, `limit_1`).
    public var limit: Bool
    /// Padding color for `pad`, `RRGGBB`.
    public var color: String

    /// A resize; give w/h, l/s or a percentage.
    public init(mode: Mode = .lfit, width: Int? = nil, height: Int? = nil, long: Int? = nil, short: Int? = nil,
                percent: Int? = nil, limit: Bool = true, color: String = "FFFFFF", percentOfBase: Int? = nil) {
        self.mode = mode
        self.width = width
        self.height = height
        self.long = long
        self.short = short
        self.percent = percent
        self.percentOfBase = percentOfBase
        self.limit = limit
        self.color = color
    }

    /// Whether any size is given (OSS refuses a resize without one).
    public var hasSize: Bool {
        width != nil || height != nil || long != nil || short != nil || percent != nil || percentOfBase != nil
    }

    /// The action as OSS spells it in `x-oss-process` (`resize,m_fill,w_100`); defaults are left out.
    public var description: String {
        var parts = ["resize"]
        if (percent == nil && percentOfBase == nil) || mode != .lfit { parts.append("m_\(mode.rawValue)") }
        if let percent { parts.append("p_\(percent)") }
        if let percentOfBase { parts.append("P_\(percentOfBase)") }
        if let width { parts.append("w_\(width)") }
        if let height { parts.append("h_\(height)") }
        if let long { parts.append("l_\(long)") }
        if let short { parts.append("s_\(short)") }
        if !limit { parts.append("limit_0") }
        if color != "FFFFFF" { parts.append("color_\(color)") }
        return parts.joined(separator: ",")
    }
}

/// `indexcrop` axis.
public enum IndexCropAxis: String, Sendable, Hashable { case x, y }

/// The output formats OSS lists for `format`.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable {
    case jpg, png, webp, bmp, gif, tiff, heic, avif

    /// Reads a `format,` value: OSS's names in any case, and `jpeg`, which deployed apps send.
    public init?(parameter: String) {
        let name = parameter.lowercased()
        self.init(rawValue: name == "jpeg" ? "jpg" : name)
    }

    /// The MIME type of the format.
    public var contentType: String {
        switch self {
        case .jpg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .bmp: "image/bmp"
        case .gif: "image/gif"
        case .tiff: "image/tiff"
        case .heic: "image/heic"
        case .avif: "image/avif"
        }
    }

    /// Whether the format carries transparency (circle corners are transparent, else white).
    public var supportsAlpha: Bool { self != .jpg && self != .gif }
}
