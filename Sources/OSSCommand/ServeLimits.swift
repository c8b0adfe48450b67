import ArgumentParser
import OSSImage
import OSSLocalServer
import OSSOffline

/// `oss serve`'s limits: the front door's timeouts and connection limit, and the image pool.
/// The defaults are ``LocalOSSServer/Configuration``'s and ``ImageWorkPool/Configuration``'s,
/// which say why each is what it is.
struct ServeLimitOptions: ParsableArguments {
    @Option(name: .customLong("image-workers"), help: "Image jobs running at once (default: the number of cores).")
    var imageWorkers: Int?

    @Option(name: .customLong("image-queue"), help: "Image jobs waiting for a worker; past it requests get 503 SlowDown (default: 16 per worker).")
    var imageQueue: Int?

    @Option(name: .customLong("image-cores"), help: ArgumentHelp(
        "Cores one image request may spread its work over (default: 1); 0: all of them while it runs alone, one each once as many run as there are cores.",
        discussion: "1 keeps each request on one core, so requests/s grows with the clients until every core is busy. 0 answers a request that runs alone sooner (about 1.6 times, measured), for about the same requests/s under load."))
    var imageCores = 1

    @Option(name: .customLong("image-memory-mib"), help: "MiB the running image jobs may hold together, by their estimates.")
    var imageMemoryMiB = 1024

    @Option(name: .customLong("image-time-limit"), help: "Seconds one image process may take.")
    var imageTimeLimit = 30.0

    @Option(name: .customLong("max-connections"), help: "Connections open at once; past it new ones wait in the backlog (default: half the descriptor limit).")
    var maxConnections: Int?

    @Option(name: .customLong("header-timeout"), help: "Seconds a request head may take to arrive.")
    var headerTimeout = 10.0

    @Option(name: .customLong("idle-timeout"), help: "Seconds a kept-alive connection may wait for its next request, and an upload or download may stall.")
    var idleTimeout = 60.0

    @Option(name: .customLong("shutdown-grace"), help: "Seconds requests in flight get after SIGINT or SIGTERM before their connections close.")
    var shutdownGrace = 3.0

    func validate() throws {
        for (name, value) in [("--image-workers", imageWorkers), ("--max-connections", maxConnections)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, not \(value).") }
        }
        guard (0...1024).contains(imageCores) else { throw ValidationError("--image-cores must be between 0 and 1024, not \(imageCores).") }
        if let imageQueue, imageQueue < 0 { throw ValidationError("--image-queue must be 0 or more, not \(imageQueue).") }
        guard (1...(1 << 30)).contains(imageMemoryMiB) else {
            throw ValidationError("--image-memory-mib must be between 1 and \(1 << 30), not \(imageMemoryMiB).")
        }
        for (name, seconds) in [("--image-time-limit", imageTimeLimit), ("--header-timeout", headerTimeout),
                                ("--idle-timeout", idleTimeout), ("--shutdown-grace", shutdownGrace)] {
            _ = try Self.duration(seconds, name)
        }
    }

    /// Seconds as a duration: finite, positive, at most a day (so the conversion cannot trap).
    static func duration(_ seconds: Double, _ name: String) throws -> Duration {
        guard seconds.isFinite, seconds > 0, seconds <= 86_400 else {
            throw ValidationError("\(name) must be a number of seconds above 0 and at most 86400, not \(seconds).")
        }
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    func serverConfiguration() throws -> LocalOSSServer.Configuration {
        let idle = try Self.duration(idleTimeout, "--idle-timeout")
        return LocalOSSServer.Configuration(
            headerTimeout: try Self.duration(headerTimeout, "--header-timeout"),
            idleTimeout: idle, bodyTimeout: idle, sendTimeout: idle,
            maximumConnections: maxConnections ?? LocalOSSServer.Configuration.defaultMaximumConnections,
            shutdownGracePeriod: try Self.duration(shutdownGrace, "--shutdown-grace"))
    }

    func imageProcessor() throws -> ImageObjectProcessor {
        var limits = ImageWorkLimits.oss
        limits.timeLimit = try Self.duration(imageTimeLimit, "--image-time-limit")
        limits.coresPerJob = imageCores == 0 ? nil : imageCores
        return ImageObjectProcessor(workers: imageWorkers ?? ImageWorkPool.Configuration.defaultWorkers, maximumQueued: imageQueue,
                                    memoryBudget: imageMemoryMiB << 20, limits: limits)
    }
}
