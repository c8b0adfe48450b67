import OSSImage
import Testing

/// `Bitmap.pixels` is the public way to touch pixels from outside OSSImage (tests, users, the
/// verifier's callers), so an element write must not copy the buffer: a loop over the pixels
/// would be quadratic, as it was when the property was observed with `didSet`.
@Suite("Bitmap storage")
struct BitmapStorageTests {
    private static func address(_ bitmap: Bitmap) -> UInt? {
        bitmap.pixels.withUnsafeBufferPointer { $0.baseAddress.map { UInt(bitPattern: $0) } }
    }

    @Test("an element write through pixels, from another module, changes the buffer in place")
    func elementWriteInPlace() throws {
        var bitmap = try Bitmap(width: 64, height: 32, channels: 4, fill: [10, 20, 30, 255])
        let before = Self.address(bitmap)
        for i in stride(from: 0, to: bitmap.pixels.count, by: 4) { bitmap.pixels[i] = 0 }
        #expect(Self.address(bitmap) == before)
        #expect(bitmap.pixels[0] == 0 && bitmap.pixels[1] == 20 && bitmap.pixels[4] == 0)
    }

    @Test("a copy of the bitmap keeps its own pixels when the original is written")
    func copiesStayApart() throws {
        var bitmap = try Bitmap(width: 2, height: 2, channels: 3, fill: [1, 2, 3])
        let copy = bitmap
        bitmap.pixels[0] = 99
        #expect(copy.pixels[0] == 1)
        #expect(bitmap.pixels[0] == 99)
        #expect(copy != bitmap)
    }
}

#if canImport(Glibc)
import Glibc
@testable import OSSImage

/// PixelMemory: after the first image job, a freed pixel-sized buffer comes back from the heap for
/// the next one, its pages already mapped (they cost a fault and a clear each before).
@Suite("Pixel memory")
struct PixelMemoryTests {
    static func faults() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage) // RUSAGE_THREAD (a GNU name the module does not bring)
        return usage.ru_minflt
    }

    // Only where glibc's malloc took the setting: the sanitizer builds (all of CI's) replace
    // malloc, and there it is skipped; `swift test` on a plain build runs it.
    @Test(
        "an 8 MiB buffer freed and asked for again faults no page in",
        .enabled(if: PixelMemory.kept, "glibc's own malloc took the setting (not under a sanitizer)")
    )
    func reused() {
        let size = 8 << 20
        let first = malloc(size)!
        memset(first, 1, size)
        free(first)
        let before = Self.faults()
        let second = malloc(size)!
        memset(second, 2, size)
        let faulted = Self.faults() - before
        free(second)
        // Without the setting: 2048 faults (a fresh mapping of 8 MiB in 4 KiB pages).
        #expect(faulted < 100, "\(faulted) page faults")
    }

    /// The half that runs in CI: the setting is made exactly where glibc's malloc is in use and the
    /// environment leaves it alone (a sanitizer's runtime defines its print-stack-trace hook).
    @Test("the setting is made on glibc's malloc, and not under a sanitizer or a tuned environment")
    func madeWhereGlibcs() {
        let sanitized = dlsym(nil, "__sanitizer_print_stack_trace") != nil
        #expect(PixelMemory.kept == !(sanitized || PixelMemory.tunedByEnvironment))
    }
}
#endif
