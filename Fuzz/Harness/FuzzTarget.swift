import Dispatch
import Foundation
import OSSLocking

/// One fuzz target: a function from bytes to nothing that must not crash, hang or exhaust memory
/// for any input, and that checks the properties it can (with ``FuzzCheck``).
///
/// The same function is driven two ways (see Fuzz/README.md): by libFuzzer in a
/// `scripts/fuzz.sh` build, through the `LLVMFuzzerTestOneInput` each executable in Fuzz/Targets
/// exports, and by ``FuzzReplay`` in the ordinary build, which runs the seed corpus and any
/// reproducer given on the command line.
package protocol FuzzTarget {
    /// The target's short name: `Fuzz/Corpus/<name>`, `Fuzz/Crashes/<name>`, `scripts/fuzz.sh <name>`.
    static var name: String { get }
    /// Runs one input.
    static func run(_ input: [UInt8])
    /// The seed corpus, generated here so it can be regenerated (`scripts/fuzz.sh seeds`).
    static func seeds() throws -> [(name: String, bytes: [UInt8])]
}

/// A property a target checks; a failure is a crash libFuzzer records, with the message.
package enum FuzzCheck {
    /// Named checks listed in `FUZZ_MUTE` (comma-separated) are skipped: a long run can look past
    /// a finding that is already reported and still open. Never set in scripts/test.sh.
    package static func isMuted(_ name: String) -> Bool { muted.contains(name) }

    static let muted: Set<String> = Set((ProcessInfo.processInfo.environment["FUZZ_MUTE"] ?? "").split(separator: ",").map(String.init))

    package static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                                file: StaticString = #fileID, line: UInt = #line) {
        if !condition() { fatalError("fuzz property failed: \(message())", file: file, line: line) }
    }
}

/// Untrusted text for a failure message: control characters escaped (a NUL would end the message
/// early), cut to `limit` characters.
package func printable(_ text: String, limit: Int = 300) -> String {
    var out = ""
    for scalar in text.unicodeScalars.prefix(limit) {
        out += scalar.value < 0x20 || scalar.value == 0x7F ? scalar.escaped(asASCII: true) : String(scalar)
    }
    return text.unicodeScalars.count > limit ? out + "..." : out
}

/// Glue for the two drivers.
package enum FuzzEntry {
    /// The body of `LLVMFuzzerTestOneInput`.
    package static func run<Target: FuzzTarget>(_ target: Target.Type, _ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        Target.run(input)
        return 0
    }
}

/// Runs async work from libFuzzer's synchronous callback. libFuzzer calls on its own thread, not
/// one of Swift's cooperative pool, so waiting here blocks nothing the work needs.
package func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () async -> Result) -> Result {
    let box = BlockingResult<Result>()
    Task {
        let result = await body()
        box.value.withLock { $0 = result }
        box.done.signal()
    }
    box.done.wait()
    return box.value.withLock { $0! }
}

final class BlockingResult<Result: Sendable>: Sendable {
    let value = LockedValue<Result?>(nil)
    let done = DispatchSemaphore(value: 0)
}

/// The ordinary build's `main`: replays inputs through the target, so the seed corpus (and any
/// reproducer) runs in every `swift build` without libFuzzer.
///
/// - `FuzzX` replays `Fuzz/Corpus/<name>/`.
/// - `FuzzX PATH...` replays those files, and every file in those folders.
/// - `FuzzX --write-seeds DIR` writes the generated seed corpus to DIR.
package enum FuzzReplay {
    package static func main<Target: FuzzTarget>(_ target: Target.Type, arguments: [String] = CommandLine.arguments) {
        var paths = Array(arguments.dropFirst())
        if paths.first == "--write-seeds" {
            guard paths.count == 2 else { fail("usage: \(arguments[0]) --write-seeds DIR") }
            writeSeeds(Target.self, to: paths[1])
            return
        }
        if paths.isEmpty { paths = [repositoryFuzzFolder + "/Corpus/" + Target.name] }
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                if ProcessInfo.processInfo.environment["FUZZ_REPLAY_VERBOSE"] != nil { print("running \(file)") }
                Target.run(Array(data))
                count += 1
            }
        }
        print("\(Target.name): replayed \(count) inputs without a crash")
    }

    /// `Fuzz/` in the checkout this was built from.
    static var repositoryFuzzFolder: String {
        // #filePath is .../Fuzz/Harness/FuzzTarget.swift.
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/")
    }

    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file or folder: \(path)") }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".report") }.sorted().map { path + "/" + $0 }
    }

    static func writeSeeds<Target: FuzzTarget>(_ target: Target.Type, to folder: String) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let seeds = try Target.seeds()
            for seed in seeds {
                guard FileManager.default.createFile(atPath: folder + "/" + seed.name, contents: Data(seed.bytes)) else {
                    fail("cannot write \(folder)/\(seed.name)")
                }
            }
            print("\(Target.name): wrote \(seeds.count) seeds to \(folder)")
        } catch {
            fail("\(Target.name): cannot make seeds: \(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}
