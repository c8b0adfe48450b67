/// The typed reading of a segment: what the local engine runs. Where a parameter is repeated,
/// the last one counts; parameters an action does not take are ignored, as the service ignores
/// them. Any error here is not a refusal (see ``ActionReader``).
extension ActionReader {
    func typed() throws(ImageProcessError) -> ImageAction {
        switch name {
        case "resize": return .resize(try resize())
        case "crop":
            return .crop(Crop(x: try integer("x", 0...NumberReading.saturation) ?? 0, y: try integer("y", 0...NumberReading.saturation) ?? 0,
                              width: try integer("w", 0...NumberReading.saturation), height: try integer("h", 0...NumberReading.saturation),
                              gravity: try gravity("g") ?? .northWest))
        case "circle": return .circle(radius: try required("r", 1...4096))
        case "rounded-corners": return .roundedCorners(radius: try required("r", 1...4096))
        case "indexcrop":
            // Given both, y wins, as OSS documents.
            let axis: IndexCropAxis = raw.has("y") ? .y : .x
            return .indexCrop(axis: axis, length: try required(axis.rawValue, 1...NumberReading.saturation),
                              index: try integer("i", 0...NumberReading.saturation) ?? 0)
        case "rotate": return .rotate(degrees: try bare(0...360))
        case "auto-orient": return .autoOrient(try bare(0...1) == 1)
        case "blur": return .blur(radius: try required("r", 1...50), sigma: try required("s", 1...50))
        case "bright": return .bright(try bare(-100...100))
        case "contrast": return .contrast(try bare(-100...100))
        case "sharpen": return .sharpen(try bare(50...399))
        case "watermark": return .watermark(try watermark())
        case "average-hue": return .averageHue
        case "info": return .info
        case "format":
            guard raw.values.count == 1, let format = ImageFormat(parameter: raw.values[0]) else {
                throw unreadable("value", "format takes one of jpg, png, webp, bmp, gif, tiff, heic, avif.")
            }
            return .format(format)
        case "quality":
            if raw.has("Q") { return .quality(try required("Q", 1...100), absolute: true) }
            if raw.has("q") { return .quality(try required("q", 1...100), absolute: false) }
            return .quality(try bare(1...100), absolute: false)
        case "interlace": return .interlace(try bare(0...1) == 1)
        default: return .opaque(OpaqueAction(name: name, arguments: raw.arguments))
        }
    }

    func resize() throws(ImageProcessError) -> Resize {
        var mode = Resize.Mode.lfit
        if let text = raw.last("m") {
            guard let parsed = Resize.Mode(rawValue: text.lowercased()) else { throw unreadable("m", "m_\(text) is not a mode.") }
            mode = parsed
        }
        var color = "FFFFFF"
        if let text = raw.last("color") {
            guard Self.isHexColor(text) else { throw unreadable("color", "color_\(text) is not RRGGBB.") }
            color = text
        }
        let resize = Resize(mode: mode, width: try integer("w", 1...16384), height: try integer("h", 1...16384),
                            long: try integer("l", 1...16384), short: try integer("s", 1...16384), percent: try integer("p", 1...1000),
                            limit: try integer("limit", 0...1).map { $0 == 1 } ?? true, color: color,
                            percentOfBase: try integer("P", 1...100))
        guard resize.hasSize else { throw unreadable("w", "resize needs a size: w, h, l, s or p.") }
        return resize
    }

    func watermark() throws(ImageProcessError) -> Watermark {
        var watermark = Watermark()
        if let encoded = raw.last("text") {
            guard let text = Base64URL.decodeText(encoded) else { throw unreadable("text", "text_ is not base64 of UTF-8 text.") }
            var part = TextWatermark(text)
            if let encodedFont = raw.last("type") {
                guard let font = Base64URL.decodeText(encodedFont) else { throw unreadable("type", "type_ is not base64 of a font name.") }
                part.font = font
            }
            if let color = raw.last("color") {
                guard Self.isHexColor(color) else { throw unreadable("color", "color_\(color) is not RRGGBB.") }
                part.color = color
            }
            part.size = try integer("size", 1...1000)
            part.shadow = try integer("shadow", 0...100)
            part.rotate = try integer("rotate", 0...360)
            part.fill = try integer("fill", 0...1).map { $0 == 1 }
            watermark.text = part
        }
        if let encoded = raw.last("image") {
            guard let reference = Base64URL.decodeText(encoded), !reference.isEmpty else {
                throw unreadable("image", "image_ is not base64 of an object name.")
            }
            if let marker = reference.utf8.firstRange(of: ImageWatermark.processMarker.utf8) {
                guard depth < ImageProcess.ParserLimits.maximumNesting else {
                    throw unreadable("image", "a watermark image's own process may not hold another watermark image.")
                }
                let key = String(decoding: reference.utf8[..<marker.lowerBound], as: UTF8.self)
                let nested = String(decoding: reference.utf8[marker.upperBound...], as: UTF8.self)
                watermark.image = ImageWatermark(key: key, process: try ImageProcess(parsing: nested, depth: depth + 1))
            } else {
                watermark.image = ImageWatermark(key: reference)
            }
        }
        guard watermark.text != nil || watermark.image != nil else {
            throw unreadable("text", "watermark needs text_ or image_.")
        }
        watermark.transparency = try integer("t", 0...100)
        watermark.gravity = try gravity("g")
        watermark.x = try integer("x", 0...4096)
        watermark.y = try integer("y", 0...4096)
        watermark.verticalOffset = try integer("voffset", -1000...1000)
        watermark.order = try integer("order", 0...1).flatMap(Watermark.Order.init(rawValue:))
        watermark.align = try integer("align", 0...2).flatMap(Watermark.Align.init(rawValue:))
        watermark.interval = try integer("interval", 0...1000)
        return watermark
    }

    // MARK: Readers

    func unreadable(_ parameter: String?, _ message: String) -> ImageProcessError {
        ImageProcessError(action: name, parameter: parameter, message: message, isDocumented: false)
    }

    /// The last value of `key` as an integer in `range`; nil when absent.
    func integer(_ key: String, _ range: ClosedRange<Int>) throws(ImageProcessError) -> Int? {
        guard let text = raw.last(key) else { return nil }
        guard let value = NumberReading(text).integer, range.contains(value) else {
            throw unreadable(key, "\(key)_\(text) is not an integer in \(Self.bounds(range)).")
        }
        return value
    }

    func required(_ key: String, _ range: ClosedRange<Int>) throws(ImageProcessError) -> Int {
        guard let value = try integer(key, range) else { throw unreadable(key, "\(name) needs \(key)_.") }
        return value
    }

    /// The one bare value (`rotate,90`) as an integer in `range`.
    func bare(_ range: ClosedRange<Int>) throws(ImageProcessError) -> Int {
        let values = raw.arguments.filter { !$0.isEmpty }
        guard values.count == 1, let value = NumberReading(values[0]).integer, range.contains(value) else {
            throw unreadable("value", "\(name) takes one integer in \(Self.bounds(range)).")
        }
        return value
    }

    func gravity(_ key: String) throws(ImageProcessError) -> Gravity? {
        guard let text = raw.last(key) else { return nil }
        guard let gravity = Gravity(parameter: text) else { throw unreadable(key, "\(key)_\(text) is not a gravity.") }
        return gravity
    }
}
