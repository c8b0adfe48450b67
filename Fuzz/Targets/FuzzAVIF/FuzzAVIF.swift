import FuzzHarness

/// libFuzzer's entry point (scripts/fuzz.sh builds with -sanitize=fuzzer and -DOSS_FUZZ).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAVIF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(AVIFFuzzing.self, data, size)
}

#if !OSS_FUZZ
/// The ordinary build replays the seed corpus, or the files and folders given.
@main
enum ReplayAVIF {
    static func main() { FuzzReplay.main(AVIFFuzzing.self) }
}
#endif
