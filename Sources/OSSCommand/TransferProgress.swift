import OSS
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One progress line for a whole transfer of many objects: objects done of those found so far,
/// and bytes, redrawn at most ten times a second on stderr.
///
/// Drawn only when stderr is a terminal: in a pipe or a log file a line rewritten with `\r`
/// is noise. Messages (a failed object) clear the line, print, and let the next draw redraw it,
/// so the bar never splices itself into an error.
final class TransferProgress: Sendable {
    private struct State {
        var objectsDone = 0
        var objectsFound = 0
        var bytesDone: Int64 = 0
        var bytesFound: Int64 = 0
        var lastDraw = ContinuousClock.now - .seconds(1)
        var drawn = false
    }

    let enabled: Bool
    private let state = LockedValue(State())

    init(enabled: Bool = isatty(2) == 1) {
        self.enabled = enabled
    }

    /// Objects (and their bytes) found by a listing or a folder walk, still to be copied.
    func found(objects: Int, bytes: Int64) {
        update { $0.objectsFound += objects; $0.bytesFound = $0.bytesFound.addingClamped(bytes) }
    }

    /// A handler for one object's transfer, adding the bytes it reports to the whole's. When the
    /// listing gave no size (`sizeKnown` false: one object named by its key), the first total the
    /// transfer reports is added to the bytes to copy.
    func handler(sizeKnown: Bool = true) -> ProgressHandler {
        let last = LockedValue<(bytes: Int64, sized: Bool)>((0, sizeKnown))
        return { [self] bytes, total in
            let (delta, newTotal) = last.withLock { last -> (Int64, Int64?) in
                defer { last.bytes = bytes }
                var newTotal: Int64?
                if !last.sized, let total, total >= 0 {
                    last.sized = true
                    newTotal = total
                }
                return (bytes &- last.bytes, newTotal)
            }
            update {
                if let newTotal { $0.bytesFound = $0.bytesFound.addingClamped(newTotal) }
                $0.bytesDone = $0.bytesDone.addingClamped(delta)
            }
        }
    }

    /// One object finished (copied, skipped or failed); `bytes` it did not report through a handler.
    func objectDone(unreportedBytes bytes: Int64 = 0) {
        update(force: false) { $0.objectsDone += 1; $0.bytesDone = $0.bytesDone.addingClamped(bytes) }
    }

    /// A line for the user (an object that failed), above the bar.
    func message(_ text: String) {
        state.withLock { state in
            if enabled && state.drawn { writeStandardError("\r\u{1B}[K") }
            writeStandardError(text + "\n")
            state.drawn = false
        }
    }

    /// The last draw, and the cursor moved below it.
    func finish() {
        guard enabled else { return }
        state.withLock { state in
            writeStandardError(Self.line(state.objectsDone, state.objectsFound, state.bytesDone, state.bytesFound) + "\n")
            state.drawn = false
        }
    }

    private func update(force: Bool = false, _ change: (inout State) -> Void) {
        state.withLock { state in
            change(&state)
            guard enabled else { return }
            let now = ContinuousClock.now
            guard force || now - state.lastDraw >= .milliseconds(100) else { return }
            state.lastDraw = now
            state.drawn = true
            writeStandardError(Self.line(state.objectsDone, state.objectsFound, state.bytesDone, state.bytesFound))
        }
    }

    /// `\r[#######             ]  35%  7/20 objects  1.2 MiB of 3.4 MiB`, cleared to the line's end.
    static func line(_ objectsDone: Int, _ objectsFound: Int, _ bytesDone: Int64, _ bytesFound: Int64, width: Int = 24) -> String {
        let fraction = bytesFound > 0 ? min(1, max(0, Double(bytesDone) / Double(bytesFound)))
            : objectsFound > 0 ? min(1, Double(objectsDone) / Double(objectsFound)) : 0
        let filled = min(width, max(0, Int(fraction * Double(width))))
        let percent = String(Int(fraction * 100))
        return "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            + String(repeating: " ", count: max(0, 3 - percent.count)) + percent + "%  "
            + "\(objectsDone)/\(objectsFound) objects  \(byteCount(max(0, bytesDone))) of \(byteCount(max(0, bytesFound)))\u{1B}[K"
    }

    /// Bytes in the largest binary unit that keeps a whole part, one decimal.
    static func byteCount(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}

extension Int64 {
    /// The sum, held at the bounds instead of trapping: sizes come from a listing.
    func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
