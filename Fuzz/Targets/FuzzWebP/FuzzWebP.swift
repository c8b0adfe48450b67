import FuzzHarness

/// libFuzzer's entry point (scripts/fuzz.sh builds with -sanitize=fuzzer and -DOSS_FUZZ).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(WebPFuzzing.self, data, size)
}

#if !OSS_FUZZ
/// The ordinary build replays the seed corpus, or the files and folders given.
@main
enum ReplayWebP {
    static func main() { FuzzReplay.main(WebPFuzzing.self) }
}
#endif
