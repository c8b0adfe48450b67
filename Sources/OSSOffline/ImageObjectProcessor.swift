import OSSImage
import OSSImageProcess
import OSSLocalService

/// Plugs the local image kernels into the local OSS: GetObject's `x-oss-process` and
/// ProcessObject. Errors come back as OSS answers them (400 `InvalidArgument` with the EC, 501 for
/// what the kernels do not do).
public struct ImageObjectProcessor: ObjectProcessor {
    /// The processor `oss serve` and the offline mode use.
    public init() {}

    public func process(_ process: String, source: [UInt8], sourceContentType: String, bucketObjects: BucketObjectLoader) async throws -> ProcessedObject {
        guard process.hasPrefix("image/") || process.hasPrefix("style/") else {
            throw ServiceError(status: 501, code: "NotImplemented", message: "Only image processing is available locally; '\(process.prefix(32))' is not.", ec: "")
        }
        // The image engine does no I/O: the objects image watermarks name are read first. A
        // missing one is left out, and the engine answers 404 for it. Past OSS's three, none is
        // read: the engine refuses the process before it needs them.
        var watermarkImages: [String: [UInt8]] = [:]
        let keys = ImageProcessor.watermarkImageKeys(process)
        if keys.count <= ImageProcessor.maximumImageWatermarks {
            for key in keys {
                if let bytes = try await bucketObjects.object(key) { watermarkImages[key] = bytes }
            }
        }
        do {
            // CPU-bound work belongs off the cooperative pool's few threads only when it is long;
            // it is bounded here by OSS's 20 MB / 250 MP limits.
            let result = try ImageProcessor.process(process, source: source, watermarkImages: watermarkImages)
            return ProcessedObject(bytes: result.bytes, contentType: result.contentType)
        } catch {
            throw ServiceError(status: error.status, code: error.code, message: error.message, ec: error.ec ?? "")
        }
    }
}
