#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the server's content sits relative to ours: actual pixel `(x + dx, y + dy)` shows what
/// our pixel `(x, y)` shows.
struct Offset: Hashable {
    var dx: Int
    var dy: Int
    static let zero = Offset(dx: 0, dy: 0)
    var description: String { "(\(dx >= 0 ? "+" : "")\(dx), \(dy >= 0 ? "+" : "")\(dy)) px" }
}

/// The measures the checks compare, each over the pixels of a mask (in our canvas) and, for the
/// server's picture, at an offset. Every loop is linear in the pixels and looks at the budget
/// once a row.
enum Measures {
    /// PSNR of the RGB samples over `mask`, the actual picture read at `offset`; infinity when
    /// identical, 0 when no pixel is compared.
    static func psnr(_ reference: Picture, _ actual: Picture, offset: Offset, mask: Mask, budget: ImageWorkBudget) throws(ImageError) -> (psnr: Double, pixels: Int) {
        var squared = 0.0, pixels = 0
        try forEachPair(reference, actual, offset: offset, mask: mask, budget: budget) { r, a in
            var sum = 0
            for c in 0..<3 {
                let d = Int(reference.rgb[r * 3 + c]) - Int(actual.rgb[a * 3 + c])
                sum += d * d
            }
            squared += Double(sum)
            pixels += 1
        }
        guard pixels > 0 else { return (0, 0) }
        let mse = squared / Double(pixels * 3)
        return (mse == 0 ? .infinity : 10 * log10(255 * 255 / mse), pixels)
    }

    /// Mean and standard deviation of luma over `mask`, the picture read at `offset`.
    static func lumaStatistics(_ picture: Picture, offset: Offset, mask: Mask, budget: ImageWorkBudget) throws(ImageError) -> (mean: Double, spread: Double) {
        var sum = 0.0, squares = 0.0, count = 0
        try forEachPixel(picture, offset: offset, mask: mask, budget: budget) { index in
            let value = Double(picture.luma[index])
            sum += value
            squares += value * value
            count += 1
        }
        guard count > 0 else { return (0, 0) }
        let mean = sum / Double(count)
        return (mean, max(0, squares / Double(count) - mean * mean).squareRoot())
    }

    /// Mean luma difference between pixels `step` apart (|right − here| + |below − here|) over
    /// the pixels of `mask` whose right and lower neighbours at that step are in it too: a blur
    /// lowers it, a sharpen raises it.
    static func sharpness(_ picture: Picture, offset: Offset, mask: Mask, step: Int = 1, budget: ImageWorkBudget) throws(ImageError) -> Double {
        var total = 0, count = 0
        let width = mask.width
        guard mask.height > step, width > step else { return 0 }
        for y in 0..<(mask.height - step) {
            try budget.checkpoint()
            let py = y + offset.dy
            guard py >= 0, py + step < picture.height else { continue }
            for x in 0..<(width - step) where mask.bits[y * width + x] && mask.bits[y * width + x + step] && mask.bits[(y + step) * width + x] {
                let px = x + offset.dx
                guard px >= 0, px + step < picture.width else { continue }
                let index = py * picture.width + px
                let here = Int(picture.luma[index])
                total += abs(Int(picture.luma[index + step]) - here) + abs(Int(picture.luma[index + step * picture.width]) - here)
                count += 1
            }
        }
        return count == 0 ? 0 : Double(total) / Double(count)
    }

    /// ``sharpness(_:offset:mask:step:budget:)`` of the picture reduced to the means of
    /// `factor` × `factor` blocks (a block counts when all its pixels are in `mask`): noise and
    /// fine texture average out, so what is left is the shape of the picture at that scale.
    static func blockSharpness(_ picture: Picture, offset: Offset, mask: Mask, factor: Int, budget: ImageWorkBudget) throws(ImageError) -> Double {
        let columns = mask.width / factor, rows = mask.height / factor
        guard columns >= 2, rows >= 2 else { return 0 }
        var means = [Double](repeating: 0, count: columns * rows), valid = [Bool](repeating: false, count: columns * rows)
        for row in 0..<rows {
            try budget.checkpoint()
            for column in 0..<columns {
                var sum = 0, complete = true
                for y in (row * factor)..<((row + 1) * factor) where complete {
                    let py = y + offset.dy
                    for x in (column * factor)..<((column + 1) * factor) {
                        let px = x + offset.dx
                        guard mask.bits[y * mask.width + x], px >= 0, px < picture.width, py >= 0, py < picture.height else { complete = false; break }
                        sum += Int(picture.luma[py * picture.width + px])
                    }
                }
                valid[row * columns + column] = complete
                means[row * columns + column] = Double(sum) / Double(factor * factor)
            }
        }
        var total = 0.0, count = 0
        for row in 0..<(rows - 1) {
            for column in 0..<(columns - 1) {
                let i = row * columns + column
                guard valid[i], valid[i + 1], valid[i + columns] else { continue }
                total += abs(means[i + 1] - means[i]) + abs(means[i + columns] - means[i])
                count += 1
            }
        }
        return count == 0 ? 0 : total / Double(count)
    }

    /// Calls `body(referenceIndex, actualIndex)` for each pixel of `mask` whose shifted position
    /// lies inside the actual picture.
    static func forEachPair(_ reference: Picture, _ actual: Picture, offset: Offset, mask: Mask, budget: ImageWorkBudget,
                            _ body: (Int, Int) -> Void) throws(ImageError) {
        for y in 0..<reference.height {
            try budget.checkpoint()
            let ay = y + offset.dy
            guard ay >= 0, ay < actual.height else { continue }
            for x in 0..<reference.width where mask.bits[y * reference.width + x] {
                let ax = x + offset.dx
                guard ax >= 0, ax < actual.width else { continue }
                body(y * reference.width + x, ay * actual.width + ax)
            }
        }
    }

    /// Calls `body(pictureIndex)` for each pixel of `mask` (in our canvas) read at `offset` in `picture`.
    static func forEachPixel(_ picture: Picture, offset: Offset, mask: Mask, budget: ImageWorkBudget, _ body: (Int) -> Void) throws(ImageError) {
        for y in 0..<mask.height {
            try budget.checkpoint()
            let py = y + offset.dy
            guard py >= 0, py < picture.height else { continue }
            for x in 0..<mask.width where mask.bits[y * mask.width + x] {
                let px = x + offset.dx
                guard px >= 0, px < picture.width else { continue }
                body(py * picture.width + px)
            }
        }
    }

    // MARK: Placement search

    /// The offset within ±`radius` px at which the actual picture's luma best matches ours, on at
    /// most 12 tiles of 64 × 64 px chosen for their detail (so a 12 MP image costs what a small
    /// one does), the mean of each tile taken out (so a change of brightness does not move it).
    /// Offsets are tried nearest first, and a farther one wins only when it is clearly better (2%),
    /// so a flat or symmetric image stays at (0, 0).
    static func bestOffset(_ reference: Picture, _ actual: Picture, mask: Mask, radius: Int, budget: ImageWorkBudget) throws(ImageError) -> (offset: Offset, tiles: Int) {
        let tiles = try detailedTiles(reference, mask: mask, margin: radius, budget: budget)
        guard !tiles.isEmpty, radius > 0 else { return (.zero, tiles.count) }
        var offsets: [Offset] = []
        for dy in -radius...radius { for dx in -radius...radius { offsets.append(Offset(dx: dx, dy: dy)) } }
        offsets.sort { max(abs($0.dx), abs($0.dy)) * 16 + abs($0.dx) + abs($0.dy) < max(abs($1.dx), abs($1.dy)) * 16 + abs($1.dx) + abs($1.dy) }
        var best = Offset.zero, bestScore = Double.infinity
        for offset in offsets {
            try budget.checkpoint()
            var score = 0.0, pixels = 0
            for tile in tiles {
                var sum = 0.0, squares = 0.0, n = 0
                for y in tile.y..<(tile.y + tile.side) {
                    let ay = y + offset.dy
                    guard ay >= 0, ay < actual.height else { continue }
                    for x in tile.x..<(tile.x + tile.side) where mask.bits[y * reference.width + x] {
                        let ax = x + offset.dx
                        guard ax >= 0, ax < actual.width else { continue }
                        let d = Double(Int(actual.luma[ay * actual.width + ax]) - Int(reference.luma[y * reference.width + x]))
                        sum += d
                        squares += d * d
                        n += 1
                    }
                }
                guard n > 0 else { continue }
                score += squares - sum * sum / Double(n)
                pixels += n
            }
            guard pixels > 0 else { continue }
            let normalised = score / Double(pixels)
            if normalised < bestScore * 0.98 || bestScore == .infinity {
                best = offset
                bestScore = normalised
            }
        }
        return (best, tiles.count)
    }

    /// Up to 12 tiles, at least `margin` px from the border, mostly inside the mask, with the
    /// most luma variance (texture says where content is; a flat sky says nothing about placement).
    static func detailedTiles(_ picture: Picture, mask: Mask, margin: Int, budget: ImageWorkBudget) throws(ImageError) -> [(x: Int, y: Int, side: Int)] {
        let usableWidth = picture.width - 2 * margin, usableHeight = picture.height - 2 * margin
        let side = min(64, usableWidth, usableHeight)
        guard side >= 4 else { return [] }
        let columns = min(8, usableWidth / side), rows = min(8, usableHeight / side)
        var candidates: [(x: Int, y: Int, side: Int, variance: Double)] = []
        for row in 0..<rows {
            for column in 0..<columns {
                try budget.checkpoint()
                // Spread evenly over the usable area.
                let x = margin + (columns == 1 ? (usableWidth - side) / 2 : column * (usableWidth - side) / (columns - 1))
                let y = margin + (rows == 1 ? (usableHeight - side) / 2 : row * (usableHeight - side) / (rows - 1))
                var sum = 0.0, squares = 0.0, n = 0
                for ty in y..<(y + side) {
                    for tx in x..<(x + side) where mask.bits[ty * picture.width + tx] {
                        let value = Double(picture.luma[ty * picture.width + tx])
                        sum += value
                        squares += value * value
                        n += 1
                    }
                }
                guard n * 2 >= side * side else { continue }
                let mean = sum / Double(n)
                candidates.append((x, y, side, squares / Double(n) - mean * mean))
            }
        }
        return candidates.sorted { $0.variance > $1.variance }.prefix(12).map { ($0.x, $0.y, $0.side) }
    }
}
