/// The typed builder: each call appends one action and returns the longer process.
///
/// `ImageProcess.resize(Resize(width: 300)).watermark(Watermark(text: TextWatermark("Hello"))).format(.webp)`
/// prints `image/resize,m_lfit,w_300/watermark,text_SGVsbG8/format,webp`, and parsing that text
/// gives the same actions back.
extension ImageProcess {
    // MARK: Starting a process

    /// Starts a process with `circle,r_<radius>` (1...4096).
    public static func circle(radius: Int) -> ImageProcess { ImageProcess().circle(radius: radius) }
    /// Starts a process with a crop placed from a gravity.
    public static func crop(x: Int = 0, y: Int = 0, width: Int? = nil, height: Int? = nil, gravity: Gravity = .northWest) -> ImageProcess {
        ImageProcess().crop(x: x, y: y, width: width, height: height, gravity: gravity)
    }
    /// Starts a process with a resize.
    public static func resize(_ resize: Resize) -> ImageProcess { ImageProcess().resize(resize) }
    /// Starts a process with `rounded-corners,r_<radius>`.
    public static func roundedCorners(radius: Int) -> ImageProcess { ImageProcess().roundedCorners(radius: radius) }
    /// Starts a process with an index crop.
    public static func indexCrop(axis: IndexCropAxis, length: Int, index: Int) -> ImageProcess {
        ImageProcess().indexCrop(axis: axis, length: length, index: index)
    }
    /// Starts a process with a clockwise rotation.
    public static func rotate(_ degrees: Int) -> ImageProcess { ImageProcess().rotate(degrees) }
    /// Starts a process with EXIF-based rotation.
    public static func autoOrient(_ on: Bool = true) -> ImageProcess { ImageProcess().autoOrient(on) }
    /// Starts a process with a blur.
    public static func blur(radius: Int, sigma: Int) -> ImageProcess { ImageProcess().blur(radius: radius, sigma: sigma) }
    /// Starts a process with a brightness change.
    public static func bright(_ value: Int) -> ImageProcess { ImageProcess().bright(value) }
    /// Starts a process with a contrast change.
    public static func contrast(_ value: Int) -> ImageProcess { ImageProcess().contrast(value) }
    /// Starts a process with sharpening.
    public static func sharpen(_ value: Int) -> ImageProcess { ImageProcess().sharpen(value) }
    /// Starts a process with a watermark.
    public static func watermark(_ watermark: Watermark) -> ImageProcess { ImageProcess().watermark(watermark) }
    /// Starts a process with a format conversion.
    public static func format(_ format: ImageFormat) -> ImageProcess { ImageProcess().format(format) }
    /// Starts a process with a quality.
    public static func quality(_ quality: Int, absolute: Bool = false) -> ImageProcess { ImageProcess().quality(quality, absolute: absolute) }
    /// Starts a process with progressive output.
    public static func interlace(_ on: Bool = true) -> ImageProcess { ImageProcess().interlace(on) }
    /// `image/info`: OSS's JSON description of the image.
    public static var info: ImageProcess { ImageProcess(actions: [.info]) }
    /// `image/average-hue`: the image's average colour.
    public static var averageHue: ImageProcess { ImageProcess(actions: [.averageHue]) }
    /// `style/NAME`: a style of the bucket.
    public static func style(_ name: String) -> ImageProcess { ImageProcess(style: name) }

    // MARK: Appending

    /// Appends `circle,r_<radius>`: the centred circle, transparent or white outside.
    public func circle(radius: Int) -> ImageProcess { appending(.circle(radius: radius)) }
    /// Appends a crop; width and height default to the rest of the image.
    public func crop(x: Int = 0, y: Int = 0, width: Int? = nil, height: Int? = nil, gravity: Gravity = .northWest) -> ImageProcess {
        appending(.crop(Crop(x: x, y: y, width: width, height: height, gravity: gravity)))
    }
    /// Appends a crop.
    public func crop(_ crop: Crop) -> ImageProcess { appending(.crop(crop)) }
    /// Appends a resize.
    public func resize(_ resize: Resize) -> ImageProcess { appending(.resize(resize)) }
    /// Appends `rounded-corners,r_<radius>`.
    public func roundedCorners(radius: Int) -> ImageProcess { appending(.roundedCorners(radius: radius)) }
    /// Appends an index crop: slice `index` of `length`-pixel slices.
    public func indexCrop(axis: IndexCropAxis, length: Int, index: Int) -> ImageProcess { appending(.indexCrop(axis: axis, length: length, index: index)) }
    /// Appends a clockwise rotation, 0...360 degrees.
    public func rotate(_ degrees: Int) -> ImageProcess { appending(.rotate(degrees: degrees)) }
    /// Appends EXIF-based rotation to upright.
    public func autoOrient(_ on: Bool = true) -> ImageProcess { appending(.autoOrient(on)) }
    /// Appends `blur,r_<radius>,s_<sigma>` (each 1...50).
    public func blur(radius: Int, sigma: Int) -> ImageProcess { appending(.blur(radius: radius, sigma: sigma)) }
    /// Appends `bright,<value>` (-100...100).
    public func bright(_ value: Int) -> ImageProcess { appending(.bright(value)) }
    /// Appends `contrast,<value>` (-100...100).
    public func contrast(_ value: Int) -> ImageProcess { appending(.contrast(value)) }
    /// Appends `sharpen,<value>` (50...399).
    public func sharpen(_ value: Int) -> ImageProcess { appending(.sharpen(value)) }
    /// Appends a watermark.
    public func watermark(_ watermark: Watermark) -> ImageProcess { appending(.watermark(watermark)) }
    /// Appends `average-hue`.
    public func averageHue() -> ImageProcess { appending(.averageHue) }
    /// Appends `info`.
    public func info() -> ImageProcess { appending(.info) }
    /// Appends a format conversion; the last one decides the output.
    public func format(_ format: ImageFormat) -> ImageProcess { appending(.format(format)) }
    /// Appends a quality, relative (`q_`) or absolute (`Q_`).
    public func quality(_ quality: Int, absolute: Bool = false) -> ImageProcess { appending(.quality(quality, absolute: absolute)) }
    /// Appends progressive (interlaced) output.
    public func interlace(_ on: Bool = true) -> ImageProcess { appending(.interlace(on)) }

    /// Appends any action, an ``OpaqueAction`` included, to the first image stage.
    public func appending(_ action: ImageAction) -> ImageProcess {
        var copy = self
        copy.steps.append(ImageStep(action))
        return copy
    }

    /// The same process with a `|sys/saveas` target, for ProcessObject.
    public func saved(as key: String, bucket: String? = nil) -> ImageProcess {
        var copy = self
        copy.saveAs = SaveAs(key: key, bucket: bucket)
        return copy
    }
}
