import FuzzHarness

/// libFuzzer's entry point (scripts/fuzz.sh builds with -sanitize=fuzzer and -DOSS_FUZZ).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProcess(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(ProcessFuzzing.self, data, size)
}

#if !OSS_FUZZ
/// The ordinary build replays the seed corpus, or the files and folders given.
@main
enum ReplayProcess {
    static func main() { FuzzReplay.main(ProcessFuzzing.self) }
}
#endif
