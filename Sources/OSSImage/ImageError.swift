import OSSImageProcess

/// Why an image could not be processed: a bad process, an image OSS would refuse, or a codec
/// failure. Carries the OSS error code the local OSS answers with.
public struct ImageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `InvalidArgument`, `ImageTooLarge`, `BadRequest`, `NotImplemented`...
    public var code: String
    /// What went wrong, naming the action or limit.
    public var message: String
    /// HTTP status OSS uses for it.
    public var status: Int
    /// OSS's numeric EC where it documents one.
    public var ec: String?

    /// An error with OSS's code, status and EC.
    public init(code: String, message: String, status: Int = 400, ec: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.ec = ec
    }

    /// A process-language error as OSS answers it.
    public init(_ error: ImageProcessError) {
        self.init(code: error.code, message: error.detail, status: error.code == "NotImplemented" ? 501 : 400, ec: error.ec)
    }

    static func decode(_ message: String) -> ImageError {
        ImageError(code: "BadRequest", message: "The image cannot be decoded: \(message)")
    }

    static func tooLarge(_ message: String) -> ImageError {
        ImageError(code: "ImageTooLarge", message: message)
    }

    static func notImplemented(_ message: String) -> ImageError {
        ImageError(code: "NotImplemented", message: message, status: 501)
    }

    /// 400 `InvalidArgument`: a parameter, or a limit it runs into, named in `message`.
    static func invalidArgument(_ message: String, ec: String? = nil) -> ImageError {
        ImageError(code: "InvalidArgument", message: message, ec: ec)
    }

    /// The code of `timedOut(after:)`.
    public static let processingTimeoutCode = "ProcessingTimeout"
    /// The code of `cancelled`.
    public static let processingCancelledCode = "ProcessingCancelled"

    /// The process ran past ``ImageWorkLimits/timeLimit``.
    ///
    /// 503, not 400: the request is well formed and OSS itself would answer it; this server ran
    /// out of the time it grants one request (as OSS answers 503 when it is overloaded). A client
    /// may retry later, or ask for less work.
    static func timedOut(after limit: Duration) -> ImageError {
        ImageError(code: processingTimeoutCode, message: "The image process ran past this server's time limit of \(limit) per request.", status: 503)
    }

    /// The work was cancelled (``ImageCancellation/cancel()``): the client went away or the server
    /// is stopping. 503 for the same reason as the time limit; usually no one reads it.
    static var cancelled: ImageError {
        ImageError(code: processingCancelledCode, message: "The image process was cancelled before it finished.", status: 503)
    }

    /// The code, the message and the EC, as OSS would answer them.
    public var description: String { "\(code): \(message)" + (ec.map { " (EC \($0))" } ?? "") }
}

/// The limits OSS documents, checked from headers and from the process before any pixel buffer exists.
public enum ImageLimits {
    /// Source file size: 20 MB.
    public static let maximumSourceBytes = 20 << 20
    /// Each side: 30,000 px.
    public static let maximumSide = 30_000
    /// Total pixels: 250 megapixels.
    public static let maximumPixels = 250_000_000
    /// `rotate` takes an image of at most 4096 × 4096 (OSS answers EC 0040-00000006 past it).
    public static let maximumRotateSide = 4096
    /// Each side of a resized image: 16,384 px.
    public static let maximumResizedSide = 16_384
    /// Total pixels of a resized image: 250 megapixels.
    public static let maximumResizedPixels = 250_000_000
    /// Each side of a WebP: 16,383 px (the format stores sides in 14 bits).
    public static let maximumWebPSide = 16_383

    static func check(width: Int, height: Int) throws(ImageError) {
        guard width > 0, height > 0 else { throw ImageError.decode("the image has no pixels") }
        guard width <= maximumSide, height <= maximumSide else {
            throw .tooLarge("The image is \(width)x\(height); each side must be at most \(maximumSide) px.")
        }
        guard width * height <= maximumPixels else {
            throw .tooLarge("The image has \(width * height) pixels; at most \(maximumPixels) are processed.")
        }
    }
}

/// Products of sizes taken from input, without a trap: nil (or a saturated value) when they
/// leave `Int`. Every size a header or a process gives passes through here before it meets `*`.
enum Checked {
    /// `a × b`, or nil on overflow.
    static func product(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }

    /// `a × b × c`, or nil on overflow.
    static func product(_ a: Int, _ b: Int, _ c: Int) -> Int? {
        product(a, b).flatMap { product($0, c) }
    }

    /// `a × b`, or `Int.max` on overflow: for sizes compared against a limit.
    static func saturating(_ a: Int, _ b: Int) -> Int {
        product(a, b) ?? Int.max
    }

    /// `a + b`, or `Int.max` on overflow.
    static func sum(_ a: Int, _ b: Int) -> Int {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : value
    }

    /// A computed size as an `Int`, at least 1: NaN and values beyond 2^50 (no image has such a
    /// side) become 2^50, so that a later limit check refuses them instead of `Int(_:)` trapping.
    static func clampedSide(_ value: Double) -> Int {
        if value.isNaN || value >= 0x1p50 { return 1 << 50 }
        return value < 1 ? 1 : Int(value)
    }
}
