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
