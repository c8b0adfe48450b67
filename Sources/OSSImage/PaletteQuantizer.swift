/// An image as GIF stores it: one palette index a pixel.
struct IndexedImage: Sendable, Hashable {
    var width: Int
    var height: Int
    /// RGB triplets, 1...256 of them.
    var palette: [UInt8]
    var indices: [UInt8]
    /// The index drawn as transparent, if any pixel is.
    var transparentIndex: Int?

    var colors: Int { palette.count / 3 }
}

/// Reduces RGB(A) pixels to at most 256 colours for GIF.
///
/// An image that already has at most 256 colours (a GIF decoded and re-encoded, a logo, a chart)
/// keeps exactly those. Otherwise the colours are cut by median cut over a 15-bit histogram
/// (5 bits a channel): the box with the most pixels is split at its median along its longest side
/// until there are enough boxes, and each box's colour is the mean of its pixels. Each pixel then
/// takes the nearest palette colour of its histogram cell, through a 32,768-entry table. Memory is
/// bounded (the histogram, the table and the index plane) whatever the image; no dithering, so
/// that flat areas stay flat and animation frames do not shimmer.
///
/// Pixels with alpha below 128 become the transparent index (GIF has one-bit transparency).
enum PaletteQuantizer {
    static func quantize(_ bitmap: Bitmap, budget: ImageWorkBudget) throws(ImageError) -> IndexedImage {
        try budget.checkpoint()
        let channels = bitmap.channels, count = bitmap.width * bitmap.height
        var indices = [UInt8](repeating: 0, count: count)
        var transparentSeen = false
        if channels == 4 {
            for i in 0..<count where bitmap.pixels[i * 4 + 3] < 128 { transparentSeen = true; break }
        }
        let capacity = transparentSeen ? 255 : 256
        if let exact = try exactPalette(bitmap, capacity: capacity, indices: &indices, budget: budget) {
            return finish(bitmap, palette: exact, indices: indices, transparent: transparentSeen)
        }
        let (palette, counts) = try medianCut(bitmap, capacity: capacity, budget: budget)
        // Nearest palette entry for every histogram cell that holds pixels, from the cell's centre.
        var table = [UInt8](repeating: 0, count: 1 << 15)
        let entries = palette.count / 3
        for cell in 0..<(1 << 15) where counts[cell] > 0 {
            let r = (cell >> 10) << 3 | 4, g = ((cell >> 5) & 31) << 3 | 4, b = (cell & 31) << 3 | 4
            var best = 0, bestDistance = Int.max
            for e in 0..<entries {
                let dr = r - Int(palette[e * 3]), dg = g - Int(palette[e * 3 + 1]), db = b - Int(palette[e * 3 + 2])
                let distance = 2 * dr * dr + 4 * dg * dg + 3 * db * db
                if distance < bestDistance { bestDistance = distance; best = e }
            }
            table[cell] = UInt8(best)
        }
        // Only used when there is transparency, and then there are at most 255 colours.
        let transparentIndex = UInt8(truncatingIfNeeded: entries)
        for row in 0..<bitmap.height {
            if row & 63 == 0 { try budget.checkpoint() }
            for x in 0..<bitmap.width {
                let i = row * bitmap.width + x, p = i * channels
                if channels == 4, bitmap.pixels[p + 3] < 128 { indices[i] = transparentIndex; continue }
                let cell = Int(bitmap.pixels[p] >> 3) << 10 | Int(bitmap.pixels[p + 1] >> 3) << 5 | Int(bitmap.pixels[p + 2] >> 3)
                indices[i] = table[cell]
            }
        }
        return finish(bitmap, palette: palette, indices: indices, transparent: transparentSeen)
    }

    private static func finish(_ bitmap: Bitmap, palette: [UInt8], indices: [UInt8], transparent: Bool) -> IndexedImage {
        var palette = palette
        var transparentIndex: Int?
        if transparent {
            transparentIndex = palette.count / 3
            palette += [0, 0, 0]
        }
        if palette.isEmpty { palette = [0, 0, 0] } // every pixel transparent: one entry for the index
        return IndexedImage(width: bitmap.width, height: bitmap.height, palette: palette, indices: indices, transparentIndex: transparentIndex)
    }

    /// The image's own colours when there are at most `capacity`, with `indices` filled; nil (and
    /// `indices` to be overwritten) when there are more. An open-addressed table of 1,024 slots
    /// holds the colours seen, so each pixel costs one probe or a few.
    private static func exactPalette(_ bitmap: Bitmap, capacity: Int, indices: inout [UInt8], budget: ImageWorkBudget) throws(ImageError) -> [UInt8]? {
        let slots = 1024
        var keys = [UInt32](repeating: UInt32.max, count: slots)
        var values = [UInt8](repeating: 0, count: slots)
        var palette: [UInt8] = []
        palette.reserveCapacity(capacity * 3)
        let channels = bitmap.channels
        let transparentIndex = UInt8(min(capacity, 255))
        for row in 0..<bitmap.height {
            if row & 63 == 0 { try budget.checkpoint() }
            for x in 0..<bitmap.width {
                let i = row * bitmap.width + x, p = i * channels
                if channels == 4, bitmap.pixels[p + 3] < 128 { indices[i] = transparentIndex; continue }
                let key = UInt32(bitmap.pixels[p]) << 16 | UInt32(bitmap.pixels[p + 1]) << 8 | UInt32(bitmap.pixels[p + 2])
                var slot = Int((key &* 2_654_435_761) >> 22) & (slots - 1)
                while keys[slot] != key && keys[slot] != UInt32.max { slot = (slot + 1) & (slots - 1) }
                if keys[slot] == UInt32.max {
                    guard palette.count / 3 < capacity else { return nil }
                    keys[slot] = key
                    values[slot] = UInt8(palette.count / 3)
                    palette += [bitmap.pixels[p], bitmap.pixels[p + 1], bitmap.pixels[p + 2]]
                }
                indices[i] = values[slot]
            }
        }
        // The transparent index sits right after the colours (it was written as min(capacity, 255)).
        if palette.count / 3 < Int(transparentIndex), channels == 4 {
            let actual = UInt8(palette.count / 3)
            for i in 0..<indices.count where bitmap.pixels[i * 4 + 3] < 128 { indices[i] = actual }
        }
        return palette
    }

    /// A box of histogram cells, 5-bit bounds inclusive.
    private struct Box {
        var low: (Int, Int, Int)
        var high: (Int, Int, Int)
        var pixels: Int
    }

    /// The palette, and the histogram it was cut from.
    private static func medianCut(_ bitmap: Bitmap, capacity: Int, budget: ImageWorkBudget) throws(ImageError) -> ([UInt8], [Int]) {
        var counts = [Int](repeating: 0, count: 1 << 15)
        var sums = [Int](repeating: 0, count: 3 << 15)
        let channels = bitmap.channels
        for row in 0..<bitmap.height {
            if row & 63 == 0 { try budget.checkpoint() }
            for x in 0..<bitmap.width {
                let p = (row * bitmap.width + x) * channels
                if channels == 4, bitmap.pixels[p + 3] < 128 { continue }
                let r = Int(bitmap.pixels[p]), g = Int(bitmap.pixels[p + 1]), b = Int(bitmap.pixels[p + 2])
                let cell = (r >> 3) << 10 | (g >> 3) << 5 | b >> 3
                counts[cell] += 1
                sums[cell * 3] += r; sums[cell * 3 + 1] += g; sums[cell * 3 + 2] += b
            }
        }
        func cell(_ r: Int, _ g: Int, _ b: Int) -> Int { r << 10 | g << 5 | b }
        func pixels(in box: Box) -> Int {
            var total = 0
            for r in box.low.0...box.high.0 { for g in box.low.1...box.high.1 { for b in box.low.2...box.high.2 { total += counts[cell(r, g, b)] } } }
            return total
        }
        /// The box shrunk to the cells that hold pixels.
        func shrink(_ box: Box) -> Box {
            var low = (31, 31, 31), high = (0, 0, 0)
            for r in box.low.0...box.high.0 {
                for g in box.low.1...box.high.1 {
                    for b in box.low.2...box.high.2 where counts[cell(r, g, b)] > 0 {
                        low = (min(low.0, r), min(low.1, g), min(low.2, b))
                        high = (max(high.0, r), max(high.1, g), max(high.2, b))
                    }
                }
            }
            return Box(low: low, high: high, pixels: box.pixels)
        }
        var boxes = [shrink(Box(low: (0, 0, 0), high: (31, 31, 31), pixels: counts.reduce(0, +)))]
        while boxes.count < capacity {
            try budget.checkpoint()
            // The most populous box that can still be split.
            guard let pick = boxes.indices.filter({ boxes[$0].low != boxes[$0].high }).max(by: { boxes[$0].pixels < boxes[$1].pixels }) else { break }
            let box = boxes[pick]
            let extents = [box.high.0 - box.low.0, (box.high.1 - box.low.1) * 2, box.high.2 - box.low.2] // green weighs more
            let axis = extents.firstIndex(of: extents.max()!)!
            // Pixels in each slice along the axis, then the slice where half of them is reached.
            let (from, to) = axis == 0 ? (box.low.0, box.high.0) : axis == 1 ? (box.low.1, box.high.1) : (box.low.2, box.high.2)
            var slices = [Int](repeating: 0, count: 32)
            for r in box.low.0...box.high.0 {
                for g in box.low.1...box.high.1 {
                    for b in box.low.2...box.high.2 {
                        slices[axis == 0 ? r : axis == 1 ? g : b] += counts[cell(r, g, b)]
                    }
                }
            }
            var running = 0, split = from
            for s in from..<to {
                running += slices[s]
                split = s
                if running * 2 >= box.pixels { break }
            }
            var lower = box, upper = box
            switch axis {
            case 0: lower.high.0 = split; upper.low.0 = split + 1
            case 1: lower.high.1 = split; upper.low.1 = split + 1
            default: lower.high.2 = split; upper.low.2 = split + 1
            }
            lower.pixels = pixels(in: lower)
            upper.pixels = box.pixels - lower.pixels
            boxes[pick] = shrink(lower)
            if upper.pixels > 0 { boxes.append(shrink(upper)) }
        }
        var palette: [UInt8] = []
        for box in boxes where box.pixels > 0 {
            var r = 0, g = 0, b = 0
            for cr in box.low.0...box.high.0 {
                for cg in box.low.1...box.high.1 {
                    for cb in box.low.2...box.high.2 {
                        let c = cell(cr, cg, cb)
                        r += sums[c * 3]; g += sums[c * 3 + 1]; b += sums[c * 3 + 2]
                    }
                }
            }
            palette += [UInt8((r + box.pixels / 2) / box.pixels), UInt8((g + box.pixels / 2) / box.pixels), UInt8((b + box.pixels / 2) / box.pixels)]
        }
        return (palette, counts)
    }
}

private func != (a: (Int, Int, Int), b: (Int, Int, Int)) -> Bool { a.0 != b.0 || a.1 != b.1 || a.2 != b.2 }
