import NIOCore
import NIOHTTP1
import NIOPosix
import OSSLocalService

/// One connection's life: requests in, responses out, until the client, a fault, a timeout or the
/// server's stop ends it.
struct ConnectionSession: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    let service: LocalOSSService
    let registry: ConnectionRegistry

    /// Serves `connection` until it closes. When the client goes away mid-request, the request's
    /// work is cancelled (image jobs included), so nothing keeps running for a reader that is gone.
    func serve(_ connection: Connection) async {
        let channel = connection.channel
        guard let id = registry.register(channel) else {
            try? await channel.close()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await channel.closeFuture.get() }
            group.addTask { await exchange(connection, id: id) }
            // Whichever ends first: the exchange (the connection is then closed too) or the
            // channel (the exchange is then cancelled).
            await group.next()
            group.cancelAll()
        }
        registry.remove(id)
    }

    private func exchange(_ connection: Connection, id: Int) async {
        let channel = connection.channel
        try? await connection.executeThenClose { inbound, outbound in
            let reader = RequestPartReader(inbound.makeAsyncIterator())
            while let head = try await reader.nextHead() {
                registry.setBusy(id)
                let request = ServiceRequest(
                    method: head.method.rawValue, target: head.uri,
                    headers: head.headers.map { (name: $0.name, value: $0.value) },
                    body: ByteChunks { try await reader.nextBodyChunk() })
                if Self.expectsContinue(head) {
                    // A request that would be refused is answered on its head alone: its body is
                    // never asked for, and the connection closes after the answer.
                    if let refusal = await service.preflight(request) {
                        _ = try await Self.write(refusal, for: head, keepAlive: false, to: outbound, channel: channel)
                        break
                    }
                    try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .continue)))
                }
                let response = await service.handle(request)
                let keepAlive = head.isKeepAlive && response.fault == nil && !registry.isDraining
                // A fault that cuts the response short ends the connection.
                let complete = try await Self.write(response, for: head, keepAlive: keepAlive, to: outbound, channel: channel)
                guard complete, keepAlive else { break }
                // Whatever of the request body the service did not read is discarded.
                try await reader.drainBody()
                guard registry.setIdle(id) else { break }
            }
            // Closing: the FIN goes out after the last byte of the last response (the output is
            // half-closed once the writer has flushed everything), then the client closes its
            // side, or the linger timeout closes the connection for it.
            outbound.finish()
            try await reader.discardUntilClosed()
        }
    }

    /// `Expect: 100-continue` on HTTP/1.1 (an HTTP/1.0 client cannot expect it).
    static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.version.major == 1 && head.version.minor >= 1
            && head.headers.first(name: "Expect")?.lowercased() == "100-continue"
    }

    /// Writes a response; false when a fault cut it short (the connection must then end: it is
    /// reset already, or its output is closing after the truncated body).
    static func write(_ response: ServiceResponse, for head: HTTPRequestHead, keepAlive: Bool,
                      to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel) async throws -> Bool {
        if case let .stall(milliseconds) = response.fault {
            try await Task.sleep(for: .milliseconds(milliseconds))
        }
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if let length = response.contentLength, response.status != 304, response.status >= 200 {
            headers.replaceOrAdd(name: "Content-Length", value: String(length))
        }
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        try await outbound.write(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)))

        var limit: Int64?
        switch response.fault {
        case let .resetAfter(bytes), let .truncateAfter(bytes): limit = bytes
        default: limit = nil
        }
        var sent: Int64 = 0
        if head.method != .HEAD {
            for try await chunk in response.body {
                var slice = chunk[...]
                if let limit {
                    let room = Int(max(0, limit - sent))
                    slice = chunk.prefix(room)
                }
                if !slice.isEmpty {
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: slice))))
                    sent += Int64(slice.count)
                }
                if let limit, sent >= limit { break }
            }
        }
        switch response.fault {
        case .resetAfter:
            // Flush what was sent, then close with SO_LINGER 0: the peer sees a TCP reset.
            if let provider = channel as? any SocketOptionProvider {
                try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            try? await channel.close()
            return false
        case .truncateAfter:
            // An honest close after exactly `bytes`: the FIN follows the last byte written.
            outbound.finish()
            return false
        default:
            try await outbound.write(.end(nil))
            return true
        }
    }
}
