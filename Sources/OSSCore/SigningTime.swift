/// The time formats OSS signs and sends, computed by hand in UTC.
///
/// `DateFormatter` depends on locale and is slow to create; the signer runs for every request and
/// must produce byte-exact strings, so the calendar arithmetic is done here on Unix seconds.
public struct SigningTime: Sendable, Hashable, Comparable {
    /// Whole seconds since 1970-01-01T00:00:00Z. OSS signs with second precision.
    public var unixSeconds: Int64

    /// A time from Unix seconds.
    public init(unixSeconds: Int64) {
        self.unixSeconds = unixSeconds
    }

    /// Earlier first, by Unix seconds.
    public static func < (lhs: SigningTime, rhs: SigningTime) -> Bool { lhs.unixSeconds < rhs.unixSeconds }

    /// This time moved by `seconds`.
    public func adding(seconds: Int64) -> SigningTime { SigningTime(unixSeconds: unixSeconds + seconds) }

    /// `20231216T162057Z`, the V4 `x-oss-date`.
    public var iso8601Basic: String {
        let c = components
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2) + "Z"
    }

    /// `20231216`, the date of the V4 credential scope.
    public var scopeDate: String {
        let c = components
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2)
    }

    /// `Sat, 16 Dec 2023 16:20:57 GMT`, the HTTP `Date` (RFC 7231 IMF-fixdate).
    public var httpDate: String {
        let c = components
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"] // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        return "\(weekday), \(pad(c.day, 2)) \(months[c.month - 1]) \(pad(c.year, 4)) \(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)) GMT"
    }

    /// `2023-12-16T16:20:57.000Z`, the form of `LastModified` in OSS XML.
    public var iso8601Extended: String {
        let c = components
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).000Z"
    }

    /// Parses `yyyyMMddTHHmmssZ`.
    public init?(iso8601Basic text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
              let year = Self.number(bytes[0..<4]), let month = Self.number(bytes[4..<6]),
              let day = Self.number(bytes[6..<8]), let hour = Self.number(bytes[9..<11]),
              let minute = Self.number(bytes[11..<13]), let second = Self.number(bytes[13..<15]) else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses an RFC 7231 IMF-fixdate such as `Sat, 16 Dec 2023 16:20:57 GMT`.
    public init?(httpDate text: String) {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
              let monthIndex = months.firstIndex(of: String(parts[2])), let year = Int(parts[3]) else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]) else { return nil }
        self.init(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    /// Builds a time from calendar fields in UTC; nil when a field is out of range.
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), (0...60).contains(second) else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = Int64(era * 146_097 + doe - 719_468)
        unixSeconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private var components: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondsOfDay = Int(unixSeconds - days * 86_400)
        // Civil from days (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day, secondsOfDay / 3600, secondsOfDay / 60 % 60, secondsOfDay % 60)
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SigningTime {
    /// The system's wall clock, to the second.
    @Sendable public static func now() -> SigningTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return SigningTime(unixSeconds: Int64(spec.tv_sec))
    }
}
