import OSS
import OSSFileIO
import OSSHTTP
import OSSLocalService
import OSSLocking

/// A transport that hands requests straight to a `LocalOSSService` in this process: no socket,
/// no network. With it the client's whole stack (signing, retries, download to file) runs offline.
public struct InProcessTransport: Transport {
    /// The service requests go to.
    public let service: LocalOSSService

    /// A transport over `service`, in this process.
    public init(service: LocalOSSService) {
        self.service = service
    }

    /// Hands the request to the local service in-process: no socket, the same routing and responses as `oss serve`.
    public func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
        // http://host[:port]/path?query -> target and Host.
        guard let schemeEnd = request.url.firstRange(of: "://") else { throw TransportError(.invalidRequest, "not an absolute URL") }
        let afterScheme = request.url[schemeEnd.upperBound...]
        let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        let host = String(afterScheme[..<slash])
        let target = slash == afterScheme.endIndex ? "/" : String(afterScheme[slash...])
        var headers = request.headers.map { (name: $0.name, value: $0.value) }
        if headers.value(forHeader: "host") == nil { headers.append((name: "Host", value: host)) }
        if request.body.length > 0 { headers.append((name: "Content-Length", value: String(request.body.length))) }
        let body: ByteChunks
        switch request.body {
        case .none: body = .empty
        case let .bytes(bytes): body = ByteChunks(bytes)
        case let .file(path, offset, length): body = Self.fileChunks(path: path, offset: offset, length: length)
        }
        if Task.isCancelled { throw TransportError(.cancelled, "the request was cancelled") }
        let response = await service.handle(ServiceRequest(method: request.method, target: target, headers: headers, body: body))
        var responseHeaders = response.headers.map { HTTPHeaderField($0.name, $0.value) }
        if let length = response.contentLength, response.status != 304 {
            responseHeaders.removeHeader("Content-Length")
            responseHeaders.append(HTTPHeaderField("Content-Length", String(length)))
        }
        let source = ChunkSource(response.body, isHead: request.method.uppercased() == "HEAD")
        return TransportResponse(status: response.status, headers: responseHeaders, body: HTTPResponseBody(source: source))
    }

    static func fileChunks(path: String, offset: Int64, length: Int64) -> ByteChunks {
        let reader = FileChunkReader(path: path, offset: offset, length: length)
        return ByteChunks { try await reader.next() }
    }
}

/// Reads an upload file in chunks off the cooperative pool.
private final class FileChunkReader: @unchecked Sendable {
    let path: String
    var position: Int64
    let end: Int64
    var file: POSIXFile?

    init(path: String, offset: Int64, length: Int64) {
        self.path = path
        position = offset
        end = offset + length
    }

    func next() async throws -> [UInt8]? {
        guard position < end else { return nil }
        if file == nil { file = try POSIXFile(readingAt: path) }
        let count = Int(min(1 << 20, end - position))
        let file = self.file!, at = position
        let chunk = try await BlockingIO.run { try file.read(at: at, count: count) }
        guard !chunk.isEmpty else { return nil }
        position += Int64(chunk.count)
        return chunk
    }
}

/// A service response body as a transport body.
private final class ChunkSource: HTTPBodySource, @unchecked Sendable {
    /// Touched only by the one reader, in `next()`.
    private var iterator: ByteChunks.AsyncIterator?
    /// Set from any thread: the client cancels a body from wherever it drops it.
    private let cancelled = LockedValue(false)

    init(_ body: ByteChunks, isHead: Bool) {
        iterator = isHead ? nil : body.makeAsyncIterator()
    }

    func next() async throws -> [UInt8]? {
        if cancelled.load() { throw TransportError(.cancelled, "the request was cancelled") }
        guard var current = iterator else { return nil }
        do {
            let chunk = try await current.next()
            iterator = chunk == nil ? nil : current
            return chunk
        } catch {
            throw TransportError(.connectionLost, "the local service failed while sending the body")
        }
    }

    func cancel() { cancelled.store(true) }
}
