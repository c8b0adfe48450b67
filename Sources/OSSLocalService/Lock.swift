import Synchronization

/// A plain mutex for the few shared counters and tables of the service.
final class Lock: Sendable {
    private let mutex = Mutex<Void>(())

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock { _ in try body() }
    }
}
