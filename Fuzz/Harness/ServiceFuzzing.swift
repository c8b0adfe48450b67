import Foundation
import OSS
import OSSHTTP
import OSSImageProcess
import OSSLocalService
import OSSOffline
import OSSSigner

/// The local OSS's request handling, bytes in, response out: the input is a raw HTTP request
/// (``RawHTTPRequest``), handed to a `LocalOSSService` on a scratch folder, the response drained.
///
/// Two services answer: one that checks signatures (a fixed key and a fixed clock, so the seeds'
/// V4 and V1 signatures stay valid; one public-read bucket), and one with open access, so that
/// unsigned writes reach routing too. A signed request goes to the first, an unsigned one to both.
///
/// Properties checked after every request:
/// - nothing was written outside the roots (the folders above each root hold only what they held);
/// - a body announced with a Content-Length is exactly that long, and streams without error;
/// - an error body is XML the client's reader parses, with a `Code`, and names no host path.
package enum ServiceFuzzing: FuzzTarget {
    package static let name = "service"

    static let credentials = ServiceCredentials(accessKeyId: "LTAI5tFuzzAccessKeyId", accessKeySecret: "fuzz-secret-used-only-by-seeds")
    static let region = "cn-hangzhou"
    static let time = SigningTime(year: 2024, month: 1, day: 15, hour: 8, minute: 0, second: 0)!
    static let host = "127.0.0.1:9000"
    static let publicBucket = "public-bucket", privateBucket = "private-bucket", targetBucket = "target-bucket"

    /// Responses longer than this are not read to the end (a listing is far shorter).
    static let drainLimit: Int64 = 64 << 20

    nonisolated(unsafe) static var world: World?
    nonisolated(unsafe) static var photo: [UInt8] = []

    package static func run(_ input: [UInt8]) {
        guard let raw = RawHTTPRequest(parsing: input) else { return }
        let world = currentWorld()
        var mutated = false
        for service in raw.isSigned ? [world.authenticated] : [world.authenticated, world.open] {
            let outcome = runBlocking { await exchange(raw, with: service) }
            check(outcome, for: raw, in: world)
            if ["PUT", "POST", "DELETE"].contains(raw.method.uppercased()), (200..<300).contains(outcome.status) { mutated = true }
        }
        // Requests that changed stored state start the next input from the same state.
        if mutated { self.world = nil }
    }

    struct Outcome: Sendable {
        var status: Int
        var contentLength: Int64?
        var hasFault: Bool
        var received: Int64
        var bodyError: String?
        /// Kept for error responses only.
        var errorBody: [UInt8]
    }

    static func exchange(_ raw: RawHTTPRequest, with service: LocalOSSService) async -> Outcome {
        let request = raw.serviceRequest()
        var response: ServiceResponse
        if raw.header("Expect")?.lowercased() == "100-continue", let refusal = await service.preflight(request) {
            response = refusal
        } else {
            response = await service.handle(request)
        }
        var outcome = Outcome(status: response.status, contentLength: response.contentLength, hasFault: response.fault != nil,
                              received: 0, bodyError: nil, errorBody: [])
        do {
            for try await chunk in response.body {
                outcome.received += Int64(chunk.count)
                if response.status >= 400 { outcome.errorBody += chunk }
                if outcome.received > drainLimit { break }
            }
        } catch {
            outcome.bodyError = "\(error)"
        }
        response.body = .empty
        return outcome
    }

    static func check(_ outcome: Outcome, for raw: RawHTTPRequest, in world: World) {
        let what = printable("\(raw.method) \(raw.target)", limit: 200)
        FuzzCheck.require((100...599).contains(outcome.status), "status \(outcome.status) for \(what)")
        for level in world.guardedFolders {
            let entries = Set((try? FileManager.default.contentsOfDirectory(atPath: level.path)) ?? [])
            FuzzCheck.require(entries == level.entries, "\(what) wrote outside the root: \(level.path) now holds \(entries.sorted())")
        }
        let framed = raw.method.uppercased() != "HEAD" && outcome.status >= 200 && outcome.status != 304 && !outcome.hasFault
        if framed, let length = outcome.contentLength, outcome.received <= drainLimit {
            FuzzCheck.require(outcome.bodyError == nil, "the body of \(what) failed while streaming: \(outcome.bodyError ?? "")")
            FuzzCheck.require(outcome.received == length, "\(what) announced \(length) bytes and sent \(outcome.received)")
        }
        if outcome.status >= 400, !outcome.errorBody.isEmpty, !FuzzCheck.isMuted("service-error-xml") {
            let tree = XMLTree.parse(outcome.errorBody)
            FuzzCheck.require(tree?.name == "Error" && tree?.value("Code") != nil,
                              "the error body of \(what) is not an OSS error the client can read: \(printable(String(decoding: outcome.errorBody, as: UTF8.self), limit: 400))")
            let text = String(decoding: outcome.errorBody, as: UTF8.self)
            FuzzCheck.require(!text.contains(world.sandbox), "the error body of \(what) shows a host path: \(printable(text, limit: 400))")
        }
    }

    // MARK: The scratch folders

    /// Two roots in a scratch folder; every folder above them is checked after each request.
    final class World: Sendable {
        let sandbox: String
        let authenticated: LocalOSSService
        let open: LocalOSSService
        let guardedFolders: [(path: String, entries: Set<String>)]

        init() throws {
            let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
            sandbox = "\(base)/oss-fuzz-service-\(getpid())"
            try? FileManager.default.removeItem(atPath: sandbox)
            ServiceFuzzing.registerCleanup(sandbox)
            let inner = sandbox + "/a/b"
            for name in ["auth", "open"] {
                try FileManager.default.createDirectory(atPath: "\(inner)/\(name)/root", withIntermediateDirectories: true)
            }
            guardedFolders = [(sandbox, ["a"]), (sandbox + "/a", ["b"]), (inner, ["auth", "open"]),
                              (inner + "/auth", ["root"]), (inner + "/open", ["root"])]
            let clock: SigningClock = { ServiceFuzzing.time }
            func configuration(_ root: String, credentials: [ServiceCredentials]) -> LocalOSSConfiguration {
                LocalOSSConfiguration(root: root, credentials: credentials, region: ServiceFuzzing.region,
                                      publicReadBuckets: [ServiceFuzzing.publicBucket], processor: BoundedImageProcessor(), clock: clock)
            }
            // Fill both roots through an open service first, so the stored state is what a real
            // server would have written.
            for root in ["\(inner)/auth/root", "\(inner)/open/root"] {
                var setup = configuration(root, credentials: [])
                setup.openAccess = true
                try ServiceFuzzing.fill(LocalOSSService(configuration: setup))
            }
            authenticated = try LocalOSSService(configuration: configuration("\(inner)/auth/root", credentials: [ServiceFuzzing.credentials]))
            var openConfiguration = configuration("\(inner)/open/root", credentials: [])
            openConfiguration.openAccess = true
            open = try LocalOSSService(configuration: openConfiguration)
        }
    }

    nonisolated(unsafe) static var sandboxToRemove: String?

    /// Removes the scratch folder when the process exits normally (libFuzzer's end included).
    static func registerCleanup(_ sandbox: String) {
        guard sandboxToRemove == nil else { return }
        sandboxToRemove = sandbox
        atexit {
            if let path = ServiceFuzzing.sandboxToRemove { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    static func currentWorld() -> World {
        if let world { return world }
        do {
            let made = try World()
            world = made
            return made
        } catch {
            fatalError("cannot set up the service's scratch folder: \(error)")
        }
    }

    /// The objects every input starts from.
    static func fill(_ service: LocalOSSService) throws {
        if photo.isEmpty { photo = SeedImages.withEXIF(try SeedImages.jpeg(width: 24, height: 16), orientation: 6, littleEndian: false) }
        let requests = [
            RawHTTPRequest(method: "PUT", target: "/\(publicBucket)", headers: [("Host", host)]),
            RawHTTPRequest(method: "PUT", target: "/\(privateBucket)", headers: [("Host", host)]),
            RawHTTPRequest(method: "PUT", target: "/\(targetBucket)", headers: [("Host", host)]),
            RawHTTPRequest(method: "PUT", target: "/\(publicBucket)/photo.jpg", headers: [("Host", host), ("Content-Type", "image/jpeg")], body: photo),
            RawHTTPRequest(method: "PUT", target: "/\(publicBucket)/notes/a%20b.txt", headers: [("Host", host), ("x-oss-meta-owner", "fuzz")],
                           body: Array("hello, fuzz\n".utf8)),
            RawHTTPRequest(method: "PUT", target: "/\(publicBucket)/folder/", headers: [("Host", host)]),
            RawHTTPRequest(method: "PUT", target: "/\(privateBucket)/photo.jpg", headers: [("Host", host)], body: photo),
        ]
        for request in requests {
            let (status, body) = runBlocking {
                let response = await service.handle(request.serviceRequest())
                return (response.status, (try? await response.body.collect(limit: 4096)) ?? [])
            }
            guard status == 200 else {
                throw FuzzSetupError(message: "\(request.method) \(request.target) answered \(status): \(printable(String(decoding: body, as: UTF8.self))))")
            }
        }
    }

    struct FuzzSetupError: Error { var message: String }

    /// The local image kernels, but refusing processes that only measure the cost budget (see
    /// ``ProcessFuzzing/isAffordable(_:)``).
    struct BoundedImageProcessor: ObjectProcessor {
        func process(_ process: String, source: [UInt8], sourceContentType: String, bucketObjects: BucketObjectLoader) async throws -> ProcessedObject {
            if let parsed = try? ImageProcess(parsing: process), !ProcessFuzzing.isAffordable(parsed) {
                throw ServiceError(status: 400, code: "InvalidArgument", message: "Larger than the fuzz target runs.", ec: "")
            }
            return try await ImageObjectProcessor().process(process, source: source, sourceContentType: sourceContentType, bucketObjects: bucketObjects)
        }
    }
}
