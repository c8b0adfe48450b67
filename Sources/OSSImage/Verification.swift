import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How close a server's output must be to the local kernel's.
public struct VerificationThresholds: Sendable, Hashable {
    /// Minimum intersection-over-union of the opaque areas (alpha formats), edge band excluded.
    public var minimumMaskIoU: Double = 0.98
    /// Minimum share of the expected background (outside the shape) that is background in the
    /// output: transparent for alpha formats, white for JPEG.
    public var minimumBackgroundMatch: Double = 0.98
    /// Minimum PSNR inside the shape for lossy outputs (JPEG, WebP) and for lossless ones.
    public var minimumLossyPSNR: Double = 28
    /// PNG and BMP carry the kernel's pixels unchanged, so the bar is higher.
    public var minimumLosslessPSNR: Double = 35
    /// Pixels this close to the shape's edge are left out (OSS does not document its anti-aliasing).
    public var edgeBand: Int = 1

    /// The thresholds used by `oss verify`.
    public init() {}
}

/// The figures of a verification and its verdict.
public struct VerificationReport: Sendable, Hashable, CustomStringConvertible {
    /// The format the process should produce.
    public var expectedFormat: ImageFormat?
    /// The format of the server's bytes.
    public var actualFormat: ImageFormat?
    /// The size the local kernel produced.
    public var expectedSize: (width: Int, height: Int)
    /// The size of the server's image.
    public var actualSize: (width: Int, height: Int)
    /// Opaque-area IoU (1 when neither image has transparency).
    public var maskIoU: Double
    /// Share of the expected background found as background in the output.
    public var backgroundMatch: Double
    /// PSNR over the pixels inside the shape, in dB (infinity when identical).
    public var psnr: Double
    /// Each failed check, in words; empty on a match.
    public var failures: [String]

    /// Whether every check passed.
    public var matches: Bool { failures.isEmpty }

    public static func == (a: Self, b: Self) -> Bool {
        a.expectedFormat == b.expectedFormat && a.actualFormat == b.actualFormat && a.expectedSize == b.expectedSize
            && a.actualSize == b.actualSize && a.maskIoU == b.maskIoU && a.psnr == b.psnr && a.failures == b.failures
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(expectedFormat); hasher.combine(actualFormat); hasher.combine(failures)
    }

    public var description: String {
        let psnrText = psnr.isInfinite ? "inf" : Self.fixed(psnr, decimals: 1)
        var text = matches ? "MATCH" : "MISMATCH"
        text += ": format \(actualFormat?.rawValue ?? "?") (expected \(expectedFormat?.rawValue ?? "?"))"
        text += ", size \(actualSize.width)x\(actualSize.height) (expected \(expectedSize.width)x\(expectedSize.height))"
        text += ", mask IoU \(Self.fixed(maskIoU)), background \(Self.fixed(backgroundMatch)), PSNR inside \(psnrText) dB"
        if !failures.isEmpty { text += "\n  " + failures.joined(separator: "\n  ") }
        return text
    }

    /// `value` with a fixed number of decimals, without Foundation's formatters.
    static func fixed(_ value: Double, decimals: Int = 3) -> String {
        var factor = 1
        for _ in 0..<decimals { factor *= 10 }
        let scaled = Int((value * Double(factor)).rounded())
        let fraction = String(abs(scaled) % factor)
        return "\(scaled / factor).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }
}

/// Checks a server's processed image against the local kernel, offline.
public enum ImageVerifier {
    /// Decodes `output`, runs the local kernel on `source`, and compares format, size, the shape's
    /// coverage and the pixels inside it, allowing for JPEG loss and a one-pixel edge band.
    ///
    /// `limits` and `cancellation` bound the whole verification (both kernel runs, the decodes and
    /// the comparison) as they bound ``ImageProcessor/process(_:source:limits:cancellation:)-(ImageProcess,_,_,_)``.
    public static func verify(source: [UInt8], process: ImageProcess, output: [UInt8],
                              thresholds: VerificationThresholds = VerificationThresholds(),
                              limits: ImageWorkLimits = .oss, cancellation: ImageCancellation? = nil) throws(ImageError) -> VerificationReport {
        let budget = ImageWorkBudget(limits: limits, cancellation: cancellation)
        let expected = try ImageProcessor.run(process, source: source, budget: budget)
        let actualFormat = ImageCodecs.detectFormat(output)
        let (reference, _) = try ImageCodecs.decode(expected.bytes, channels: 4, budget: budget)
        let (actual, _) = try ImageCodecs.decode(output, channels: 4, budget: budget)
        var report = VerificationReport(expectedFormat: expected.format, actualFormat: actualFormat,
                                        expectedSize: (reference.width, reference.height), actualSize: (actual.width, actual.height),
                                        maskIoU: 0, backgroundMatch: 0, psnr: 0, failures: [])
        if actualFormat != expected.format {
            report.failures.append("format is \(actualFormat?.rawValue ?? "unknown"), expected \(expected.format?.rawValue ?? "?")")
        }
        guard reference.width == actual.width, reference.height == actual.height else {
            report.failures.append("size is \(actual.width)x\(actual.height), expected \(reference.width)x\(reference.height)")
            return report
        }
        let width = reference.width, height = reference.height
        let jpegLike = expected.format == .jpg
        // The expected shape: opaque in the reference (for JPEG, not the white background the
        // kernel painted, which is known from the transparent version of the same process).
        var shapeProcess = process
        if jpegLike { shapeProcess.actions.append(.format(.png)) }
        let (shapeBitmap, _) = jpegLike
            ? try ImageCodecs.decode(try ImageProcessor.run(shapeProcess, source: source, budget: budget).bytes, channels: 4, budget: budget)
            : (reference, .png)
        func inside(_ bitmap: Bitmap, _ index: Int) -> Bool { bitmap.pixels[index * 4 + 3] >= 128 }
        var edge = [Bool](repeating: false, count: width * height)
        // Past the image's size a wider band changes nothing (every neighbourhood already
        // reaches outside); the bound keeps x + dx inside Int.
        let band = min(thresholds.edgeBand, max(width, height))
        for y in 0..<height {
            try budget.checkpoint()
            for x in 0..<width {
                let here = inside(shapeBitmap, y * width + x)
                var isEdge = false
                if band > 0 {
                    outer: for dy in -band...band {
                        for dx in -band...band {
                            let nx = x + dx, ny = y + dy
                            let neighbour = nx >= 0 && ny >= 0 && nx < width && ny < height ? inside(shapeBitmap, ny * width + nx) : false
                            if neighbour != here { isEdge = true; break outer }
                        }
                    }
                }
                edge[y * width + x] = isEdge
            }
        }
        var intersection = 0, union = 0, backgroundTotal = 0, backgroundMatched = 0
        var squaredError = 0.0, samples = 0
        for index in 0..<(width * height) where !edge[index] {
            if index % width == 0 { try budget.checkpoint() }
            let expectedInside = inside(shapeBitmap, index)
            let actualInside: Bool
            if jpegLike {
                let p = index * 4
                let white = actual.pixels[p] >= 235 && actual.pixels[p + 1] >= 235 && actual.pixels[p + 2] >= 235
                actualInside = !white || (expectedInside && isWhite(reference, index))
            } else {
                actualInside = inside(actual, index)
            }
            if expectedInside || actualInside { union += 1 }
            if expectedInside && actualInside { intersection += 1 }
            if !expectedInside {
                backgroundTotal += 1
                if !actualInside { backgroundMatched += 1 }
            } else {
                for c in 0..<3 {
                    let d = Double(reference.pixels[index * 4 + c]) - Double(actual.pixels[index * 4 + c])
                    squaredError += d * d
                }
                samples += 3
            }
        }
        report.maskIoU = union == 0 ? 1 : Double(intersection) / Double(union)
        report.backgroundMatch = backgroundTotal == 0 ? 1 : Double(backgroundMatched) / Double(backgroundTotal)
        let mse = samples == 0 ? 0 : squaredError / Double(samples)
        report.psnr = mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
        if report.maskIoU < thresholds.minimumMaskIoU {
            report.failures.append("shape coverage IoU \(VerificationReport.fixed(report.maskIoU)) < \(thresholds.minimumMaskIoU)")
        }
        if report.backgroundMatch < thresholds.minimumBackgroundMatch {
            report.failures.append("background \(VerificationReport.fixed(report.backgroundMatch)) < \(thresholds.minimumBackgroundMatch) (expected \(jpegLike ? "white" : "transparent"))")
        }
        let lossy = expected.format == .jpg || expected.format == .webp || actualFormat == .jpg || actualFormat == .webp
        let minimum = lossy ? thresholds.minimumLossyPSNR : thresholds.minimumLosslessPSNR
        if report.psnr < minimum {
            report.failures.append("PSNR inside the shape \(Int(report.psnr)) dB < \(Int(minimum)) dB")
        }
        return report
    }

    static func isWhite(_ bitmap: Bitmap, _ index: Int) -> Bool {
        let p = index * 4
        return bitmap.pixels[p] >= 235 && bitmap.pixels[p + 1] >= 235 && bitmap.pixels[p + 2] >= 235
    }

}
