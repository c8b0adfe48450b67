#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Android)
import Android
#else
#error("LockedValue needs POSIX threads")
#endif

/// A value behind a mutex: the one locking idiom of the package.
///
/// `Synchronization`'s `Mutex` and `Atomic` need macOS 15 and iOS 18, above the package's
/// deployment targets, so every module uses this instead: a `pthread_mutex_t` that lives in the
/// same heap object as the value it guards, so its address never moves. The same code runs on
/// Linux and on Apple platforms, which is why it is pthreads rather than `os_unfair_lock`.
///
/// Copies share one lock and one value (it is a handle, like a class reference). Keep the body
/// short: it runs with the lock held, so it must not suspend, block on I/O, or take the lock again.
package struct LockedValue<Value> {
    private let storage: Storage

    /// A lock guarding `value`.
    package init(_ value: Value) {
        storage = Storage.make(value)
    }

    /// Runs `body` with the lock held and the value open for change; returns what `body` returns.
    package func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        try storage.withUnsafeMutablePointers { (value, mutex) throws(Failure) -> Result in
            Storage.check(pthread_mutex_lock(mutex), "lock")
            defer { Storage.check(pthread_mutex_unlock(mutex), "unlock") }
            return try body(&value.pointee)
        }
    }

    /// The value, read under the lock.
    package func load() -> Value {
        withLock { $0 }
    }

    /// Replaces the value under the lock.
    package func store(_ newValue: Value) {
        withLock { $0 = newValue }
    }

    /// The object that owns the value (as its header) and the mutex (as its one element).
    private final class Storage: ManagedBuffer<Value, pthread_mutex_t> {
        static func make(_ value: Value) -> Storage {
            let buffer = Storage.create(minimumCapacity: 1) { _ in value }
            let storage = unsafeDowncast(buffer, to: Storage.self)
            storage.withUnsafeMutablePointerToElements { mutex in
                mutex.initialize(to: pthread_mutex_t())
                check(pthread_mutex_init(mutex, nil), "init")
            }
            return storage
        }

        /// A failing pthread call here means a corrupted or destroyed mutex: nothing to recover.
        static func check(_ code: Int32, _ operation: StaticString) {
            precondition(code == 0, "pthread_mutex_\(operation) failed")
        }

        deinit {
            // The header (the value) is destroyed with the object; the element is ours to end.
            withUnsafeMutablePointerToElements { mutex in
                _ = pthread_mutex_destroy(mutex)
                mutex.deinitialize(count: 1)
            }
        }
    }
}

/// The lock guards every access, so the value may cross threads when it may be sent at all.
extension LockedValue: @unchecked Sendable where Value: Sendable {}

extension LockedValue where Value == Void {
    /// A lock that guards state kept beside it rather than inside it.
    ///
    /// Prefer keeping the state inside (`LockedValue(State())`); this form serves types whose
    /// fields are spread over a class, until they are gathered into one state value.
    package init() {
        self.init(())
    }

    /// Runs `body` with the lock held.
    package func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        try withLock { (_: inout Void) throws(Failure) -> Result in try body() }
    }
}
