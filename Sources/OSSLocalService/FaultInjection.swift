import OSSLocking

/// One scripted fault: which requests it hits and what happens to them.
///
/// Deterministic: rules are checked in order, `skip` lets the first matching requests through,
/// and `times` bounds how many are hit, so a test knows exactly which attempt fails.
public struct FaultRule: Codable, Sendable, Hashable {
    /// What the fault does.
    public enum Kind: String, Codable, Sendable, Hashable {
        /// Answer `status` (500, 503, 429...) with an OSS error body; `retryAfter` adds the header.
        case status
        /// Send `afterBytes` of the body, then reset the connection.
        case reset
        /// Send `afterBytes` of a body whose `Content-Length` is honest, then close.
        case truncate
        /// Send a wrong `x-oss-hash-crc64ecma`.
        case wrongCRC = "wrong-crc"
        /// Wait `milliseconds` before answering.
        case stall
        /// Judge the request's time as if the server clock were off by `seconds`.
        case skew
        /// The disk fills up after `afterBytes` (0 by default) of the object's data: the data
        /// write fails with `ENOSPC` at the `write(2)` call, as on a full file system, and the
        /// request answers 507 InsufficientStorage.
        case diskFull = "disk-full"
        /// Pace the response body to `bytesPerSecond`, as a link of that speed would: every
        /// matching response on its own, so with `times` -1 each connection of a parallel
        /// download gets the rate, the way real networks cap a stream (see `TrafficLimit`).
        case throttle
    }

    /// What happens.
    public var fault: Kind
    /// Only requests with this method (any when nil).
    public var method: String?
    /// Only requests for this exact key (any when nil).
    public var key: String?
    /// Only requests whose key starts with this (any when nil).
    public var keyPrefix: String?
    /// Matching requests to let through before the fault applies.
    public var skip: Int?
    /// How many requests the fault applies to; nil means 1, a negative number means all.
    public var times: Int?
    /// For `status`: the HTTP status (503 by default).
    public var status: Int?
    /// For `status`: a `Retry-After` header, in seconds.
    public var retryAfter: Int?
    /// For `reset` and `truncate`: body bytes sent first. For `disk-full`: data bytes that fit.
    public var afterBytes: Int64?
    /// For `stall`: how long to wait.
    public var milliseconds: Int64?
    /// For `skew`: the clock offset.
    public var seconds: Int64?
    /// For `throttle`: the body rate (1 MB/s by default).
    public var bytesPerSecond: Int64?

    /// A rule that hits the first `times` matching requests after `skip`.
    public init(_ fault: Kind, method: String? = nil, key: String? = nil, keyPrefix: String? = nil, skip: Int = 0, times: Int = 1,
                status: Int? = nil, retryAfter: Int? = nil, afterBytes: Int64? = nil, milliseconds: Int64? = nil, seconds: Int64? = nil,
                bytesPerSecond: Int64? = nil) {
        self.fault = fault
        self.method = method
        self.key = key
        self.keyPrefix = keyPrefix
        self.skip = skip
        self.times = times
        self.status = status
        self.retryAfter = retryAfter
        self.afterBytes = afterBytes
        self.milliseconds = milliseconds
        self.seconds = seconds
        self.bytesPerSecond = bytesPerSecond
    }

    /// Keys match as UTF-8 bytes, as OSS compares them (not by Unicode equivalence).
    func matches(method: String, key: String?) -> Bool {
        if let wanted = self.method, wanted.uppercased() != method.uppercased() { return false }
        if let wanted = self.key, key.map({ Array($0.utf8) }) != Array(wanted.utf8) { return false }
        if let prefix = keyPrefix, !Array((key ?? "").utf8).starts(with: Array(prefix.utf8)) { return false }
        return true
    }
}

/// The live set of fault rules of a service, changeable while it serves.
public final class FaultInjector: Sendable {
    private struct Entry {
        var rule: FaultRule
        var seen = 0
        var applied = 0
    }

    private let entries: LockedValue<[Entry]>

    /// An injector with rules, checked in order.
    public init(_ rules: [FaultRule] = []) {
        entries = LockedValue(rules.map { Entry(rule: $0) })
    }

    /// Adds a rule after the existing ones.
    public func add(_ rule: FaultRule) {
        entries.withLock { $0.append(Entry(rule: rule)) }
    }

    /// Removes every rule.
    public func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    /// How many requests each rule has hit so far, in rule order.
    public var appliedCounts: [Int] {
        entries.withLock { $0.map(\.applied) }
    }

    /// The rules that fire for this request (at most one of each kind), counting it against them.
    func faults(method: String, key: String?) -> [FaultRule] {
        entries.withLock { entries in
            var fired: [FaultRule] = []
            for index in entries.indices where entries[index].rule.matches(method: method, key: key) {
                let rule = entries[index].rule
                guard !fired.contains(where: { $0.fault == rule.fault }) else { continue }
                entries[index].seen += 1
                guard entries[index].seen > (rule.skip ?? 0) else { continue }
                let limit = rule.times ?? 1
                guard limit < 0 || entries[index].applied < limit else { continue }
                entries[index].applied += 1
                fired.append(rule)
            }
            return fired
        }
    }
}
