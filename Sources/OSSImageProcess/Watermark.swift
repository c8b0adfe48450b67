/// `watermark`: text, an image, or both, placed on the image.
///
/// nil means "not given": the service's default applies (noted on each property), and the
/// parameter is left out of the process string. Text, font and the image reference are held
/// decoded; the process string carries them as URL-safe base64.
public struct Watermark: Sendable, Hashable, CustomStringConvertible {
    /// `text_`, `type_`, `color_`, `size_`, `shadow_`, `rotate_`, `fill_`.
    public var text: TextWatermark?
    /// `image_`: another object of the same bucket, with its own process.
    public var image: ImageWatermark?
    /// `t_`: opacity in percent, 0...100; 100 (opaque) by default.
    public var transparency: Int?
    /// `g_`: where the watermark sits; `se` by default.
    public var gravity: Gravity?
    /// `x_`: horizontal margin from the edge, 0...4096 px; 10 by default.
    public var x: Int?
    /// `y_`: vertical margin from the edge, 0...4096 px; 10 by default.
    public var y: Int?
    /// `voffset_`: shift along the middle line for the west, center and east gravities,
    /// -1000...1000 px; 0 by default.
    public var verticalOffset: Int?
    /// `order_`: which of text and image comes first when both are given.
    public var order: Order?
    /// `align_`: how text and image line up when both are given.
    public var align: Align?
    /// `interval_`: the space between text and image, 0...1000 px; 0 by default.
    public var interval: Int?

    /// `order_` of a text-and-image watermark.
    public enum Order: Int, Sendable, Hashable, CaseIterable {
        /// The image before the text (the default).
        case imageFirst = 0
        /// The text before the image.
        case textFirst = 1
    }

    /// `align_` of a text-and-image watermark.
    public enum Align: Int, Sendable, Hashable, CaseIterable {
        /// Tops aligned.
        case top = 0
        /// Centres aligned.
        case center = 1
        /// Bottoms aligned (the default).
        case bottom = 2
    }

    /// A watermark from parts; give `text`, `image` or both.
    public init(text: TextWatermark? = nil, image: ImageWatermark? = nil, transparency: Int? = nil, gravity: Gravity? = nil,
                x: Int? = nil, y: Int? = nil, verticalOffset: Int? = nil, order: Order? = nil, align: Align? = nil, interval: Int? = nil) {
        self.text = text
        self.image = image
        self.transparency = transparency
        self.gravity = gravity
        self.x = x
        self.y = y
        self.verticalOffset = verticalOffset
        self.order = order
        self.align = align
        self.interval = interval
    }

    /// The action as OSS spells it in `x-oss-process`, its text, font and image object in the URL-safe base64 OSS requires.
    public var description: String {
        var parts = ["watermark"]
        if let text { parts += text.parameters }
        if let image { parts.append("image_\(Base64URL.encode(Array(image.reference.utf8)))") }
        if let order { parts.append("order_\(order.rawValue)") }
        if let align { parts.append("align_\(align.rawValue)") }
        if let interval { parts.append("interval_\(interval)") }
        if let transparency { parts.append("t_\(transparency)") }
        if let gravity { parts.append("g_\(gravity.rawValue)") }
        if let x { parts.append("x_\(x)") }
        if let y { parts.append("y_\(y)") }
        if let verticalOffset { parts.append("voffset_\(verticalOffset)") }
        return parts.joined(separator: ",")
    }
}

/// The text part of a ``Watermark``.
public struct TextWatermark: Sendable, Hashable {
    /// The text, decoded (`text_` carries it as URL-safe base64).
    public var text: String
    /// `type_`: OSS's font name (such as `wqy-zenhei`, the default), decoded.
    public var font: String?
    /// `color_`: `RRGGBB`; `000000` by default.
    public var color: String?
    /// `size_`: font size in px, 1...1000; 40 by default.
    public var size: Int?
    /// `shadow_`: shadow opacity in percent, 0...100; no shadow by default.
    public var shadow: Int?
    /// `rotate_`: clockwise angle, 0...360; 0 by default.
    public var rotate: Int?
    /// `fill_`: tile the watermark over the whole image; off by default.
    public var fill: Bool?

    /// A text watermark; nil parameters take the service's defaults.
    public init(_ text: String, font: String? = nil, color: String? = nil, size: Int? = nil, shadow: Int? = nil,
                rotate: Int? = nil, fill: Bool? = nil) {
        self.text = text
        self.font = font
        self.color = color
        self.size = size
        self.shadow = shadow
        self.rotate = rotate
        self.fill = fill
    }

    var parameters: [String] {
        var parts = ["text_\(Base64URL.encode(Array(text.utf8)))"]
        if let font { parts.append("type_\(Base64URL.encode(Array(font.utf8)))") }
        if let color { parts.append("color_\(color)") }
        if let size { parts.append("size_\(size)") }
        if let shadow { parts.append("shadow_\(shadow)") }
        if let rotate { parts.append("rotate_\(rotate)") }
        if let fill { parts.append("fill_\(fill ? 1 : 0)") }
        return parts
    }
}

/// The image part of a ``Watermark``: an object of the same bucket, optionally processed first
/// (`panda.png?x-oss-process=image/resize,P_20`).
public struct ImageWatermark: Sendable, Hashable {
    /// The watermark's object key.
    public var key: String
    /// The process applied to the watermark image before it is laid on (resize, with `P_` relative
    /// to the base image; crop; rotate...). OSS refuses a watermark or `info` in it.
    public var process: ImageProcess?

    /// An image watermark.
    public init(key: String, process: ImageProcess? = nil) {
        self.key = key
        self.process = process
    }

    /// What `image_` carries before encoding: the key, then `?x-oss-process=` and the process.
    public var reference: String {
        process.map { "\(key)?x-oss-process=\($0.description)" } ?? key
    }

    /// The separator between key and process inside `image_`.
    static let processMarker = "?x-oss-process="
}
