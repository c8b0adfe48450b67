import Foundation
import OSSHTTP
import OSSLocalService
import OSSOffline
import OSSSigner

/// A local OSS on a fresh temporary folder, called in-process through `handle`, the very entry
/// point the NIO front door and the offline transport use. Open access (no signature), so a test
/// can send any method, target and body it likes.
final class InProcessService: @unchecked Sendable {
    let root: String
    let service: LocalOSSService
    /// A folder beside the root, to show that nothing reaches outside it.
    let outside: String

    /// A fresh root, or `existingRoot` (left in place afterwards: a later service may reopen it).
    init(existingRoot: String? = nil, processor: (any ObjectProcessor)? = nil, faults: FaultInjector = FaultInjector(), buckets: [String] = ["examplebucket"],
         prepare: (String) throws -> Void = { _ in }, configure: (inout LocalOSSConfiguration) -> Void = { _ in }) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("oss-inproc-\(UUID().uuidString)").path
        root = existingRoot ?? base + "/root"
        outside = base + "/outside"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try prepare(root)
        var configuration = LocalOSSConfiguration(root: root, credentials: [], processor: processor ?? UnavailableObjectProcessor(), faults: faults)
        configuration.openAccess = true
        configure(&configuration)
        service = try LocalOSSService(configuration: configuration)
        for bucket in buckets { try service.createBucket(bucket) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: (outside as NSString).deletingLastPathComponent)
    }

    func createBucketFolder(_ name: String) throws {
        try service.createBucket(name)
    }

    struct Reply {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        /// What the front door would send as Content-Length.
        var contentLength: Int64?
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    /// Sends one request; `path` is percent-encoded here, `query` is appended as given.
    func send(_ method: String, _ bucket: String? = nil, _ key: String? = nil, query: String? = nil,
              headers: [(name: String, value: String)] = [], body: [UInt8] = []) async throws -> Reply {
        var target = "/"
        if let bucket { target += bucket }
        if let key { target += "/" + OSSPercentEncoding.encodePath(key) }
        if let query { target += "?" + query }
        var allHeaders = headers
        if !body.isEmpty || method == "PUT" || method == "POST" { allHeaders.append((name: "Content-Length", value: String(body.count))) }
        let response = await service.handle(ServiceRequest(method: method, target: target, headers: allHeaders, body: ByteChunks(body)))
        var bytes: [UInt8] = []
        for try await chunk in response.body { bytes += chunk }
        return Reply(status: response.status, headers: response.headers, body: bytes, contentLength: response.contentLength)
    }

    func put(_ key: String, _ body: [UInt8], bucket: String = "examplebucket", headers: [(name: String, value: String)] = []) async throws -> Reply {
        try await send("PUT", bucket, key, headers: headers, body: body)
    }

    func get(_ key: String, bucket: String = "examplebucket") async throws -> Reply {
        try await send("GET", bucket, key)
    }

    /// Every key of a bucket, from ListObjectsV2 pages of `maxKeys`.
    func listKeys(bucket: String = "examplebucket", prefix: String? = nil, maxKeys: Int = 1000) async throws -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            var query = "list-type=2&max-keys=\(maxKeys)&encoding-type=url"
            if let prefix { query += "&prefix=" + OSSPercentEncoding.encodeQueryComponent(prefix) }
            if let token { query += "&continuation-token=" + OSSPercentEncoding.encodeQueryComponent(token) }
            let reply = try await send("GET", bucket, query: query)
            guard reply.status == 200 else { throw ListingFailed(reply: reply.text) }
            keys += Self.elements("Key", in: reply.text).map { OSSPercentEncoding.decode(Substring($0), plusIsSpace: true) ?? $0 }
            token = Self.elements("NextContinuationToken", in: reply.text).first
        } while token != nil
        return keys
    }

    struct ListingFailed: Error { var reply: String }

    /// The text of every `<name>...</name>` in a document (no nesting, XML entities decoded).
    static func elements(_ name: String, in xml: String) -> [String] {
        var out: [String] = []
        var rest = Substring(xml)
        while let open = rest.range(of: "<\(name)>"), let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) {
            out.append(String(rest[open.upperBound..<close.lowerBound])
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
                .replacingOccurrences(of: "&amp;", with: "&"))
            rest = rest[close.upperBound...]
        }
        return out
    }

    /// Every file under a folder, as relative paths (symbolic links reported, not followed).
    static func tree(_ folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        return (enumerator.allObjects as? [String] ?? []).sorted()
    }
}

/// URL-safe base64 without padding, as `sys/saveas` takes names.
func base64URL(_ text: String) -> String {
    Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
