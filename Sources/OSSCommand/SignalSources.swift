import Dispatch
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signal handling that loses no signal: a plain handler writes the signal's number into a pipe,
/// and a Dispatch read source on the pipe calls the command's handler.
///
/// Dispatch's own signal sources lose signals on Linux: libdispatch reads them with a `signalfd`
/// on its manager thread, and a signal delivered to a thread it did not create (SwiftNIO's event
/// loops, the main thread) is blocked and re-raised on *that* thread, where the `signalfd` never
/// sees it. `oss serve` stopped by a SIGTERM right after printing its URL then kept running (seen
/// as a hung test run; a second SIGTERM stopped it). A handler installed with `signal()` runs on
/// whichever thread the kernel picks, and a byte in a pipe waits until it is read.
enum SignalSources {
    /// What the handler writes to. Set once, before any handler is installed.
    nonisolated(unsafe) private static var pipeWriteEnd: Int32 = -1
    private static let handlers = LockedValue<[Int32: @Sendable (Int32) -> Void]>([:])
    private static let started = LockedValue(false)
    /// Kept alive for the life of the process; written once, under `started`'s lock.
    nonisolated(unsafe) private static var reader: (any DispatchSourceRead)?

    /// Routes `numbers` to `handler` (on a global queue) until ``Installation/cancel()``.
    static func install(_ numbers: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> Installation {
        startReader()
        handlers.withLock { for number in numbers { $0[number] = handler } }
        for number in numbers {
            signal(number) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalSources.pipeWriteEnd, &byte, 1) // async-signal-safe
            }
        }
        return Installation(numbers: numbers)
    }

    /// Signals routed by ``install(_:handler:)``; cancelling restores their default actions.
    struct Installation: Sendable {
        let numbers: [Int32]

        func cancel() {
            SignalSources.handlers.withLock { for number in numbers { $0[number] = nil } }
            for number in numbers { signal(number, SIG_DFL) }
        }
    }

    private static func startReader() {
        started.withLock { started in
            guard !started else { return }
            started = true
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { fatalError("oss: cannot create the signal pipe (errno \(errno))") }
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
            pipeWriteEnd = ends[1]
            let readEnd = ends[0]
            let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: .global())
            source.setEventHandler {
                var bytes = [UInt8](repeating: 0, count: 64)
                let count = read(readEnd, &bytes, bytes.count)
                guard count > 0 else { return }
                for byte in bytes.prefix(count) {
                    let number = Int32(byte)
                    if let handler = handlers.withLock({ $0[number] }) { handler(number) }
                }
            }
            source.resume()
            reader = source
        }
    }
}
