// Replaced by the hardening branch.
//
// Forwarding stubs with the signatures the hardening branch gives `ImageProcessor`, so the server
// side (the image pool, per-request limits, cancellation) can be built against them now. They do
// not enforce the limits or look at the cancellation flag.
import OSSImageProcess

extension ImageProcessor {
    /// Parses and runs a process string within `limits`, stopping early once `cancellation` is set.
    public static func process(_ text: String, source: [UInt8], limits: ImageWorkLimits, cancellation: ImageCancellation) throws(ImageError) -> ProcessedImage {
        try process(text, source: source)
    }

    /// The bytes a process holds at its peak: what an image pool admits work by.
    public static func estimatedWorkingBytes(_ process: ImageProcess, source: [UInt8]) throws(ImageError) -> Int {
        let (width, height, _) = try ImageCodecs.dimensions(source)
        let (pixels, pixelsOverflow) = width.multipliedReportingOverflow(by: height)
        let (bytes, bytesOverflow) = pixels.multipliedReportingOverflow(by: 4 * 2)
        return pixelsOverflow || bytesOverflow ? Int.max : bytes
    }
}
