import Dispatch
import Foundation
import OSSLocking

/// One fuzz target: a function from bytes to nothing that must not crash, hang or exhaust memory
/// for any input, and that checks the properties it can (with ``FuzzCheck``).
///
/// The same function is driven two ways (see Fuzz/README.md): by libFuzzer in a
/// `scripts/fuzz.sh` build, through the `LLVMFuzzerTestOneInput` the `OSSFuzz` executable
/// (Fuzz/Entry) exports for the target `OSS_FUZZ_TARGET` names, and by ``FuzzReplay`` in the
/// ordinary build, which runs the seed corpus and any reproducer given on the command line.
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

/// Every target, by name.
package enum FuzzTargets {
    package static var all: [any FuzzTarget.Type] {
        [
            XMLFuzzing.self, ProcessFuzzing.self, ServiceFuzzing.self,
            JPEGFuzzing.self, PNGFuzzing.self, WebPFuzzing.self, BMPFuzzing.self,
            GIFFuzzing.self, TIFFFuzzing.self, HEICFuzzing.self, AVIFFuzzing.self,
        ]
    }

    package static func named(_ name: String) -> (any FuzzTarget.Type)? {
        all.first { $0.name == name }
    }

    /// The target libFuzzer drives: `OSS_FUZZ_TARGET` names it (libFuzzer passes every argument
    /// that does not start with `-` on as a corpus, so the choice cannot be an argument). Read once.
    package static var selected: any FuzzTarget.Type { all[selectedIndex] }

    static let selectedIndex: Int = {
        let name = ProcessInfo.processInfo.environment["OSS_FUZZ_TARGET"] ?? ""
        guard let index = all.firstIndex(where: { $0.name == name }) else {
            FuzzReplay.fail("OSS_FUZZ_TARGET must name a target, one of: \(all.map { $0.name }.joined(separator: " ")) (it is '\(name)')")
        }
        return index
    }()
}

/// Glue for the two drivers.
package enum FuzzEntry {
    /// The body of `LLVMFuzzerTestOneInput`.
    package static func run(_ target: any FuzzTarget.Type, _ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        target.run(input)
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
/// - `OSSFuzz NAME` replays `Fuzz/Corpus/<name>/`; `OSSFuzz all` replays every target's.
/// - `OSSFuzz NAME PATH...` replays those files, and every file in those folders.
/// - `OSSFuzz NAME --write-seeds DIR` writes the generated seed corpus to DIR.
package enum FuzzReplay {
    package static func main(arguments: [String] = CommandLine.arguments) {
        let names = FuzzTargets.all.map { $0.name }.joined(separator: "|")
        let usage = "usage: \(arguments[0]) \(names)|all [PATH...] | \(arguments[0]) TARGET --write-seeds DIR"
        guard arguments.count >= 2 else { fail(usage) }
        if arguments[1] == "all" {
            guard arguments.count == 2 else { fail(usage) }
            for target in FuzzTargets.all { replay(target, paths: []) }
            return
        }
        guard let target = FuzzTargets.named(arguments[1]) else { fail(usage) }
        let paths = Array(arguments.dropFirst(2))
        if paths.first == "--write-seeds" {
            guard paths.count == 2 else { fail(usage) }
            writeSeeds(target, to: paths[1])
            return
        }
        replay(target, paths: paths)
    }

    static func replay(_ target: any FuzzTarget.Type, paths: [String]) {
        let paths = paths.isEmpty ? [repositoryFuzzFolder + "/Corpus/" + target.name] : paths
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                if ProcessInfo.processInfo.environment["FUZZ_REPLAY_VERBOSE"] != nil { print("running \(file)") }
                target.run(Array(data))
                count += 1
            }
        }
        print("\(target.name): replayed \(count) inputs without a crash")
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

    static func writeSeeds(_ target: any FuzzTarget.Type, to folder: String) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let seeds = try target.seeds()
            for seed in seeds {
                guard FileManager.default.createFile(atPath: folder + "/" + seed.name, contents: Data(seed.bytes)) else {
                    fail("cannot write \(folder)/\(seed.name)")
                }
            }
            print("\(target.name): wrote \(seeds.count) seeds to \(folder)")
        } catch {
            fail("\(target.name): cannot make seeds: \(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}
