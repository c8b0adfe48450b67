import OSSImageProcess

/// A pixel rectangle, bounds inclusive.
struct PixelBox: Hashable {
    var minX: Int, minY: Int, maxX: Int, maxY: Int

    /// The box grown by `margin` each side, cut to a `width` × `height` canvas.
    func expanded(by margin: Int, width: Int, height: Int) -> PixelBox {
        PixelBox(minX: max(0, minX - margin), minY: max(0, minY - margin),
                 maxX: min(width - 1, maxX + margin), maxY: min(height - 1, maxY + margin))
    }

    func contains(_ x: Int, _ y: Int) -> Bool { x >= minX && x <= maxX && y >= minY && y <= maxY }

    /// Twice the centre (whole pixels, no rounding).
    var doubledCentre: (x: Int, y: Int) { (minX + maxX, minY + maxY) }

    var description: String { "(\(minX), \(minY))-(\(maxX), \(maxY))" }
}

/// Where one watermark action put ink in our kernel's output: the pixels that differ between the
/// process run with the action and without it.
///
/// The difference is taken per pixel as the largest channel's, then averaged over 3 × 3 pixels,
/// so that a lossy encoder's noise (fine-grained) stays below the threshold and a stroke of text
/// (a few pixels wide) does not.
struct MarkInk {
    /// The action's index in the process's actions.
    let index: Int
    /// Our picture of the same process without the action.
    let without: Picture
    /// The smoothed difference, ours against `without`, per pixel.
    let difference: [UInt8]
    /// The difference above which a pixel counts as ink, ours or theirs.
    let threshold: Int
    /// How many pixels of ours are ink.
    let count: Int
    /// The bounding box of our ink; nil when the mark changes no pixel that much.
    let box: PixelBox?
    /// The 99th percentile of our difference: how strongly the mark shows.
    let strength: Int
    /// How far the server's ink may sit from ours (a pixel of rounding, and for text the other
    /// font's side bearings and descender).
    let slack: Int

    /// The smallest 99th-percentile difference of a mark that can be told from encoder noise.
    static let faintest = 40

    /// Each watermark's ink in our output, by action index; nil for a watermark whose effect
    /// cannot be isolated (the process without it makes another size).
    static func find(actions: [ImageAction], reference: Picture, kernel: KernelRunner, transparent: Bool,
                     thresholds: VerificationThresholds) throws(ImageError) -> [Int: MarkInk] {
        var marks: [Int: MarkInk] = [:]
        for (index, action) in actions.enumerated() {
            guard case let .watermark(watermark) = action else { continue }
            var others = actions
            others.remove(at: index)
            let without = try kernel.picture(others, channels: transparent ? 4 : 3)
            guard without.width == reference.width, without.height == reference.height else { continue }
            let difference = try smoothedDifference(reference, without, offset: .zero, budget: kernel.budget)
            let strength = percentile99(difference, above: 8)
            let threshold = min(64, max(20, strength * 2 / 5))
            var count = 0, box: PixelBox?
            for y in 0..<reference.height {
                for x in 0..<reference.width where Int(difference[y * reference.width + x]) > threshold {
                    count += 1
                    if var b = box {
                        b.minX = min(b.minX, x); b.maxX = max(b.maxX, x); b.minY = min(b.minY, y); b.maxY = max(b.maxY, y)
                        box = b
                    } else {
                        box = PixelBox(minX: x, minY: y, maxX: x, maxY: y)
                    }
                }
            }
            let textSlack = watermark.text.map { ($0.size ?? 40) / 8 } ?? 0
            marks[index] = MarkInk(index: index, without: without, difference: difference, threshold: threshold, count: count,
                                   box: strength >= faintest ? box : nil, strength: strength,
                                   slack: thresholds.placementAllowance + 1 + textSlack)
        }
        return marks
    }

    /// max over channels of |a(x + dx, y + dy) − b(x, y)|, averaged over 3 × 3; 0 where `a` has
    /// no pixel. Linear in the pixels.
    static func smoothedDifference(_ a: Picture, _ b: Picture, offset: Offset, budget: ImageWorkBudget) throws(ImageError) -> [UInt8] {
        let width = b.width, height = b.height
        // Four bytes a pixel in all (a difference, a row sum, the result): the verifier of a
        // 12 MP image holds tens of MB here, not hundreds.
        var raw = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            try budget.checkpoint()
            let ay = y + offset.dy
            guard ay >= 0, ay < a.height else { continue }
            for x in 0..<width {
                let ax = x + offset.dx
                guard ax >= 0, ax < a.width else { continue }
                let i = (y * width + x) * 3, j = (ay * a.width + ax) * 3
                var largest = 0
                for c in 0..<3 { largest = max(largest, abs(Int(a.rgb[j + c]) - Int(b.rgb[i + c]))) }
                raw[y * width + x] = UInt8(largest)
            }
        }
        // Separable 3 × 3 mean, edges averaged over the pixels that exist.
        var rows = [UInt16](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0
                for dx in -1...1 where x + dx >= 0 && x + dx < width { sum += Int(raw[y * width + x + dx]) }
                rows[y * width + x] = UInt16(sum)
            }
        }
        var out = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            try budget.checkpoint()
            let rowsAround = (y > 0 ? 1 : 0) + 1 + (y + 1 < height ? 1 : 0)
            for x in 0..<width {
                let columnsAround = (x > 0 ? 1 : 0) + 1 + (x + 1 < width ? 1 : 0)
                var sum = 0
                for dy in -1...1 where y + dy >= 0 && y + dy < height { sum += Int(rows[(y + dy) * width + x]) }
                let n = rowsAround * columnsAround
                out[y * width + x] = UInt8(min(255, (sum + n / 2) / n))
            }
        }
        return out
    }

    /// The 99th percentile of the values above `floor` (0 when there are none).
    static func percentile99(_ values: [UInt8], above floor: Int) -> Int {
        var histogram = [Int](repeating: 0, count: 256)
        for value in values where Int(value) > floor { histogram[Int(value)] += 1 }
        let total = histogram.reduce(0, +)
        guard total > 0 else { return 0 }
        var seen = 0
        for value in 0..<256 {
            seen += histogram[value]
            if seen * 100 >= total * 99 { return value }
        }
        return 255
    }
}

/// `watermark`: the mark must be there, where ours is, in our colour.
///
/// OSS's fonts (FangZheng) are not Debian's, so the ink of a text mark is not compared pixel by
/// pixel (the pixel check leaves the mark's box out). Instead, with our ink found as
/// ``MarkInk`` describes and the server's found the same way (its output against our process
/// without the mark):
/// - presence: the server's ink inside our mark's box (grown by the slack) is
///   ``VerificationThresholds/markInk`` of ours: none is a missing mark, far more a larger one;
/// - placement: little of the server's ink lies outside that box
///   (``VerificationThresholds/maximumStrayInk`` of ours), and the edges the gravity anchors (the
///   right and bottom ones for `se`, the centre for `center`...) are within the slack of ours;
///   a tiled (`fill_1`) mark covers the image and has no edge to anchor;
/// - colour: the mean colours of each mark's strongest ink are within
///   ``VerificationThresholds/maximumMarkColourDistance``.
enum WatermarkCheck {
    static func checks(_ watermark: Watermark, at index: Int, context: VerificationContext) throws(ImageError) -> [VerificationCheck] {
        let spelling = context.spelling(index)
        guard let mark = context.marks[index] else {
            return [VerificationCheck(name: "watermark", action: spelling, measured: "not measured", threshold: "-", passed: true,
                                      explanation: "the process without this watermark makes another size, so its mark cannot be isolated; the pixel check stands")]
        }
        guard let box = mark.box else {
            return [VerificationCheck(name: "watermark", action: spelling, measured: "not measured", threshold: "-", passed: true,
                                      explanation: "our mark changes no pixel by \(MarkInk.faintest) levels (faint, or off the image): too faint to tell from encoder noise")]
        }
        let t = context.thresholds, width = context.reference.width, height = context.reference.height
        let theirs = try MarkInk.smoothedDifference(context.actual, mark.without, offset: context.offset, budget: context.budget)
        let grown = box.expanded(by: mark.slack, width: width, height: height)
        var inside = 0, outside = 0, theirBox: PixelBox?
        var ourColour = [0, 0, 0], theirColour = [0, 0, 0], shared = 0
        let strong = max(mark.threshold, mark.strength * 3 / 5)
        for y in 0..<height {
            try context.budget.checkpoint()
            for x in 0..<width {
                let i = y * width + x
                guard Int(theirs[i]) > mark.threshold else { continue }
                if grown.contains(x, y) { inside += 1 } else { outside += 1 }
                if var b = theirBox {
                    b.minX = min(b.minX, x); b.maxX = max(b.maxX, x); b.minY = min(b.minY, y); b.maxY = max(b.maxY, y)
                    theirBox = b
                } else {
                    theirBox = PixelBox(minX: x, minY: y, maxX: x, maxY: y)
                }
            }
        }
        // Colour: each mark's own strongest ink (the fonts' strokes differ, so the same pixels
        // are not both strong), theirs inside our grown box.
        var theirHistogram = [Int](repeating: 0, count: 256), theirTotal = 0
        for y in grown.minY...grown.maxY {
            for x in grown.minX...grown.maxX where Int(theirs[y * width + x]) > mark.threshold {
                theirHistogram[Int(theirs[y * width + x])] += 1
                theirTotal += 1
            }
        }
        var theirStrong = 255, seen = 0
        for value in 0..<256 where theirTotal > 0 {
            seen += theirHistogram[value]
            if seen * 100 >= theirTotal * 99 { theirStrong = value; break }
        }
        theirStrong = max(mark.threshold + 1, theirStrong * 3 / 5)
        var ourShare = 0, theirShare = 0
        for y in grown.minY...grown.maxY {
            try context.budget.checkpoint()
            for x in grown.minX...grown.maxX {
                let i = y * width + x
                if Int(mark.difference[i]) >= strong {
                    ourShare += 1
                    for c in 0..<3 { ourColour[c] += Int(context.reference.rgb[i * 3 + c]) }
                }
                let ax = x + context.offset.dx, ay = y + context.offset.dy
                if Int(theirs[i]) >= theirStrong, ax >= 0, ax < width, ay >= 0, ay < height {
                    theirShare += 1
                    let j = ay * width + ax
                    for c in 0..<3 { theirColour[c] += Int(context.actual.rgb[j * 3 + c]) }
                }
            }
        }
        shared = min(ourShare, theirShare)
        let ours = Double(max(1, mark.count))
        let share = Double(inside) / ours, stray = Double(outside) / ours
        var checks: [VerificationCheck] = []
        let present = t.markInk.contains(share)
        let presenceExplanation: String
        if present {
            presenceExplanation = "ink (pixels \(mark.threshold) levels off the image below) in our mark's box \(grown.description): as much as ours"
        } else if share < 0.1 {
            presenceExplanation = "almost no ink where our mark is \(box.description): the watermark is missing"
        } else if share < t.markInk.lowerBound {
            presenceExplanation = "far less ink than ours in our mark's box \(grown.description): a fainter, smaller or partly missing mark"
        } else {
            presenceExplanation = "far more ink than ours in our mark's box \(grown.description): a larger or bolder mark"
        }
        checks.append(VerificationCheck(name: "watermark", action: spelling,
                                        measured: "\(inside) ink pixels, \(VerificationReport.fixed(share, decimals: 2)) of ours", value: share,
                                        threshold: "\(VerificationReport.fixed(t.markInk.lowerBound, decimals: 2))...\(VerificationReport.fixed(t.markInk.upperBound, decimals: 2)) of our \(mark.count)",
                                        passed: present, explanation: presenceExplanation))

        // Placement: stray ink, and the anchored edges.
        let tiled = watermark.text?.fill == true
        var problems: [String] = []
        if stray > t.maximumStrayInk {
            problems.append("\(outside) ink pixels (\(VerificationReport.fixed(stray, decimals: 2)) of ours) outside our mark's box" + (theirBox.map { ", the server's ink spans \($0.description)" } ?? ""))
        }
        var measured = theirBox?.description ?? "no ink"
        if !tiled, let theirBox, present {
            let rotated = (watermark.text?.rotate ?? 0) % 360 != 0
            let gravity = watermark.gravity ?? .southEast
            let slack = mark.slack * (rotated ? 2 : 1)
            func compare(_ name: String, _ ourEdge: Int, _ theirEdge: Int, doubled: Bool = false) {
                let difference = doubled ? (theirEdge - ourEdge) / 2 : theirEdge - ourEdge
                if abs(difference) > slack { problems.append("its \(name) is \(ImageVerifier.signedPixels(difference)) from ours") }
            }
            switch (rotated, gravity) {
            case (true, _), (false, .north), (false, .center), (false, .south):
                compare("centre (across)", box.doubledCentre.x, theirBox.doubledCentre.x, doubled: true)
            case (false, .northWest), (false, .west), (false, .southWest):
                compare("left edge", box.minX, theirBox.minX)
            case (false, .northEast), (false, .east), (false, .southEast):
                compare("right edge", box.maxX, theirBox.maxX)
            }
            switch (rotated, gravity) {
            case (true, _), (false, .west), (false, .center), (false, .east):
                compare("centre (down)", box.doubledCentre.y, theirBox.doubledCentre.y, doubled: true)
            case (false, .northWest), (false, .north), (false, .northEast):
                compare("top edge", box.minY, theirBox.minY)
            case (false, .southWest), (false, .south), (false, .southEast):
                compare("bottom edge", box.maxY, theirBox.maxY)
            }
            measured += " against ours \(box.description)"
        }
        let anchor = tiled ? "a tiled mark: stray ink only" : "gravity \(watermark.gravity?.rawValue ?? "se"): its anchored edges within \(mark.slack) px"
        checks.append(VerificationCheck(name: "watermark placement", action: spelling, measured: measured, value: stray,
                                        threshold: "stray ink <= \(VerificationReport.fixed(t.maximumStrayInk, decimals: 2)) of ours; \(anchor)",
                                        passed: problems.isEmpty,
                                        explanation: problems.isEmpty ? "the server's ink is where ours is" : "misplaced mark: " + problems.joined(separator: "; ")))

        // Colour, where both have strong ink.
        if shared >= 10 {
            var squares = 0.0
            for c in 0..<3 {
                let d = Double(theirColour[c]) / Double(theirShare) - Double(ourColour[c]) / Double(ourShare)
                squares += d * d
            }
            let distance = squares.squareRoot()
            let passed = distance <= t.maximumMarkColourDistance
            func hex(_ sums: [Int], _ n: Int) -> String { "#" + sums.map { FillCheck.hex(UInt8(clamping: ($0 + n / 2) / n)) }.joined() }
            checks.append(VerificationCheck(name: "watermark colour", action: spelling, measured: "\(hex(theirColour, theirShare)), distance \(VerificationReport.fixed(distance, decimals: 1))",
                                            value: distance, threshold: "<= \(VerificationReport.fixed(t.maximumMarkColourDistance, decimals: 0)) from ours \(hex(ourColour, ourShare))",
                                            passed: passed,
                                            explanation: "mean colour of each mark's strongest ink (\(theirShare) pixels of theirs, \(ourShare) of ours)" + (passed ? "" : ": another colour or opacity")))
        }
        return checks
    }
}
