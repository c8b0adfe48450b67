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
}
