import CCurlShim
import OSSHTTP

/// The default transport on Linux: libcurl's multi interface, driven by one dedicated thread.
///
/// No call ever blocks Swift's cooperative pool: tasks only wait on continuations, and every curl
/// call happens on the driver thread. The multi handle keeps connections alive and reuses them.
/// Response bodies are buffered up to ``highWatermark`` and the transfer is paused beyond it, so a
/// slow consumer costs memory in the megabytes, not the size of the object.
public final class CurlTransport: Transport {
    /// One driver thread and one connection pool for the whole process.
    public static let shared = CurlTransport()

    /// Bytes buffered per response before the transfer pauses (the URLSession transport's too:
    /// both use `ResponseBodyLimits.standard`, which says why these numbers).
    public static let highWatermark = ResponseBodyLimits.standard.highWatermark
    /// Buffered bytes at or below which a paused transfer resumes.
    public static let lowWatermark = ResponseBodyLimits.standard.lowWatermark

    let driver: CurlDriver
    /// The CA and proxy every request of this transport uses.
    public let settings: CurlTransportSettings

    /// A transport with its own driver thread and connection pool; most code should use ``shared``,
    /// or one transport per distinct ``CurlTransportSettings``.
    public init(settings: CurlTransportSettings = CurlTransportSettings()) {
        driver = CurlDriver()
        self.settings = settings
    }

    /// Starts the transfer on the libcurl thread and returns at the response head; the body is
    /// pulled as the caller reads it.
    public func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
        let transfer = try CurlTransfer(request, driver: driver, settings: settings)
        do {
            return try await withTaskCancellationHandler {
                let head = try await transfer.start()
                return TransportResponse(status: head.status, headers: head.headers, body: HTTPResponseBody(source: transfer))
            } onCancel: {
                transfer.cancel()
            }
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.other, "\(error)")
        }
    }
}
