import OSSHTTP
import OSSLocalService
import OSSLocking

/// An HTTP/1.1 request written as bytes, the input of the service target:
/// `METHOD SP TARGET [SP VERSION]`, header lines, an empty line, then the body (everything left).
///
/// Deliberately small: the NIO front door has its own HTTP parser; this only turns fuzz bytes into
/// the `ServiceRequest` the front door would hand on. Lines end in CRLF or LF.
struct RawHTTPRequest {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// Header lines past this make the input uninteresting (NIO refuses far fewer).
    static let maximumHeaders = 128

    init(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    init?(parsing bytes: [UInt8]) {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var bodyStart = bytes.count
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                var line = bytes[start..<index]
                if line.last == 0x0D { line = line.dropLast() }
                if line.isEmpty, !lines.isEmpty {
                    bodyStart = index + 1
                    break
                }
                lines.append(line)
                guard lines.count <= Self.maximumHeaders + 1 else { return nil }
                start = index + 1
            }
            index += 1
        }
        if index == bytes.count, start < bytes.count {
            var line = bytes[start...]
            if line.last == 0x0D { line = line.dropLast() }
            lines.append(line)
        }
        guard let requestLine = lines.first else { return nil }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        method = String(decoding: parts[0], as: UTF8.self)
        target = String(decoding: parts[1], as: UTF8.self)
        headers = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return nil }
            let name = line[..<colon]
            guard !name.contains(0x20), !name.contains(0x09) else { return nil }
            let value = line[(colon + 1)...].drop { $0 == 0x20 || $0 == 0x09 }
            var trimmed = value
            while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed = trimmed.dropLast() }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: trimmed, as: UTF8.self)))
        }
        body = Array(bytes[min(bodyStart, bytes.count)...])
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Whether the request carries a V1 or V4 signature, by header or in the query.
    var isSigned: Bool {
        header("Authorization") != nil || target.contains("x-oss-signature") || target.contains("Signature=")
    }

    /// The bytes of the request, for seeds.
    var serialized: [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8) + body
    }

    /// The body in a few chunks, so a handler that reads chunk by chunk is exercised.
    func serviceRequest() -> ServiceRequest {
        final class Chunks: Sendable {
            let remaining: LockedValue<[[UInt8]]>
            init(_ chunks: [[UInt8]]) { remaining = LockedValue(chunks) }
        }
        var pieces: [[UInt8]] = []
        var offset = 0
        var size = 3
        while offset < body.count {
            let end = min(body.count, offset + size)
            pieces.append(Array(body[offset..<end]))
            offset = end
            size *= 8
        }
        let chunks = Chunks(pieces)
        return ServiceRequest(method: method, target: target, headers: headers, body: ByteChunks {
            chunks.remaining.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        })
    }
}
