/// An `x-oss-process` value for images: an ordered list of actions (`image/circle,r_100/format,png`),
/// a named style (`style/avatar`), and an optional `|sys/saveas,...` suffix.
///
/// It parses, validates and prints the string OSS reads, and doubles as a typed builder:
/// `ImageProcess.circle(radius: 100).format(.png)` is `image/circle,r_100/format,png`. Both the client
/// (which refuses a bad process before sending it) and the local image kernels use this one value.
public struct ImageProcess: Sendable, Hashable, CustomStringConvertible {
    /// The actions, applied in order.
    public var actions: [ImageAction]
    /// A named style (`style/NAME`) instead of actions.
    public var style: String?
    /// Where ProcessObject saves the result.
    public var saveAs: SaveAs?

    /// The `sys/saveas` target: object key and (optionally) bucket.
    public struct SaveAs: Sendable, Hashable {
        /// The object key the result is saved as.
        public var key: String
        /// The bucket; the source's bucket when nil.
        public var bucket: String?
        /// A save-as target.
        public init(key: String, bucket: String? = nil) {
            self.key = key
            self.bucket = bucket
        }
    }

    /// A process from parts; call ``validate()`` before sending one built by hand.
    public init(actions: [ImageAction] = [], style: String? = nil, saveAs: SaveAs? = nil) {
        self.actions = actions
        self.style = style
        self.saveAs = saveAs
    }

    /// The string OSS reads.
    public var description: String {
        var text: String
        if let style {
            text = "style/\(style)"
        } else {
            text = (["image"] + actions.map(\.description)).joined(separator: "/")
        }
        if let saveAs {
            text += "|sys/saveas,o_\(Base64URL.encode(Array(saveAs.key.utf8)))"
            if let bucket = saveAs.bucket { text += ",b_\(Base64URL.encode(Array(bucket.utf8)))" }
        }
        return text
    }

    // MARK: Builder

    /// Starts a process with `circle,r_<radius>` (1...4096).
    public static func circle(radius: Int) -> ImageProcess { ImageProcess().circle(radius: radius) }
    /// Starts a process with a crop placed from a gravity.
    public static func crop(x: Int = 0, y: Int = 0, width: Int? = nil, height: Int? = nil, gravity: Gravity = .northWest) -> ImageProcess {
        ImageProcess().crop(x: x, y: y, width: width, height: height, gravity: gravity)
    }
    /// Starts a process with a resize.
    public static func resize(_ resize: Resize) -> ImageProcess { ImageProcess().resize(resize) }
    /// Starts a process with a format conversion.
    public static func format(_ format: ImageFormat) -> ImageProcess { ImageProcess().format(format) }
    /// Starts a process with a clockwise rotation.
    public static func rotate(_ degrees: Int) -> ImageProcess { ImageProcess().rotate(degrees) }
    /// `image/info`: OSS's JSON description of the image.
    public static var info: ImageProcess { ImageProcess(actions: [.info]) }

    /// Appends `circle,r_<radius>`: the centred circle, transparent or white outside.
    public func circle(radius: Int) -> ImageProcess { appending(.circle(radius: radius)) }
    /// Appends a crop; width and height default to the rest of the image.
    public func crop(x: Int = 0, y: Int = 0, width: Int? = nil, height: Int? = nil, gravity: Gravity = .northWest) -> ImageProcess {
        appending(.crop(Crop(x: x, y: y, width: width, height: height, gravity: gravity)))
    }
    /// Appends a resize.
    public func resize(_ resize: Resize) -> ImageProcess { appending(.resize(resize)) }
    /// Appends `rounded-corners,r_<radius>`.
    public func roundedCorners(radius: Int) -> ImageProcess { appending(.roundedCorners(radius: radius)) }
    /// Appends a clockwise rotation, 0...360 degrees.
    public func rotate(_ degrees: Int) -> ImageProcess { appending(.rotate(degrees: degrees)) }
    /// Appends a format conversion; the last one decides the output.
    public func format(_ format: ImageFormat) -> ImageProcess { appending(.format(format)) }
    /// Appends a quality, relative (`q_`) or absolute (`Q_`).
    public func quality(_ quality: Int, absolute: Bool = false) -> ImageProcess { appending(.quality(quality, absolute: absolute)) }
    /// Appends progressive (interlaced) output.
    public func interlace(_ on: Bool = true) -> ImageProcess { appending(.interlace(on)) }
    /// Appends EXIF-based rotation to upright.
    public func autoOrient(_ on: Bool = true) -> ImageProcess { appending(.autoOrient(on)) }
    /// Appends an index crop: slice `index` of `length`-pixel slices.
    public func indexCrop(axis: IndexCropAxis, length: Int, index: Int) -> ImageProcess { appending(.indexCrop(axis: axis, length: length, index: index)) }
    /// The same process with a `|sys/saveas` target, for ProcessObject.
    public func saved(as key: String, bucket: String? = nil) -> ImageProcess {
        var copy = self
        copy.saveAs = SaveAs(key: key, bucket: bucket)
        return copy
    }

    private func appending(_ action: ImageAction) -> ImageProcess {
        var copy = self
        copy.actions.append(action)
        return copy
    }

    /// The output format: the last `format` action, else the source's.
    public func outputFormat(source: ImageFormat) -> ImageFormat {
        for action in actions.reversed() { if case let .format(format) = action { return format } }
        return source
    }

    /// Checks every parameter range; the parser calls it, builders should too before sending.
    public func validate() throws(ImageProcessError) {
        if let style {
            guard !style.isEmpty, style.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "/") }) else {
                throw ImageProcessError(action: "style", parameter: "name", message: "'\(style)' is not a style name.")
            }
            return
        }
        guard !actions.isEmpty else {
            throw ImageProcessError(action: "image", parameter: nil, message: "no action follows 'image/'.", code: "MissingArgument")
        }
        for action in actions { try action.validate() }
    }
}

/// An image action OSS applies.
public enum ImageAction: Sendable, Hashable, CustomStringConvertible {
    case circle(radius: Int)
    case crop(Crop)
    case resize(Resize)
    case roundedCorners(radius: Int)
    case indexCrop(axis: IndexCropAxis, length: Int, index: Int)
    case rotate(degrees: Int)
    case format(ImageFormat)
    /// `q_` (relative, the default) or `Q_` (absolute) quality, 1 to 100.
    case quality(Int, absolute: Bool)
    case interlace(Bool)
    case autoOrient(Bool)
    case info

    /// The action's name in a process string.
    public var name: String {
        switch self {
        case .circle: "circle"
        case .crop: "crop"
        case .resize: "resize"
        case .roundedCorners: "rounded-corners"
        case .indexCrop: "indexcrop"
        case .rotate: "rotate"
        case .format: "format"
        case .quality: "quality"
        case .interlace: "interlace"
        case .autoOrient: "auto-orient"
        case .info: "info"
        }
    }

    public var description: String {
        switch self {
        case let .circle(radius): "circle,r_\(radius)"
        case let .crop(crop): crop.description
        case let .resize(resize): resize.description
        case let .roundedCorners(radius): "rounded-corners,r_\(radius)"
        case let .indexCrop(axis, length, index): "indexcrop,\(axis.rawValue)_\(length),i_\(index)"
        case let .rotate(degrees): "rotate,\(degrees)"
        case let .format(format): "format,\(format.rawValue)"
        case let .quality(value, absolute): "quality,\(absolute ? "Q" : "q")_\(value)"
        case let .interlace(on): "interlace,\(on ? 1 : 0)"
        case let .autoOrient(on): "auto-orient,\(on ? 1 : 0)"
        case .info: "info"
        }
    }

    func validate() throws(ImageProcessError) {
        func range(_ value: Int, _ bounds: ClosedRange<Int>, _ parameter: String, ec: String? = nil) throws(ImageProcessError) {
            guard bounds.contains(value) else {
                throw ImageProcessError(action: name, parameter: parameter, message: "\(parameter)_\(value) is outside \(bounds.lowerBound)...\(bounds.upperBound).", ec: ec)
            }
        }
        switch self {
        case let .circle(radius): try range(radius, 1...4096, "r", ec: "0040-00000233")
        case let .crop(crop): try crop.validate()
        case let .resize(resize): try resize.validate()
        case let .roundedCorners(radius): try range(radius, 1...4096, "r")
        case let .indexCrop(_, length, index):
            try range(length, 1...30000, "length")
            try range(index, 0...30000, "i")
        case let .rotate(degrees): try range(degrees, 0...360, "value")
        case .format: break
        case let .quality(value, _): try range(value, 1...100, "q")
        case .interlace, .autoOrient, .info: break
        }
    }
}

/// Where a crop (and other placed operations) is anchored: the nine gravities of OSS.
public enum Gravity: String, Sendable, Hashable, CaseIterable {
    case northWest = "nw", north, northEast = "ne", west, center, east, southWest = "sw", south, southEast = "se"
}

/// `crop,x_,y_,w_,h_,g_`: a rectangle placed from a gravity, clamped to the image.
public struct Crop: Sendable, Hashable, CustomStringConvertible {
    /// Horizontal offset from the gravity's anchor, into the image.
    public var x: Int
    /// Vertical offset from the gravity's anchor, into the image.
    public var y: Int
    /// nil: to the edge of the image.
    public var width: Int?
    /// nil: to the edge of the image.
    public var height: Int?
    /// Which corner, edge or centre the rectangle is placed from.
    public var gravity: Gravity

    /// A crop; the defaults keep the whole image.
    public init(x: Int = 0, y: Int = 0, width: Int? = nil, height: Int? = nil, gravity: Gravity = .northWest) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.gravity = gravity
    }

    public var description: String {
        var parts = ["crop"]
        if x != 0 { parts.append("x_\(x)") }
        if y != 0 { parts.append("y_\(y)") }
        if let width { parts.append("w_\(width)") }
        if let height { parts.append("h_\(height)") }
        if gravity != .northWest { parts.append("g_\(gravity.rawValue)") }
        return parts.joined(separator: ",")
    }

    func validate() throws(ImageProcessError) {
        guard x >= 0, y >= 0 else { throw ImageProcessError(action: "crop", parameter: x < 0 ? "x" : "y", message: "offsets must not be negative.") }
        if let width, width < 1 { throw ImageProcessError(action: "crop", parameter: "w", message: "w_\(width) must be at least 1.") }
        if let height, height < 1 { throw ImageProcessError(action: "crop", parameter: "h", message: "h_\(height) must be at least 1.") }
    }
}

/// `resize`: the five modes of OSS, with `limit`, padding color and percentage.
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
    /// Target width.
    public var width: Int?
    /// nil: to the edge of the image.
    public var height: Int?
    /// Longest side.
    public var long: Int?
    /// Shortest side.
    public var short: Int?
    /// Scale by this percentage (1...1000) instead.
    public var percent: Int?
    /// Do not enlarge (OSS's default, `limit_1`).
    public var limit: Bool
    /// Padding color for `pad`, `RRGGBB`.
    public var color: String

    /// A resize; give w/h, l/s or a percentage.
    public init(mode: Mode = .lfit, width: Int? = nil, height: Int? = nil, long: Int? = nil, short: Int? = nil,
                percent: Int? = nil, limit: Bool = true, color: String = "FFFFFF") {
        self.mode = mode
        self.width = width
        self.height = height
        self.long = long
        self.short = short
        self.percent = percent
        self.limit = limit
        self.color = color
    }

    public var description: String {
        var parts = ["resize"]
        if let percent { parts.append("p_\(percent)") } else { parts.append("m_\(mode.rawValue)") }
        if let width { parts.append("w_\(width)") }
        if let height { parts.append("h_\(height)") }
        if let long { parts.append("l_\(long)") }
        if let short { parts.append("s_\(short)") }
        if !limit { parts.append("limit_0") }
        if color.uppercased() != "FFFFFF" { parts.append("color_\(color)") }
        return parts.joined(separator: ",")
    }

    func validate() throws(ImageProcessError) {
        for (name, value) in [("w", width), ("h", height), ("l", long), ("s", short)] {
            if let value, !(1...16384).contains(value) {
                throw ImageProcessError(action: "resize", parameter: name, message: "\(name)_\(value) is outside 1...16384.")
            }
        }
        if let percent, !(1...1000).contains(percent) {
            throw ImageProcessError(action: "resize", parameter: "p", message: "p_\(percent) is outside 1...1000.")
        }
        if percent == nil && width == nil && height == nil && long == nil && short == nil {
            throw ImageProcessError(action: "resize", parameter: "w", message: "resize needs w, h, l, s or p.", code: "MissingArgument")
        }
        let hex = color.utf8
        guard hex.count == 6, hex.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }) else {
            throw ImageProcessError(action: "resize", parameter: "color", message: "color_\(color) is not RRGGBB hex.")
        }
    }
}

/// `indexcrop` axis.
public enum IndexCropAxis: String, Sendable, Hashable { case x, y }

/// The output formats OSS knows.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable {
    case jpg, png, webp, bmp, gif, tiff, heic, avif

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

/// A process string that OSS would refuse: which action, which parameter, why, and OSS's code.
public struct ImageProcessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The action at fault (`circle`, `resize`...).
    public var action: String
    /// The parameter at fault (`r`, `w`...), when one is.
    public var parameter: String?
    /// Why, in words.
    public var message: String
    /// The OSS error code (`InvalidArgument`, `MissingArgument`...).
    public var code: String
    /// OSS's numeric EC where OSS documents one (a bad circle radius is `0040-00000233`).
    public var ec: String?

    /// An error naming the action and parameter.
    public init(action: String, parameter: String?, message: String, code: String = "InvalidArgument", ec: String? = nil) {
        self.action = action
        self.parameter = parameter
        self.message = message
        self.code = code
        self.ec = ec
    }

    /// The action, the parameter and why, without the codes.
    public var detail: String {
        "\(action)\(parameter.map { " parameter \($0)" } ?? ""): \(message)"
    }

    public var description: String {
        "\(code): \(detail)" + (ec.map { " (EC \($0))" } ?? "")
    }
}

/// URL-safe base64 without padding, as `sys/saveas` wants it.
public enum Base64URL {
    /// URL-safe base64 of bytes, without padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index], b1 = index + 1 < bytes.count ? bytes[index + 1] : 0, b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            if index + 1 < bytes.count { out.append(alphabet[Int((b1 & 15) << 2 | b2 >> 6)]) }
            if index + 2 < bytes.count { out.append(alphabet[Int(b2 & 63)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes URL-safe (or standard) base64, padded or not; nil when malformed.
    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case 65...90: values.append(byte - 65)
            case 97...122: values.append(byte - 71)
            case 48...57: values.append(byte + 4)
            case UInt8(ascii: "-"), UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "_"), UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let n = min(4, values.count - i)
            let a = values[i], b = n > 1 ? values[i + 1] : 0, c = n > 2 ? values[i + 2] : 0, d = n > 3 ? values[i + 3] : 0
            out.append(a << 2 | b >> 4)
            if n > 2 { out.append((b & 15) << 4 | c >> 2) }
            if n > 3 { out.append((c & 3) << 6 | d) }
            i += 4
        }
        return out
    }
}
