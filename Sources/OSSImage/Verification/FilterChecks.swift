import OSSImageProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bright` and `contrast`: the output's change of tone must be the kernel's.
///
/// The change is measured from the same process without the action (same geometry, same other
/// actions), over the meaningful area: the mean luma moves by the brightness step, the spread
/// (standard deviation) scales with the contrast. OSS does not document either curve, so the
/// output may differ from ours by ``VerificationThresholds/toneTolerance`` of the change; a
/// flipped sign, a half step or a missing step is further off than that.
enum ToneCheck {
    static func check(_ action: ImageAction, at index: Int, context: VerificationContext) throws(ImageError) -> VerificationCheck {
        let spelling = context.spelling(index)
        guard let without = try context.pictureWithout(index) else {
            return VerificationCheck(name: "tone", action: spelling, measured: "not measured", threshold: "-", passed: true,
                                     explanation: "the process without this action makes another size, so its change cannot be isolated; the pixel check stands")
        }
        let t = context.thresholds, budget = context.budget
        let base = try Measures.lumaStatistics(without, offset: .zero, mask: context.meaningful, budget: budget)
        let ours = try Measures.lumaStatistics(context.reference, offset: .zero, mask: context.meaningful, budget: budget)
        let theirs = try Measures.lumaStatistics(context.actual, offset: context.offset, mask: context.meaningful, budget: budget)
        let expectedShift = ours.mean - base.mean, actualShift = theirs.mean - base.mean
        // Spread ratios in logs (+1 keeps a flat image finite).
        let expectedScale = log((ours.spread + 1) / (base.spread + 1)), actualScale = log((theirs.spread + 1) / (base.spread + 1))
        let meanBar = max(t.toneTolerance * abs(expectedShift), t.toneMeanFloor)
        let spreadBar = max(t.toneTolerance * abs(expectedScale), t.toneSpreadFloor)
        // OSS does not say about which level contrast pivots: ours turns about mid-grey, another
        // implementation about the image's mean (which keeps the mean). Any shift between the
        // two is right for contrast; the spread says whether the contrast is.
        let meanOK: Bool
        if case .contrast = action {
            meanOK = actualShift >= min(0, expectedShift) - meanBar && actualShift <= max(0, expectedShift) + meanBar
        } else {
            meanOK = abs(actualShift - expectedShift) <= meanBar
        }
        let spreadOK = abs(actualScale - expectedScale) <= spreadBar
        func ratio(_ logValue: Double) -> String { "×" + VerificationReport.fixed(exp(logValue), decimals: 2) }
        let measured = "mean \(VerificationReport.signed(actualShift)), spread \(ratio(actualScale))"
        let meanRange: String
        if case .contrast = action {
            meanRange = "mean 0 to \(VerificationReport.signed(expectedShift)) ± \(VerificationReport.fixed(meanBar, decimals: 1))"
        } else {
            meanRange = "mean \(VerificationReport.signed(expectedShift)) ± \(VerificationReport.fixed(meanBar, decimals: 1))"
        }
        let threshold = "\(meanRange), spread \(ratio(expectedScale)) ± \(VerificationReport.fixed(spreadBar, decimals: 2)) in log"
        var problems: [String] = []
        if !meanOK {
            problems.append(expectedShift.sign != actualShift.sign && abs(expectedShift) > t.toneMeanFloor
                            ? "the brightness moved the other way" : "the brightness moved \(VerificationReport.signed(actualShift)) where ours moved \(VerificationReport.signed(expectedShift))")
        }
        if !spreadOK {
            problems.append(expectedScale.sign != actualScale.sign && abs(expectedScale) > t.toneSpreadFloor
                            ? "the contrast changed the other way" : "the contrast scaled \(ratio(actualScale)) where ours scaled \(ratio(expectedScale))")
        }
        let explanation = problems.isEmpty
            ? "luma against the same process without \(action.name): the same change as ours"
            : problems.joined(separator: "; ")
        return VerificationCheck(name: "tone", action: spelling, measured: measured, value: actualShift, threshold: threshold,
                                 passed: meanOK && spreadOK, explanation: explanation)
    }
}

/// `blur` and `sharpen`: the output's change of sharpness must be the kernel's, at every scale.
///
/// Sharpness at a scale is the mean luma difference between neighbours (across and down) over
/// the meaningful area, measured in the output, in ours, and in the same process without the
/// action: between pixels 1 and 4 px apart, and between the means of neighbouring 8 × 8 blocks
/// (where noise and fine texture have averaged out). Its change (in logs, from the process without the
/// action) must be ours times ``VerificationThresholds/sharpnessRatio`` (OSS documents neither
/// its Gaussian's window nor its sharpen's strength), or within
/// ``VerificationThresholds/sharpnessFloor`` of ours (JPEG noise alone moves it that much). One
/// scale is not enough: a blur of any strength flattens a photograph's finest detail alike, so a
/// far too strong blur is told from ours only at the coarser scales, and a missing sharpen only
/// at the finer ones.
enum SharpnessCheck {
    /// Pixel steps; 0 stands for the 8 × 8 block means.
    static let scales = [1, 4, 0]

    static func sharpness(_ picture: Picture, offset: Offset, mask: Mask, scale: Int, budget: ImageWorkBudget) throws(ImageError) -> Double {
        scale == 0 ? try Measures.blockSharpness(picture, offset: offset, mask: mask, factor: 8, budget: budget)
            : try Measures.sharpness(picture, offset: offset, mask: mask, step: scale, budget: budget)
    }

    static func check(_ action: ImageAction, at index: Int, context: VerificationContext) throws(ImageError) -> VerificationCheck {
        let spelling = context.spelling(index)
        guard let without = try context.pictureWithout(index) else {
            return VerificationCheck(name: "sharpness", action: spelling, measured: "not measured", threshold: "-", passed: true,
                                     explanation: "the process without this action makes another size, so its change cannot be isolated; the pixel check stands")
        }
        let budget = context.budget, t = context.thresholds
        var measured: [String] = [], expected: [String] = [], problems: [String] = []
        var worst = 0.0
        for scale in scales {
            let base = try sharpness(without, offset: .zero, mask: context.meaningful, scale: scale, budget: budget)
            let ours = try sharpness(context.reference, offset: .zero, mask: context.meaningful, scale: scale, budget: budget)
            let theirs = try sharpness(context.actual, offset: context.offset, mask: context.meaningful, scale: scale, budget: budget)
            let expectedChange = log((ours + 0.05) / (base + 0.05)), actualChange = log((theirs + 0.05) / (base + 0.05))
            let miss = abs(actualChange - expectedChange)
            let ratio = abs(expectedChange) > t.sharpnessFloor ? actualChange / expectedChange : 1
            worst = max(worst, miss)
            measured.append("×\(VerificationReport.fixed(exp(actualChange), decimals: 2)) at \(scale == 0 ? "8 px blocks" : "\(scale) px")")
            expected.append("×\(VerificationReport.fixed(exp(expectedChange), decimals: 2))")
            guard miss > t.sharpnessFloor, !t.sharpnessRatio.contains(ratio) || abs(expectedChange) <= t.sharpnessFloor else { continue }
            let direction = action.name == "blur" ? -1.0 : 1.0
            if abs(actualChange) < t.sharpnessFloor && abs(expectedChange) > t.sharpnessFloor {
                problems.append("at \(scale == 0 ? "8 px blocks" : "\(scale) px") the output does not \(action.name) (gradient ×\(VerificationReport.fixed(exp(actualChange), decimals: 2)), ours ×\(VerificationReport.fixed(exp(expectedChange), decimals: 2)))")
            } else if (actualChange - expectedChange) * direction > 0 {
                problems.append("at \(scale == 0 ? "8 px blocks" : "\(scale) px") the output \(action.name == "blur" ? "blurs" : "sharpens") far more than ours (gradient ×\(VerificationReport.fixed(exp(actualChange), decimals: 2)), ours ×\(VerificationReport.fixed(exp(expectedChange), decimals: 2)))")
            } else {
                problems.append("at \(scale == 0 ? "8 px blocks" : "\(scale) px") the output \(action.name == "blur" ? "blurs" : "sharpens") far less than ours (gradient ×\(VerificationReport.fixed(exp(actualChange), decimals: 2)), ours ×\(VerificationReport.fixed(exp(expectedChange), decimals: 2)))")
            }
        }
        let threshold = "ours (\(expected.joined(separator: ", "))), in log ×\(VerificationReport.fixed(t.sharpnessRatio.lowerBound, decimals: 1))...\(VerificationReport.fixed(t.sharpnessRatio.upperBound, decimals: 1)) or ±\(VerificationReport.fixed(t.sharpnessFloor, decimals: 2))"
        return VerificationCheck(name: "sharpness", action: spelling, measured: measured.joined(separator: ", "), value: worst,
                                 threshold: threshold, passed: problems.isEmpty,
                                 explanation: problems.isEmpty ? "luma gradients against the same process without \(action.name): \(action.name == "blur" ? "blurs" : "sharpens") as ours does at every scale"
                                     : problems.joined(separator: "; "))
    }
}

/// `resize,m_pad`'s fill: the area the pad colour covers in ours must be that colour in the output.
///
/// The area is found by running the process again with every pad colour changed: the pixels that
/// change are the pad's, wherever later actions moved them. Its edge band is left out (the image
/// on it may sit a pixel away).
enum FillCheck {
    static func check(context: VerificationContext) throws(ImageError) -> VerificationCheck {
        let budget = context.budget, t = context.thresholds
        let changed = context.actions.map { action -> ImageAction in
            guard case var .resize(resize) = action, resize.mode == .pad else { return action }
            let (r, g, b) = ImageKernels.hexColor(resize.color)
            resize.color = hex(r ^ 0x80) + hex(g ^ 0x80) + hex(b ^ 0x80)
            return .resize(resize)
        }
        let plain = try context.kernel.picture(context.actions + [.format(.png)], channels: 4)
        let other = try context.kernel.picture(changed + [.format(.png)], channels: 4)
        let width = context.reference.width, height = context.reference.height
        guard plain.width == width, plain.height == height, other.width == width, other.height == height else {
            return VerificationCheck(name: "fill", measured: "not measured", threshold: "-", passed: true, explanation: "the pad's area could not be isolated")
        }
        var fill = Mask(width: width, height: height, value: false)
        for i in 0..<fill.bits.count {
            var differs = false
            for c in 0..<3 where abs(Int(plain.rgb[i * 3 + c]) - Int(other.rgb[i * 3 + c])) > 64 { differs = true }
            fill.bits[i] = differs
        }
        fill = try fill.eroded(by: context.band, budget: budget)
        var total = 0, matched = 0
        for i in 0..<fill.bits.count where fill.bits[i] {
            total += 1
            var close = true
            for c in 0..<3 where abs(Int(plain.rgb[i * 3 + c]) - Int(context.actual.rgb[i * 3 + c])) > t.fillTolerance { close = false }
            if close { matched += 1 }
        }
        let colour = context.actions.compactMap { action -> String? in
            if case let .resize(resize) = action, resize.mode == .pad { return resize.color } else { return nil }
        }.last ?? "FFFFFF"
        guard total > 0 else {
            return VerificationCheck(name: "fill", measured: "no pad area", threshold: "-", passed: true,
                                     explanation: "the image fills the pad's box: there is no colour to check")
        }
        let share = Double(matched) / Double(total)
        let passed = share >= t.minimumFillMatch
        return VerificationCheck(name: "fill", measured: VerificationReport.fixed(share * 100, decimals: 1) + "% #\(colour.uppercased())", value: share,
                                 threshold: ">= \(VerificationReport.fixed(t.minimumFillMatch * 100, decimals: 0))% within \(t.fillTolerance) levels",
                                 passed: passed,
                                 explanation: passed ? "the pad area (\(total) pixels off its edge) is the colour asked for"
                                     : "the pad area (\(total) pixels off its edge) is not #\(colour.uppercased()): wrong pad colour")
    }

    static func hex(_ value: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(value >> 4)], digits[Int(value & 15)]])
    }
}
