import OSSHTTP
import OSSLocalService
import OSSOffline
import Testing

/// The in-process transport's body is cancelled from whichever task drops it while another
/// reads it; the flag between them is a `LockedValue`, so the reader sees the cancellation.
@Suite("In-process body cancellation")
struct InProcessCancelTests {
    @Test("a body cancelled from another task stops its reader with a cancelled error")
    func cancelFromAnotherTask() async throws {
        let service = try InProcessService()
        let put = try await service.put("big.bin", testBytes(8 << 20, seed: 7))
        #expect(put.status == 200)
        let transport = InProcessTransport(service: service.service)
        for _ in 0..<20 {
            let response = try await transport.send(TransportRequest(method: "GET", url: "http://127.0.0.1/examplebucket/big.bin"))
            #expect(response.status == 200)
            let body = response.body
            var iterator = body.makeAsyncIterator()
            _ = try await iterator.next()
            let canceller = Task.detached { body.cancel() }
            var outcome: TransportError.Kind?
            do {
                while try await iterator.next() != nil { await Task.yield() }
            } catch let error as TransportError {
                outcome = error.kind
            }
            await canceller.value
            // Either the reader saw the cancel, or it had read everything first; never another error.
            if outcome == nil { continue }
            #expect(outcome == .cancelled)
        }
        // And once cancelled, the next read always throws.
        let response = try await transport.send(TransportRequest(method: "GET", url: "http://127.0.0.1/examplebucket/big.bin"))
        response.body.cancel()
        var iterator = response.body.makeAsyncIterator()
        await #expect(throws: TransportError.self) { _ = try await iterator.next() }
    }
}
