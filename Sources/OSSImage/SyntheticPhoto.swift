/// Photo-like test images, generated deterministically: smooth lighting, textured regions, soft
/// shapes and sensor-like noise, so that JPEG and PNG see data shaped like a real photograph
/// (flat gradients compress far better than photos and would flatter every codec).
///
/// `package`, not `public`: for this package's tests, benchmarks, fuzz seeds and the `oss` tool.
package enum SyntheticPhoto {
    /// An RGB bitmap of the given size; the same seed always gives the same pixels.
    /// Sizes outside ``ImageLimits`` are refused.
    package static func bitmap(width: Int, height: Int, seed: UInt64 = 1) throws(ImageError) -> Bitmap {
        guard width >= 1, height >= 1, width <= ImageLimits.maximumSide, height <= ImageLimits.maximumSide,
              width * height <= ImageLimits.maximumPixels else {
            throw .invalidArgument("A \(width)x\(height) photo cannot be made: sides are 1 to \(ImageLimits.maximumSide) px, at most \(ImageLimits.maximumPixels) pixels in all.")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func random() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        // A few soft blobs of colour.
        let blobs = (0..<7).map { _ -> (Double, Double, Double, (Double, Double, Double)) in
            (Double(random() % UInt64(width)), Double(random() % UInt64(height)), Double(min(width, height)) * (0.15 + Double(random() % 100) / 250),
             (Double(random() % 200) + 30, Double(random() % 200) + 30, Double(random() % 200) + 30))
        }
        let fw = Double(width), fh = Double(height)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let fy = Double(y) / fh
                for x in 0..<width {
                    let fx = Double(x) / fw
                    // Sky-to-ground lighting.
                    var r = 70 + 120 * (1 - fy) + 30 * fx
                    var g = 90 + 100 * (1 - fy) * (0.6 + 0.4 * fx)
                    var b = 120 + 110 * (1 - fy)
                    for (cx, cy, radius, colour) in blobs {
                        let dx = Double(x) - cx, dy = Double(y) - cy
                        let d2 = (dx * dx + dy * dy) / (radius * radius)
                        if d2 < 1 {
                            let w = (1 - d2) * (1 - d2)
                            r = r * (1 - w) + colour.0 * w
                            g = g * (1 - w) + colour.1 * w
                            b = b * (1 - w) + colour.2 * w
                        }
                    }
                    // Texture: cheap periodic detail, stronger in the lower half (foliage, ground).
                    let texture = Double((x &* 7 ^ y &* 13) & 31) * (fy > 0.5 ? 0.9 : 0.25)
                    let noise = Double(random() & 15) - 7.5
                    let i = (y * width + x) * 3
                    out[i] = UInt8(max(0, min(255, r + texture + noise)))
                    out[i + 1] = UInt8(max(0, min(255, g + texture * 0.8 + noise)))
                    out[i + 2] = UInt8(max(0, min(255, b + texture * 0.5 + noise)))
                }
            }
        }
        return Bitmap(trustedWidth: width, height: height, channels: 3, pixels: pixels)
    }

    /// The same image as a JPEG.
    package static func jpeg(width: Int, height: Int, seed: UInt64 = 1, quality: Int = 90) throws(ImageError) -> [UInt8] {
        var options = ImageCodecs.EncodeOptions(quality: quality)
        options.restartBands = false
        return try ImageCodecs.encode(try bitmap(width: width, height: height, seed: seed), as: .jpg, options: options)
    }
}
