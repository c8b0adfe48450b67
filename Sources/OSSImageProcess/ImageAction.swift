/// One image action: what a segment of `image/a/b/c` means.
///
/// Equality is by meaning: `resize,w_100` and `resize,m_lfit,w_100,limit_1` are the same action.
/// The exact text of a parsed segment is kept beside the action, in ``ImageStep``.
public enum ImageAction: Sendable, Hashable, CustomStringConvertible {
    /// `resize`: every mode, `limit`, `color`, `p`, and the watermark-only `P`.
    case resize(Resize)
    /// `crop`: x, y, w, h (`w_0`/`h_0`: to the edge), g.
    case crop(Crop)
    /// `circle,r_`: the centred circle, 1...4096.
    case circle(radius: Int)
    /// `rounded-corners,r_`, 1...4096.
    case roundedCorners(radius: Int)
    /// `indexcrop,x_|y_,i_`: slice `index` of `length`-pixel slices. Given both x and y, y wins,
    /// as OSS documents.
    case indexCrop(axis: IndexCropAxis, length: Int, index: Int)
    /// `rotate,`: clockwise, 0...360 degrees.
    case rotate(degrees: Int)
    /// `auto-orient,0|1`: rotate by the EXIF orientation first.
    case autoOrient(Bool)
    /// `blur,r_,s_`: radius and standard deviation, each 1...50.
    case blur(radius: Int, sigma: Int)
    /// `bright,`: -100...100.
    case bright(Int)
    /// `contrast,`: -100...100.
    case contrast(Int)
    /// `sharpen,`: 50...399.
    case sharpen(Int)
    /// `watermark`: text, image, or both.
    case watermark(Watermark)
    /// `average-hue`: the image's average colour.
    case averageHue
    /// `info`: OSS's JSON description of the image.
    case info
    /// `format,`: the output format; the last one decides.
    case format(ImageFormat)
    /// `quality,q_` (relative, the default) or `Q_` (absolute), 1...100.
    case quality(Int, absolute: Bool)
    /// `interlace,0|1`: progressive output.
    case interlace(Bool)
    /// A segment this SDK does not model, or one it cannot read, kept as written.
    case opaque(OpaqueAction)

    /// The action's name in a process string.
    public var name: String {
        switch self {
        case .resize: "resize"
        case .crop: "crop"
        case .circle: "circle"
        case .roundedCorners: "rounded-corners"
        case .indexCrop: "indexcrop"
        case .rotate: "rotate"
        case .autoOrient: "auto-orient"
        case .blur: "blur"
        case .bright: "bright"
        case .contrast: "contrast"
        case .sharpen: "sharpen"
        case .watermark: "watermark"
        case .averageHue: "average-hue"
        case .info: "info"
        case .format: "format"
        case .quality: "quality"
        case .interlace: "interlace"
        case let .opaque(action): action.name
        }
    }

    /// The canonical text of the action (a parsed segment keeps its own text in ``ImageStep``).
    public var description: String {
        switch self {
        case let .resize(resize): resize.description
        case let .crop(crop): crop.description
        case let .circle(radius): "circle,r_\(radius)"
        case let .roundedCorners(radius): "rounded-corners,r_\(radius)"
        case let .indexCrop(axis, length, index): "indexcrop,\(axis.rawValue)_\(length),i_\(index)"
        case let .rotate(degrees): "rotate,\(degrees)"
        case let .autoOrient(on): "auto-orient,\(on ? 1 : 0)"
        case let .blur(radius, sigma): "blur,r_\(radius),s_\(sigma)"
        case let .bright(value): "bright,\(value)"
        case let .contrast(value): "contrast,\(value)"
        case let .sharpen(value): "sharpen,\(value)"
        case let .watermark(watermark): watermark.description
        case .averageHue: "average-hue"
        case .info: "info"
        case let .format(format): "format,\(format.rawValue)"
        case let .quality(value, absolute): "quality,\(absolute ? "Q" : "q")_\(value)"
        case let .interlace(on): "interlace,\(on ? 1 : 0)"
        case let .opaque(action): action.description
        }
    }

    /// An empty segment (`image//a`, a trailing `/`): it carries no action.
    public var isEmptySegment: Bool {
        if case let .opaque(action) = self { action.isEmpty } else { false }
    }
}

/// A segment kept as written: an action this SDK does not model (OSS adds actions, and styles
/// may name ones this SDK has never seen), an empty segment, or a known action whose parameters
/// the local engine cannot read.
public struct OpaqueAction: Sendable, Hashable, CustomStringConvertible {
    /// The text before the first comma.
    public var name: String
    /// The comma-separated parts after the name, as written (empty ones included).
    public var arguments: [String]
    /// Why the local engine cannot read it, when the name is an action it knows
    /// (`crop,x_abc`). nil for an action it does not know. OSS documents no error for either, so
    /// the client sends them; the local engine answers 400 with this problem, or 501 without one.
    public var problem: ImageProcessError?

    /// A segment from its name and arguments.
    public init(name: String, arguments: [String] = [], problem: ImageProcessError? = nil) {
        self.name = name
        self.arguments = arguments
        self.problem = problem
    }

    /// Whether the segment is empty.
    public var isEmpty: Bool { name.isEmpty && arguments.isEmpty }

    /// The segment as written.
    public var description: String {
        ([name] + arguments).joined(separator: ",")
    }
}
