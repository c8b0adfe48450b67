import NIOCore
import NIOHTTP1

/// The clock of one connection: it closes the connection when the client takes too long at the
/// stage it is in (see ``LocalOSSServer/Configuration`` for each timeout and why).
///
/// Two handlers feed it: ``RawTrafficObserver`` at the socket end of the pipeline sees bytes,
/// read requests, writability and the output's half-close; ``HTTPMessageObserver`` behind the HTTP
/// codec sees where requests and responses begin and end. Everything runs on the connection's
/// event loop, so there is no locking.
final class ConnectionDeadlines {
    private enum Stage {
        /// Between requests on a kept-alive connection, before any byte of the next one.
        case idle
        /// Some or all of a request head has arrived, not all of it.
        case readingHead
        /// The head has arrived, the body's end has not.
        case readingBody
        /// The request is complete; its response is being produced or sent.
        case responding
        /// The output is shut down; the client has ``LocalOSSServer/Configuration/lingerTimeout`` to close.
        case lingering
    }

    private let channel: any Channel
    private let settings: LocalOSSServer.Configuration
    private var stage = Stage.readingHead
    private var requestEnded = false
    private var responseEnded = false
    /// The deadline of the current stage (header, idle, body stall or linger).
    private var stageTimer: Scheduled<Void>?
    /// Armed while the channel is not writable.
    private var sendTimer: Scheduled<Void>?
    /// The server asked for bytes and none have come since (body stall detection).
    private var readPending = false
    private var lastProgress = NIODeadline.now()
    private var stopped = false

    init(channel: any Channel, settings: LocalOSSServer.Configuration) {
        self.channel = channel
        self.settings = settings
    }

    /// The connection is set up: its head is due within the header timeout.
    func start() {
        arm(after: settings.headerTimeout)
    }

    // MARK: Events from RawTrafficObserver

    func bytesArrived() {
        readPending = false
        lastProgress = .now()
        if case .idle = stage {
            stage = .readingHead
            arm(after: settings.headerTimeout)
        }
    }

    func readRequested() {
        guard case .readingBody = stage else { return }
        if !readPending {
            readPending = true
            lastProgress = .now()
        }
        if stageTimer == nil { armBodyStall(at: lastProgress + TimeAmount(settings.bodyTimeout)) }
    }

    func writabilityChanged(isWritable: Bool) {
        if isWritable {
            sendTimer?.cancel()
            sendTimer = nil
        } else if sendTimer == nil, !stopped {
            sendTimer = channel.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(settings.sendTimeout)) { [self] in
                sendTimer = nil
                expire()
            }
        }
    }

    func outputClosed() {
        stage = .lingering
        arm(after: settings.lingerTimeout)
    }

    func stop() {
        stopped = true
        stageTimer?.cancel()
        stageTimer = nil
        sendTimer?.cancel()
        sendTimer = nil
    }

    // MARK: Events from HTTPMessageObserver

    func headReceived() {
        if case .lingering = stage { return }
        stage = .readingBody
        requestEnded = false
        responseEnded = false
        disarm()
    }

    func requestEndReceived() {
        requestEnded = true
        guard case .readingBody = stage else { return }
        disarm()
        if responseEnded { becomeIdle() } else { stage = .responding }
    }

    func responseEndWritten() {
        responseEnded = true
        if requestEnded, case .responding = stage { becomeIdle() }
    }

    // MARK: Timers

    private func becomeIdle() {
        stage = .idle
        arm(after: settings.idleTimeout)
    }

    private func arm(after timeout: Duration) {
        disarm()
        guard !stopped else { return }
        stageTimer = channel.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
            stageTimer = nil
            expire()
        }
    }

    private func disarm() {
        stageTimer?.cancel()
        stageTimer = nil
        readPending = false
    }

    /// A body stall is judged when its timer fires: bytes that came in the meantime only move the
    /// deadline, so a flowing upload costs no timer churn.
    private func armBodyStall(at deadline: NIODeadline) {
        guard !stopped else { return }
        stageTimer = channel.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            stageTimer = nil
            guard case .readingBody = stage, readPending else { return }
            let due = lastProgress + TimeAmount(settings.bodyTimeout)
            if NIODeadline.now() >= due { expire() } else { armBodyStall(at: due) }
        }
    }

    private func expire() {
        guard !stopped else { return }
        stop()
        channel.close(promise: nil)
    }
}

/// At the socket end of a connection's pipeline: reports raw traffic to ``ConnectionDeadlines``.
final class RawTrafficObserver: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData

    private let deadlines: ConnectionDeadlines

    init(_ deadlines: ConnectionDeadlines) { self.deadlines = deadlines }

    func handlerAdded(context: ChannelHandlerContext) { deadlines.start() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadlines.bytesArrived()
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        deadlines.readRequested()
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        deadlines.writabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.outputClosed? = event as? ChannelEvent { deadlines.outputClosed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadlines.stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { deadlines.stop() }
}

/// Behind the HTTP codec: reports where requests and responses begin and end, and answers a
/// request that cannot be parsed.
///
/// It replaces NIO's `HTTPServerProtocolErrorHandler`, which writes its `400` whenever no response
/// has *started*: when a client sends a broken body (or leaves mid-body) before the service has
/// begun its answer, that `400` and the service's own response would both be written. Here the
/// `400` is sent only between requests; a parse error inside a request goes to the service as a
/// failed body read, and the service's answer is the only one.
final class HTTPMessageObserver: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let deadlines: ConnectionDeadlines
    /// A head has arrived and its request's end has not.
    private var requestOpen = false
    /// A head has arrived and its response's end has not been written.
    private var responseOpen = false
    /// The `400` is sent: the connection is closing and nothing else matters.
    private var rejecting = false

    init(_ deadlines: ConnectionDeadlines) { self.deadlines = deadlines }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejecting else { return }
        switch Self.unwrapInboundIn(data) {
        case .head:
            requestOpen = true
            responseOpen = true
            deadlines.headReceived()
        case .end:
            requestOpen = false
            deadlines.requestEndReceived()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = Self.unwrapOutboundIn(data) {
            responseOpen = false
            deadlines.responseEndWritten()
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !rejecting else { return }
        guard error is HTTPParserError, !requestOpen, !responseOpen else {
            context.fireErrorCaught(error)
            return
        }
        // Between requests: the bytes are not a request at all. Answer 400 and close once it is
        // flushed (the output's half-close, then the linger); the connection's task, waiting for
        // a head, sees the stream end.
        rejecting = true
        let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        deadlines.responseEndWritten()
        let closing = context.loopBound
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            closing.value.close(mode: .output, promise: nil)
        }
    }
}
