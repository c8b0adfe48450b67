import CImageCodecs

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pixel buffers are megabytes, allocated and freed once or twice an image. glibc's malloc maps
/// blocks that large on their own, or trims them off the heap when they are freed, so every image
/// paid a page fault and a cleared page for each 4 KiB of every buffer: a fifth to a quarter of a
/// 1200×800 job (`perf`: clear_page and the faults). Pillow keeps an arena of image blocks for the
/// same reason.
///
/// So the first image job asks glibc to serve blocks up to 32 MiB (its ceiling for this setting)
/// from the heap, and to keep up to 64 MiB of freed heap for the next image. A process that tunes
/// malloc itself (GLIBC_TUNABLES, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) keeps its own;
/// other C libraries are left as they are. Under a sanitizer, whose allocator replaces glibc's and
/// ignores mallopt, nothing changes either.
enum PixelMemory {
    /// Whether glibc took the setting (made once, on first use).
    static let kept: Bool = {
        if tunedByEnvironment { return false }
        return oss_keep_freed_memory(32 << 20, 64 << 20) == 1
    }()

    /// Whether the environment sets glibc's malloc tunables, which the process then keeps.
    static var tunedByEnvironment: Bool {
        let names: [String] = ["GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"]
        return names.contains { getenv($0) != nil }
    }
}
