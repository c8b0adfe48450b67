import NIOCore
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts open connections against ``LocalOSSServer/Configuration/maximumConnections``.
///
/// At the limit the listening socket stops accepting (``AcceptPause``), so new connections wait in
/// the kernel's backlog instead of being refused; the first connection to close lets the next one
/// in. One accept call can take several connections at once, so the few that land past the limit
/// are closed as soon as they are set up.
final class ConnectionGate: Sendable {
    let maximum: Int
    private let open = LockedValue<Int>(0)
    /// Wakes the paused listener; set once the listener's pipeline is built.
    private let wake = LockedValue<(@Sendable () -> Void)?>(nil)
    /// Accepted past the limit, to be closed once set up.
    private let refused = LockedValue<Set<ObjectIdentifier>>([])

    init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// Connections open now.
    var openConnections: Int { open.load() }

    var isFull: Bool { open.load() >= maximum }

    /// Counts a new connection in; false (and not counted) past the limit.
    func admit() -> Bool {
        let count = open.withLock { $0 += 1; return $0 }
        if count <= maximum { return true }
        open.withLock { $0 -= 1 }
        return false
    }

    /// Counts a connection out, and resumes accepting if the limit had paused it.
    func release() {
        let count = open.withLock { $0 -= 1; return $0 }
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
/// accept is asked for), stops accepting while the gate is full, and backs off when the process is
/// out of descriptors.
///
/// Accepting is turned off with `autoRead`, not only by holding back `read()`: after an accept
/// fails with `EMFILE`, SwiftNIO leaves that read registered, and a listening socket with
/// connections waiting stays readable, so the event loop would wake at once, forever (SwiftNIO's
/// own `AcceptBackoffHandler` only holds back later reads). Turning `autoRead` off unregisters
/// the socket; it is turned back on when a connection closes (a descriptor is free again) or after
/// a second (the shortage may have been another process's).
final class AcceptPause: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Any

    /// How long accepting pauses after running out of descriptors, unless a connection closes first.
    static let backOff = TimeAmount.seconds(1)

    private let gate: ConnectionGate
    private var context: ChannelHandlerContext?
    private var readPending = false
    private var accepting = true
    private var backingOff: Scheduled<Void>?

    init(_ gate: ConnectionGate) { self.gate = gate }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let paused = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        gate.setWake { eventLoop.execute { paused.value.connectionClosed() } }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        backingOff?.cancel()
        backingOff = nil
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
        reconsider()
    }

    func read(context: ChannelHandlerContext) {
        if shouldAccept {
            context.read()
        } else {
            readPending = true
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode), backingOff == nil {
            backingOff = context.eventLoop.assumeIsolated().scheduleTask(in: Self.backOff) { [self] in
                backingOff = nil
                reconsider()
            }
            reconsider()
        }
        context.fireErrorCaught(error)
    }

    private var shouldAccept: Bool { !gate.isFull && backingOff == nil }

    /// A connection closed: a slot, and a descriptor, are free again.
    private func connectionClosed() {
        backingOff?.cancel()
        backingOff = nil
        reconsider()
    }

    /// Turns accepting on or off to match the gate and the back-off.
    private func reconsider() {
        guard let context else { return }
        let accept = shouldAccept
        if accept != accepting {
            accepting = accept
            // On: SwiftNIO registers for reads again (it reads at once). Off: it unregisters.
            try? context.channel.syncOptions?.setOption(.autoRead, value: accept)
        }
        if accept, readPending {
            readPending = false
            context.read()
        }
    }
}
