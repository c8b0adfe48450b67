import OSSHTTP
import OSSLocalService

/// The local OSS's upload callbacks sent through a client transport (libcurl on Linux), as
/// `oss serve` sends them. Redirects are not followed; the reply body is read up to 3 MiB, the
/// most OSS takes from a callback server.
public struct TransportCallbackSender: CallbackSender {
    let transport: any Transport

    /// Posts callbacks through `transport`, so that offline mode reaches callback servers the way the client reaches OSS.
    public init(transport: any Transport) {
        self.transport = transport
    }

    /// POSTs the callback body and returns the callback server's status and reply, bounded by `timeout` for connecting and for each wait.
    public func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) async throws -> (status: Int, body: [UInt8]) {
        let reply = try await transport.send(TransportRequest(method: "POST", url: url, headers: headers.map { HTTPHeaderField($0.name, $0.value) },
                                                              body: .bytes(body), timeouts: TransportTimeouts(connect: timeout, idle: timeout)))
        return (reply.status, try await reply.body.collect(upTo: 3 << 20))
    }
}
