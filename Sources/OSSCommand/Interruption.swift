import ArgumentParser
import Dispatch
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT, SIGTERM and SIGHUP during a command that writes a file: the work is cancelled, so the
/// download (or image write) removes its temporary file and leaves the destination as it was,
/// and the command then exits with 128 + the signal's number, as a shell reports a signal.
///
/// Without this the default action kills the process between `mkstemp` and `rename`, and every
/// Ctrl-C left a `.NAME.tmp-…` file behind.
enum Interruption {
    /// The signal that interrupted the command; 0 while none has.
    static let received = LockedValue<Int32>(0)
    /// How long cleanup may take after a signal before the process exits anyway (a task that does
    /// not notice cancellation must not make Ctrl-C useless).
    static let cleanupDeadline: DispatchTimeInterval = .seconds(5)

    /// Runs `body` in a task that the three signals cancel; rethrows its error unless a signal
    /// came, in which case it exits with `128 + signal`.
    static func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
        // The sources are in place before the work starts, so no signal falls between the two.
        let task = LockedValue<Task<Void, any Error>?>(nil)
        let sources = SignalSources.install([SIGINT, SIGTERM, SIGHUP]) { number in
            let earlier = received.withLock { received -> Int32 in
                defer { if received == 0 { received = number } }
                return received
            }
            guard earlier == 0 else {
                // A second signal: the user insists.
                _exit(128 + earlier)
            }
            task.load()?.cancel()
            DispatchQueue.global().asyncAfter(deadline: .now() + cleanupDeadline) { _exit(128 + number) }
        }
        let work = Task { try await body() }
        task.withLock { $0 = work }
        if received.load() != 0 { work.cancel() }
        let result = await work.result
        sources.cancel()
        let number = received.load()
        if number != 0 { throw ExitCode(128 + number) }
        try result.get()
    }

    /// True once a signal has asked the command to stop; its errors are then not reported.
    static var interrupted: Bool { received.load() != 0 }
}
