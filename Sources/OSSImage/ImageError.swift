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

    public var description: String { "\(code): \(message)" + (ec.map { " (EC \($0))" } ?? "") }
}

/// The limits OSS enforces on sources, checked from headers before any pixel buffer exists.
public enum ImageLimits {
    /// Source file size: 20 MB.
    public static let maximumSourceBytes = 20 << 20
    /// Each side: 30,000 px.
    public static let maximumSide = 30_000
    /// Total pixels: 250 megapixels.
    public static let maximumPixels = 250_000_000

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
