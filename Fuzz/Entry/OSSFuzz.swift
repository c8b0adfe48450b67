import FuzzHarness

/// libFuzzer's entry point (scripts/fuzz.sh builds with -sanitize=fuzzer and -DOSS_FUZZ). Every
/// target lives in this one executable, chosen by `OSS_FUZZ_TARGET`, so that a build links one
/// fuzz binary rather than one a target: each link of the whole package under AddressSanitizer
/// costs seconds, and CI builds the targets twice (the ordinary build and the fuzz build).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(FuzzTargets.selected, data, size)
}

#if !OSS_FUZZ
/// The ordinary build replays a target's seed corpus, or the files and folders given:
/// `OSSFuzz TARGET [PATH...]`, `OSSFuzz all`, `OSSFuzz TARGET --write-seeds DIR`.
@main
enum Replay {
    static func main() { FuzzReplay.main() }
}
#endif
