import NIOCore
import NIOHTTP1

/// Pulls request heads and body parts off one connection, in order.
///
/// Used by exactly one task at a time (the connection's), which is what makes the unchecked
/// Sendable sound: the service reads the body while the connection task awaits it.
final class RequestPartReader: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator
    private var inBody = false

    /// The connection ended in the middle of a request body.
    struct IncompleteBody: Error {}

    init(_ iterator: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator) {
        self.iterator = iterator
    }

    func nextHead() async throws -> HTTPRequestHead? {
        try await drainBody()
        while let part = try await iterator.next() {
            if case let .head(head) = part {
                inBody = true
                return head
            }
        }
        return nil
    }

    func nextBodyChunk() async throws -> [UInt8]? {
        guard inBody else { return nil }
        while true {
            guard let part = try await iterator.next() else { throw IncompleteBody() }
            switch part {
            case let .body(buffer):
                if buffer.readableBytes > 0 { return Array(buffer.readableBytesView) }
            case .end:
                inBody = false
                return nil
            case .head:
                throw IncompleteBody()
            }
        }
    }

    func drainBody() async throws {
        while inBody {
            _ = try await nextBodyChunk()
        }
    }

    /// Discards whatever still arrives until the connection closes: after the server's last
    /// response, while the client reads it and closes its side.
    func discardUntilClosed() async throws {
        inBody = false
        while try await iterator.next() != nil {}
    }
}
