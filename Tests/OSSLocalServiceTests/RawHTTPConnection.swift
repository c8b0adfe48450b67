import Foundation
import OSS
import OSSHTTP
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP client for wire-level tests: it sends bytes exactly as given and reads what comes
/// back, so a test sees what a strict client sees (no HTTP library to hide a short body, a stray
/// `100 Continue` or a connection the server never closes).
///
/// Every call blocks, so tests call it through ``RawHTTPConnection/offPool(_:)``: a blocked
/// cooperative thread would starve the server under test, which runs in the same process.
final class RawHTTPConnection: @unchecked Sendable {
    private let fd: Int32
    private var closed = false

    /// The server did not answer (or close) within the receive timeout.
    struct TimedOut: Error {}
    /// A socket call failed.
    struct SocketError: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// Connects to 127.0.0.1:`port`; reads give up after `receiveTimeout`.
    init(port: Int, receiveTimeout: Duration = .seconds(60)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw SocketError(call: "connect", code: code)
        }
        setReceiveTimeout(receiveTimeout)
    }

    /// How long a read waits before ``TimedOut``.
    func setReceiveTimeout(_ limit: Duration) {
        let (seconds, attoseconds) = limit.components
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// Sends all of `bytes`.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw SocketError(call: "send", code: errno) }
            offset += sent
        }
    }

    /// Sends a string as UTF-8.
    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// One `recv`: up to `count` bytes, empty at EOF. Throws ``TimedOut`` when nothing came.
    func receive(upTo count: Int = 1 << 16) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if received < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { throw TimedOut() }
            if errno == ECONNRESET { return [] }
            throw SocketError(call: "recv", code: errno)
        }
        return Array(buffer.prefix(received))
    }

    /// Everything until the server closes the connection.
    func receiveToEOF() throws -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = try receive()
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    /// Reads until `marker` has arrived (or EOF); returns everything read.
    func receive(until marker: String) throws -> [UInt8] {
        let needle = Array(marker.utf8)
        var all: [UInt8] = []
        while all.firstRange(of: needle) == nil {
            let chunk = try receive()
            if chunk.isEmpty { break }
            all += chunk
        }
        return all
    }

    /// Whether the server has closed the connection: waits up to `timeout` for EOF, discarding data.
    func waitForEOF() -> Bool {
        while true {
            guard let chunk = try? receive() else { return false }
            if chunk.isEmpty { return true }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Runs blocking socket work on a thread of its own: off Swift's cooperative pool, and off
    /// Dispatch's global queues too, whose few threads the server's file I/O needs (tests blocked
    /// there in `recv` would starve the very server they wait for).
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A response as a strict client parses it: status line, headers, and the body exactly as received.
struct RawHTTPResponse: Sendable {
    var status: Int
    var statusLine: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// Splits `bytes` at the first blank line; nil when there is no complete head.
    init?(_ bytes: [UInt8]) {
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let lines = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        statusLine = lines[0]
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        self.status = status
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        body = Array(bytes[end.upperBound...])
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

extension LocalOSSFixture {
    /// A request head, signed with `secret`, as raw text ending in the blank line.
    func rawSignedHead(method: String = "PUT", key: String, contentLength: Int? = nil, expectContinue: Bool = false,
                       secret: String = LocalOSSFixture.accessKeySecret, query: [QueryItem] = []) throws -> String {
        let request = SignableRequest(method: method, bucket: "examplebucket", key: key, query: query,
                                      headers: [HTTPHeaderField("Content-Type", "application/octet-stream")])
        let prepared = try client().configuration.prepare(request, credentials: Credentials(accessKeyId: LocalOSSFixture.accessKeyId, accessKeySecret: secret))
        let target = prepared.url.replacingOccurrences(of: endpoint, with: "")
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"
        if let contentLength { head += "Content-Length: \(contentLength)\r\n" }
        if expectContinue { head += "Expect: 100-continue\r\n" }
        for field in prepared.headers { head += "\(field.name): \(field.value)\r\n" }
        return head + "\r\n"
    }
}
