import OSSImage
import OSSImageProcess
import OSSLocalService

/// Plugs the local image kernels into the local OSS: GetObject's `x-oss-process`, AsyncProcessObject and
/// ProcessObject. Errors come back as OSS answers them (400 `InvalidArgument` with the EC, 501 for
/// what the kernels do not do, 503 `SlowDown` when image work is queued to its limit).
///
/// The work runs on an ``ImageWorkPool`` (threads of its own, never Swift's cooperative pool or
/// the server's event loops), admitted by its estimated memory, within ``limits``, and it is
/// stopped when the request is cancelled (the client went away).
public struct ImageObjectProcessor: ObjectProcessor {
    /// Where the work runs.
    public let pool: ImageWorkPool
    /// What one process may cost (pixels, actions, time); past them the image layer answers a
    /// clear 400 or 503 that names the limit.
    public var limits: ImageWorkLimits

    /// The processor `oss serve` and the offline mode use: the shared pool, OSS's limits.
    public init(pool: ImageWorkPool = .shared, limits: ImageWorkLimits = .oss) {
        self.pool = pool
        self.limits = limits
    }

    /// A processor with a pool of its own.
    public init(workers: Int = ImageWorkPool.Configuration.defaultWorkers, maximumQueued: Int? = nil,
                memoryBudget: Int = 1 << 30, limits: ImageWorkLimits = .oss) {
        self.init(pool: ImageWorkPool(configuration: .init(workers: workers, maximumQueued: maximumQueued, memoryBudget: memoryBudget)),
                  limits: limits)
    }

    /// What the pool has done: jobs run, refused, cancelled.
    public var statistics: ImageWorkPool.Statistics { pool.statistics }

    /// Runs `image/...` and `style/...` processes on the pool's threads, off Swift's cooperative pool; anything else is 501 NotImplemented.
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
        let limits = self.limits
        do {
            // Parsing and the estimate read only the process and the image's header: cheap, and a
            // request that would be refused is refused before it takes a place in the queue.
            let parsed: ImageProcess
            do { parsed = try ImageProcess(parsing: process) } catch { throw ImageError(error) }
            let images = watermarkImages
            let cost = try ImageProcessor.estimatedWorkingBytes(parsed, source: source, watermarkImages: images, limits: limits)
            let cancellation = ImageCancellation()
            let result = try await pool.run(cost: cost, cancellation: cancellation) { () throws(ImageError) -> ProcessedImage in
                try ImageProcessor.process(parsed, source: source, watermarkImages: images, limits: limits, cancellation: cancellation)
            }
            return ProcessedObject(bytes: result.bytes, contentType: result.contentType)
        } catch let error as ImageError {
            throw ServiceError(status: error.status, code: error.code, message: error.message, ec: error.ec ?? "")
        } catch let busy as ImageWorkPool.Busy {
            // Not an OSS-documented EC: this server's own, in the image-processing range.
            throw ServiceError(status: 503, code: "SlowDown", message: busy.description, ec: "0040-00000503",
                               headers: [("Retry-After", "1")])
        }
    }
}
