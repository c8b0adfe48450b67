extension ImageProcess {
    /// Parses `image/a,k_v/b,...`, `style/NAME`, each optionally followed by `|sys/saveas,o_...,b_...`,
    /// and validates every parameter.
    public init(parsing text: String) throws(ImageProcessError) {
        var main = Substring(text)
        var saveAs: SaveAs?
        if let bar = text.firstIndex(of: "|") {
            main = text[..<bar]
            let suffix = text[text.index(after: bar)...]
            guard suffix.hasPrefix("sys/saveas,") else {
                throw ImageProcessError(action: "sys", parameter: nil, message: "only |sys/saveas,... may follow the process.")
            }
            var key: String?
            var bucket: String?
            for part in suffix.dropFirst("sys/saveas,".count).split(separator: ",") {
                let decoded = Base64URL.decode(String(part.dropFirst(2))).flatMap { String(validating: $0, as: UTF8.self) }
                if part.hasPrefix("o_") {
                    guard let decoded, !decoded.isEmpty else { throw ImageProcessError(action: "saveas", parameter: "o", message: "o_ is not URL-safe base64 of a key.") }
                    key = decoded
                } else if part.hasPrefix("b_") {
                    guard let decoded, !decoded.isEmpty else { throw ImageProcessError(action: "saveas", parameter: "b", message: "b_ is not URL-safe base64 of a bucket.") }
                    bucket = decoded
                } else {
                    throw ImageProcessError(action: "saveas", parameter: String(part.prefix { $0 != "_" }), message: "unknown saveas parameter.")
                }
            }
            guard let key else { throw ImageProcessError(action: "saveas", parameter: "o", message: "saveas needs o_<object>.", code: "MissingArgument") }
            saveAs = SaveAs(key: key, bucket: bucket)
        }
        if main.hasPrefix("style/") {
            self.init(actions: [], style: String(main.dropFirst(6)), saveAs: saveAs)
            try validate()
            return
        }
        guard main.hasPrefix("image/") else {
            throw ImageProcessError(action: String(main.prefix { $0 != "/" }), parameter: nil,
                                    message: "only image/... and style/... processes are understood here.", code: "NotImplemented")
        }
        var actions: [ImageAction] = []
        for segment in main.dropFirst(6).split(separator: "/", omittingEmptySubsequences: false) {
            actions.append(try Self.parseAction(segment))
        }
        self.init(actions: actions, style: nil, saveAs: saveAs)
        try validate()
    }

    static func parseAction(_ segment: Substring) throws(ImageProcessError) -> ImageAction {
        let parts = segment.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        let arguments = Array(parts.dropFirst())
        // key_value parameters; a bare value (rotate,90 / format,png) has key "".
        var parameters: [String: String] = [:]
        var bare: [String] = []
        for argument in arguments {
            if let underscore = argument.firstIndex(of: "_") {
                let key = String(argument[..<underscore])
                parameters[key] = String(argument[argument.index(after: underscore)...])
            } else {
                bare.append(argument)
            }
        }
        func integer(_ key: String, required: Bool = false) throws(ImageProcessError) -> Int? {
            guard let raw = parameters[key] else {
                if required { throw ImageProcessError(action: name, parameter: key, message: "\(key) is required.", code: "MissingArgument", ec: name == "circle" ? "0040-00000233" : nil) }
                return nil
            }
            guard let value = Int(raw) else {
                throw ImageProcessError(action: name, parameter: key, message: "\(key)_\(raw) is not an integer.", ec: name == "circle" ? "0040-00000233" : nil)
            }
            return value
        }
        func flag(_ text: String?) throws(ImageProcessError) -> Bool {
            switch text {
            case "1": return true
            case "0": return false
            default: throw ImageProcessError(action: name, parameter: "value", message: "expects 0 or 1, got '\(text ?? "")'.")
            }
        }
        func rejectUnknown(_ allowed: Set<String>) throws(ImageProcessError) {
            if let unknown = parameters.keys.first(where: { !allowed.contains($0) }) {
                throw ImageProcessError(action: name, parameter: unknown, message: "\(name) has no parameter '\(unknown)'.")
            }
        }

        switch name {
        case "circle":
            try rejectUnknown(["r"])
            return .circle(radius: try integer("r", required: true)!)
        case "crop":
            try rejectUnknown(["x", "y", "w", "h", "g"])
            var gravity = Gravity.northWest
            if let raw = parameters["g"] {
                guard let parsed = Gravity(rawValue: raw) else {
                    throw ImageProcessError(action: name, parameter: "g", message: "g_\(raw) is not one of nw, north, ne, west, center, east, sw, south, se.")
                }
                gravity = parsed
            }
            return .crop(Crop(x: try integer("x") ?? 0, y: try integer("y") ?? 0, width: try integer("w"), height: try integer("h"), gravity: gravity))
        case "resize":
            try rejectUnknown(["m", "w", "h", "l", "s", "p", "limit", "color"])
            var mode = Resize.Mode.lfit
            if let raw = parameters["m"] {
                guard let parsed = Resize.Mode(rawValue: raw) else {
                    throw ImageProcessError(action: name, parameter: "m", message: "m_\(raw) is not lfit, mfit, fill, pad or fixed.")
                }
                mode = parsed
            }
            var limit = true
            if let raw = parameters["limit"] { limit = try flag(raw) }
            return .resize(Resize(mode: mode, width: try integer("w"), height: try integer("h"), long: try integer("l"),
                                  short: try integer("s"), percent: try integer("p"), limit: limit, color: parameters["color"] ?? "FFFFFF"))
        case "rounded-corners":
            try rejectUnknown(["r"])
            return .roundedCorners(radius: try integer("r", required: true)!)
        case "indexcrop":
            try rejectUnknown(["x", "y", "i"])
            let axis: IndexCropAxis = parameters["x"] != nil ? .x : .y
            guard let length = try integer(axis.rawValue) else {
                throw ImageProcessError(action: name, parameter: "x", message: "indexcrop needs x_ or y_.", code: "MissingArgument")
            }
            return .indexCrop(axis: axis, length: length, index: try integer("i") ?? 0)
        case "rotate":
            guard parameters.isEmpty, bare.count == 1, let degrees = Int(bare[0]) else {
                throw ImageProcessError(action: name, parameter: "value", message: "rotate takes one angle, 0 to 360.")
            }
            return .rotate(degrees: degrees)
        case "format":
            guard parameters.isEmpty, bare.count == 1 else {
                throw ImageProcessError(action: name, parameter: "value", message: "format takes one format name.")
            }
            let raw = bare[0].lowercased() == "jpeg" ? "jpg" : bare[0].lowercased()
            guard let format = ImageFormat(rawValue: raw) else {
                throw ImageProcessError(action: name, parameter: "value", message: "'\(bare[0])' is not jpg, png, webp, bmp, gif, tiff, heic or avif.")
            }
            return .format(format)
        case "quality":
            if let raw = parameters["Q"] {
                guard parameters.count == 1, let value = Int(raw) else { throw ImageProcessError(action: name, parameter: "Q", message: "Q_ takes 1 to 100.") }
                return .quality(value, absolute: true)
            }
            try rejectUnknown(["q"])
            guard let value = try integer("q") else {
                throw ImageProcessError(action: name, parameter: "q", message: "quality needs q_ or Q_.", code: "MissingArgument")
            }
            return .quality(value, absolute: false)
        case "interlace":
            guard parameters.isEmpty, bare.count == 1 else { throw ImageProcessError(action: name, parameter: "value", message: "interlace takes 0 or 1.") }
            return .interlace(try flag(bare[0]))
        case "auto-orient":
            guard parameters.isEmpty, bare.count == 1 else { throw ImageProcessError(action: name, parameter: "value", message: "auto-orient takes 0 or 1.") }
            return .autoOrient(try flag(bare[0]))
        case "info":
            guard arguments.isEmpty else { throw ImageProcessError(action: name, parameter: nil, message: "info takes no parameters.") }
            return .info
        case "":
            throw ImageProcessError(action: "image", parameter: nil, message: "an action is empty (two '/' in a row?).")
        default:
            throw ImageProcessError(action: name, parameter: nil, message: "'\(name)' is not an image action this SDK knows.", code: "NotImplemented")
        }
    }
}
