import NIOCore
import Synchronization

/// Counts open connections against ``LocalOSSServer/Configuration/maximumConnections``.
///
/// At the limit the listening socket stops accepting (``AcceptPause``), so new connections wait in
/// the kernel's backlog instead of being refused; the first connection to close lets the next one
/// in. One accept call can take several connections at once, so the few that land past the limit
/// are closed as soon as they are set up.
final class ConnectionGate: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)
    /// Wakes the paused listener; set once the listener's pipeline is built.
    private let wake = Mutex<(@Sendable () -> Void)?>(nil)
    /// Accepted past the limit, to be closed once set up.
    private let refused = Mutex<Set<ObjectIdentifier>>([])

    init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// Connections open now.
    var openConnections: Int { open.load(ordering: .relaxed) }

    var isFull: Bool { open.load(ordering: .acquiring) >= maximum }

    /// Counts a new connection in; false (and not counted) past the limit.
    func admit() -> Bool {
        let count = open.add(1, ordering: .acquiringAndReleasing).newValue
        if count <= maximum { return true }
        open.subtract(1, ordering: .acquiringAndReleasing)
        return false
    }

    /// Counts a connection out, and resumes accepting if the limit had paused it.
    func release() {
        let count = open.subtract(1, ordering: .acquiringAndReleasing).newValue
        if count < maximum { wake.withLock { $0 }?() }
    }

    func setWake(_ body: (@Sendable () -> Void)?) {
        wake.withLock { $0 = body }
    }

    /// Marks a connection accepted past the limit.
    func refuse(_ child: any Channel) {
        _ = refused.withLock { $0.insert(ObjectIdentifier(child)) }
    }

    /// Whether `child` was accepted past the limit (asked once, when it is set up).
    func wasRefused(_ child: any Channel) -> Bool {
        refused.withLock { $0.remove(ObjectIdentifier(child)) != nil }
    }
}

/// On the listening channel: counts each accepted connection in as it is accepted (before the next
/// accept is asked for) and holds back accepting while the gate is full.
final class AcceptPause: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Any

    private let gate: ConnectionGate
    private var context: ChannelHandlerContext?
    private var readPending = false

    init(_ gate: ConnectionGate) { self.gate = gate }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let paused = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        gate.setWake { eventLoop.execute { paused.value.resume() } }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        gate.setWake(nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = Self.unwrapInboundIn(data)
        if gate.admit() {
            child.closeFuture.whenComplete { [gate] _ in gate.release() }
        } else {
            gate.refuse(child)
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if gate.isFull {
            readPending = true
        } else {
            context.read()
        }
    }

    private func resume() {
        guard readPending, !gate.isFull, let context else { return }
        readPending = false
        context.read()
    }
}
