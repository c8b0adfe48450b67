import ArgumentParser

/// `oss`: the command-line face of swift-oss.
@main
struct OSSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oss",
        abstract: "Alibaba Cloud OSS from the command line, and a local OSS for tests.",
        subcommands: [Get.self, Put.self, Copy.self, Head.self, Stat.self, Remove.self, List.self, Presign.self, Process.self, Serve.self,
                      Image.self, Verify.self, Sample.self])
}
