import Dispatch

/// Runs blocking file system calls on Dispatch's threads, never on Swift's cooperative pool.
///
/// The cooperative pool has as many threads as cores; one `read` stuck on a slow disk there stalls
/// every task in the process. Everything in this package that touches a file goes through here.
public enum BlockingIO {
    private static let queue = DispatchQueue(label: "swift-oss.blocking-io", attributes: .concurrent)

    /// Runs `body` on a blocking-I/O thread and returns its result to the awaiting task.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
