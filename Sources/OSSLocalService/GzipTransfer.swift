import CZlib
import OSSCore
import OSSLocking

/// `Accept-Encoding: gzip` on GetObject, where OSS compresses: a whole object (no range) of at
/// least 1 KB whose Content-Type is text/cache-manifest, text/xml, text/css, text/html,
/// text/plain, application/javascript, application/x-javascript, application/rss+xml,
/// application/json or text/json. The reply then carries `Content-Encoding: gzip` and no ETag,
/// Content-Length or Accept-Ranges (it is sent chunked), and `Vary: Accept-Encoding`. Anything
/// else is sent as it is stored.
///
/// Compression streams with zlib (gzip framing), one chunk in, what deflate gives out, so the
/// object is never held whole.
enum GzipTransfer {
    static let contentTypes: Set<String> = ["text/cache-manifest", "text/xml", "text/css", "text/html", "text/plain", "application/javascript",
                                            "application/x-javascript", "application/rss+xml", "application/json", "text/json"]
    static let minimumSize: Int64 = 1024

    static func applies(request: ParsedRequest, record: ObjectRecord) -> Bool {
        guard record.size >= minimumSize, request.queryValue("x-oss-process") == nil, request.header("Range") == nil,
              let accepted = request.header("Accept-Encoding") else { return false }
        let wantsGzip = accepted.lowercased().split(separator: ",").contains { $0.split(separator: ";").first?.trimmingCharacters() == "gzip" }
        let mediaType = record.contentType.split(separator: ";").first.map { String($0).trimmingWhitespace().lowercased() } ?? ""
        return wantsGzip && contentTypes.contains(mediaType)
    }

    /// The reply's headers once compressed.
    static func headers(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var out = headers.filter { !["etag", "content-length", "accept-ranges", "content-encoding"].contains($0.name.lowercased()) }
        out.append(("Content-Encoding", "gzip"))
        out.append(("Vary", "Accept-Encoding"))
        return out
    }

    /// The body, gzip-compressed as it is pulled.
    static func compress(_ body: ByteChunks) -> ByteChunks {
        let deflater = Deflater()
        let upstream = body.makeAsyncIterator()
        let finished = LockedValue(false)
        return ByteChunks {
            while !finished.load() {
                var next = upstream
                if let chunk = try await next.next() {
                    let out = try deflater.deflate(chunk, finish: false)
                    if !out.isEmpty { return out }
                } else {
                    finished.store(true)
                    return try deflater.deflate([], finish: true)
                }
            }
            return nil
        }
    }

    /// One zlib deflate stream, used by one body at a time (its pulls are sequential).
    final class Deflater: @unchecked Sendable {
        private var stream = z_stream()
        private let lock = LockedValue()
        private var open = false

        init() {
            // windowBits 15 + 16: gzip framing. Level 6, zlib's default.
            open = deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        }

        deinit {
            if open { deflateEnd(&stream) }
        }

        func deflate(_ input: [UInt8], finish: Bool) throws -> [UInt8] {
            try lock.withLock { () throws -> [UInt8] in
                guard open else { throw GzipError() }
                var output: [UInt8] = []
                var input = input
                let result: Int32 = input.withUnsafeMutableBufferPointer { inBuffer -> Int32 in
                    stream.next_in = inBuffer.baseAddress
                    stream.avail_in = UInt32(inBuffer.count)
                    var status = Z_OK
                    var buffer = [UInt8](repeating: 0, count: 64 << 10)
                    repeat {
                        status = buffer.withUnsafeMutableBufferPointer { outBuffer -> Int32 in
                            stream.next_out = outBuffer.baseAddress
                            stream.avail_out = UInt32(outBuffer.count)
                            let code = CZlib.deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                            output += outBuffer[0..<(outBuffer.count - Int(stream.avail_out))]
                            return code
                        }
                    } while status == Z_OK && (stream.avail_out == 0 || (finish && status != Z_STREAM_END))
                    stream.next_in = nil
                    return status
                }
                guard result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR else { throw GzipError() }
                if finish {
                    deflateEnd(&stream)
                    open = false
                }
                return output
            }
        }
    }

    struct GzipError: Error {}
}

extension Substring {
    fileprivate func trimmingCharacters() -> String { String(self).trimmingWhitespace() }
}
