import OSSImageProcess

/// Image watermarks name other objects of the bucket (`image_`). The engine does no I/O: the
/// caller reads those objects first (``watermarkImageKeys(_:)`` lists them) and passes their
/// bytes, by key. A key that is not in the dictionary answers 404 `NoSuchKey`, as a missing
/// object does.
extension ImageProcessor {
    /// OSS allows at most three image watermarks on one image; a process with more is a 400.
    public static let maximumImageWatermarks = 3

    /// The keys of the objects the image watermarks of `process` name, in order, each once.
    public static func watermarkImageKeys(_ process: ImageProcess) -> [String] {
        var keys: [String] = []
        for case let .watermark(watermark) in process.actions {
            if let key = watermark.image?.key, !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// ``watermarkImageKeys(_:)`` of a process string; none when it does not parse (running it
    /// then reports why).
    public static func watermarkImageKeys(_ text: String) -> [String] {
        (try? ImageProcess(parsing: text)).map { watermarkImageKeys($0) } ?? []
    }

    /// Runs a process whose image watermarks read `watermarkImages` (object bytes by key), within
    /// `limits`, stopping early when `cancellation` is set. Each watermark image is at most 20 MB
    /// and is refused, like a source, past OSS's limits.
    public static func process(_ process: ImageProcess, source: [UInt8], watermarkImages: [String: [UInt8]],
                               limits: ImageWorkLimits = .oss, cancellation: ImageCancellation? = nil) throws(ImageError) -> ProcessedImage {
        try run(process, source: source, budget: ImageWorkBudget(limits: limits, cancellation: cancellation), watermarkImages: watermarkImages)
    }

    /// ``process(_:source:watermarkImages:limits:cancellation:)-(ImageProcess,_,_,_,_)`` for a process string.
    public static func process(_ text: String, source: [UInt8], watermarkImages: [String: [UInt8]],
                               limits: ImageWorkLimits = .oss, cancellation: ImageCancellation? = nil) throws(ImageError) -> ProcessedImage {
        try process(try parse(text), source: source, watermarkImages: watermarkImages, limits: limits, cancellation: cancellation)
    }

    /// ``estimatedWorkingBytes(_:source:limits:)-(ImageProcess,_,_)`` with the watermark images the
    /// process names: their sources, decodes and own processes count too.
    public static func estimatedWorkingBytes(_ process: ImageProcess, source: [UInt8], watermarkImages: [String: [UInt8]],
                                             limits: ImageWorkLimits = .oss) throws(ImageError) -> Int {
        try ProcessPlan(process, source: source, limits: limits, watermarkImages: watermarkImages).peakBytes
    }
}

extension ImageProcessor {
    /// ``estimatedWorkingBytes(_:source:watermarkImages:limits:)-(ImageProcess,_,_,_)`` for a process string.
    public static func estimatedWorkingBytes(_ text: String, source: [UInt8], watermarkImages: [String: [UInt8]],
                                             limits: ImageWorkLimits = .oss) throws(ImageError) -> Int {
        try estimatedWorkingBytes(try parse(text), source: source, watermarkImages: watermarkImages, limits: limits)
    }
}
