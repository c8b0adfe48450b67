import ArgumentParser

/// `oss`: the command-line face of swift-oss.
///
/// Every command names itself (`commandName:`): without it ArgumentParser derives the name with
/// `String(describing:)` of the type, a dynamic cast that scans every protocol conformance in the
/// binary, about a tenth of `oss --help`'s start-up.
@main
struct OSSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oss",
        abstract: "Alibaba Cloud OSS from the command line, and a local OSS for tests.",
        subcommands: [Get.self, Put.self, Copy.self, Head.self, Stat.self, Remove.self, List.self, Presign.self, Process.self, Serve.self,
                      Image.self, Verify.self, Sample.self])

    /// ArgumentParser's own `main()` is a nonisolated `async` function, so the program's first
    /// step hops from the main thread to Swift's global executor, and Dispatch starts its worker
    /// threads (three, for `oss --help`) before a single argument is read. Parsing here, on the
    /// main actor and before the first `await`, lets help, version and usage errors print and exit
    /// without them; a command's `run()` then goes to the global executor as before.
    @MainActor
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
