import NIOCore
import OSSLocking

/// The open connections and whether each is in the middle of a request: what a graceful stop
/// needs to close idle connections at once and give busy ones their grace period.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        var channel: any Channel
        var busy: Bool
    }

    private struct State {
        var nextId = 0
        var connections: [Int: Entry] = [:]
        var draining = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = LockedValue(State())

    /// Whether the server is stopping: responses then end their connections.
    var isDraining: Bool { state.withLock { $0.draining } }

    /// Adds a connection; nil when the server is already stopping (close the connection).
    func register(_ channel: any Channel) -> Int? {
        state.withLock { state in
            guard !state.draining else { return nil }
            state.nextId += 1
            state.connections[state.nextId] = Entry(channel: channel, busy: false)
            return state.nextId
        }
    }

    /// A request has begun on the connection.
    func setBusy(_ id: Int) {
        state.withLock { $0.connections[id]?.busy = true }
    }

    /// The connection's request is answered; false when the server is stopping (close it).
    func setIdle(_ id: Int) -> Bool {
        state.withLock { state in
            state.connections[id]?.busy = false
            return !state.draining
        }
    }

    func remove(_ id: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.connections[id] = nil
            guard state.connections.isEmpty else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Starts a graceful stop: no new connections, idle ones closed now.
    func drain() {
        let idle = state.withLock { state -> [any Channel] in
            state.draining = true
            return state.connections.values.filter { !$0.busy }.map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }

    /// Ends the stop: every connection is closed, busy or not.
    func closeAll() {
        let all = state.withLock { state -> [any Channel] in
            state.draining = true
            return state.connections.values.map(\.channel)
        }
        for channel in all { channel.close(promise: nil) }
    }

    /// Returns when no connection is open, or when the task is cancelled.
    func waitUntilEmpty() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.connections.isEmpty || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
