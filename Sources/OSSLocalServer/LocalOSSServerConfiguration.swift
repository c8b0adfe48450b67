#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LocalOSSServer {
    /// How the front door protects itself from clients that are slow, idle, gone or too many:
    /// timeouts for each stage of a connection, a connection limit, and the shutdown grace.
    ///
    /// The defaults suit a server that tests and demos lean on hard: generous to real clients
    /// (none of them takes seconds to send a request head) and short enough that thousands of
    /// half-open connections cannot pile up.
    public struct Configuration: Sendable, Hashable {
        /// How long a request head may take to arrive complete, counted from the connection's
        /// opening, or from the first byte of a later request on a kept-alive connection. It is a
        /// deadline, not an idle timer, so a client that trickles one byte at a time (slowloris)
        /// is closed too. 10 s: real clients send a head in one packet; a connection that has not
        /// finished its head by then is broken or hostile.
        public var headerTimeout: Duration
        /// How long a kept-alive connection may wait for its next request. 60 s: long enough for
        /// a client's connection pool to reuse it between bursts, shorter than the two minutes
        /// (libcurl's default) after which clients stop reusing an idle connection on their own.
        public var idleTimeout: Duration
        /// How long the server waits for more of a request body it is ready to read. Only time
        /// the server spends asking for bytes counts, never time the service itself takes, so a
        /// slow disk cannot make a client look stalled. 60 s: an upload that sends nothing for a
        /// minute has stalled, and its connection and temporary file are freed.
        public var bodyTimeout: Duration
        /// How long a response may sit unsent because the client stopped reading. 60 s, for the
        /// same reason as ``bodyTimeout``.
        public var sendTimeout: Duration
        /// After the last byte of a response the connection closes on, how long the client gets
        /// to close its side first. Closing while the client may still be sending (a body that
        /// was refused, say) makes the kernel answer with a reset that can destroy the response
        /// before it is read; waiting for the client's close avoids that. 2 s: a client that reads
        /// to the end closes at once.
        public var lingerTimeout: Duration
        /// Connections open at once. Past it the server stops accepting, and new connections wait
        /// in the listen backlog until one closes. The default, ``defaultMaximumConnections``, is
        /// half the process's descriptor limit: the other half is left for the object files and
        /// temporary files the requests open.
        public var maximumConnections: Int
        /// The listen backlog: connections the kernel holds while the server is not accepting.
        /// 1024 absorbs a burst of connections at the limit; the kernel caps it at `somaxconn`.
        public var backlog: Int
        /// After ``LocalOSSServer/close()``: how long requests in flight get to finish before
        /// their connections are closed. Idle connections close at once. 3 s, so that a stop
        /// (SIGTERM) completes within 5 s, well before the SIGKILL supervisors send after 10 s.
        public var shutdownGracePeriod: Duration

        /// A configuration; every value defaults to the one explained on its property.
        public init(headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
                    bodyTimeout: Duration = .seconds(60), sendTimeout: Duration = .seconds(60),
                    lingerTimeout: Duration = .seconds(2), maximumConnections: Int = Configuration.defaultMaximumConnections,
                    backlog: Int = 1024, shutdownGracePeriod: Duration = .seconds(3)) {
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
            self.bodyTimeout = bodyTimeout
            self.sendTimeout = sendTimeout
            self.lingerTimeout = lingerTimeout
            self.maximumConnections = maximumConnections
            self.backlog = backlog
            self.shutdownGracePeriod = shutdownGracePeriod
        }

        /// Half the soft descriptor limit (`RLIMIT_NOFILE`), between 64 and 16,384: 512 under
        /// the common limit of 1024.
        public static var defaultMaximumConnections: Int {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 512 }
            let soft = UInt64(limit.rlim_cur) // RLIM_INFINITY is the largest value: the 16,384 cap applies
            return Int(min(max(soft / 2, 64), 16_384))
        }
    }
}
