import Foundation
import OSSImageProcess
import Testing

@testable import OSSImage

/// Small images and probes for watermark tests: flat backgrounds, so that every pixel the
/// watermark touches can be told from the ones it does not.
enum WatermarkProbe {
    static func flat(_ width: Int, _ height: Int, _ color: [UInt8] = [255, 255, 255]) throws -> Bitmap {
        try Bitmap(width: width, height: height, channels: color.count, fill: color)
    }

    static func png(_ bitmap: Bitmap) throws -> [UInt8] { try ImageCodecs.encode(bitmap, as: .png) }

    static func b64(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }

    /// Runs `process` on `source` and decodes the result.
    static func run(_ process: String, on source: [UInt8], images: [String: [UInt8]] = [:]) throws -> Bitmap {
        let result = try ImageProcessor.process(process, source: source, watermarkImages: images)
        return try ImageCodecs.decode(result.bytes).0
    }

    /// The bounding box (inclusive) of the pixels `isInk` picks.
    static func box(_ bitmap: Bitmap, where isInk: (UInt8, UInt8, UInt8, UInt8) -> Bool) -> (minX: Int, minY: Int, maxX: Int, maxY: Int)? {
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        let c = bitmap.channels
        for y in 0..<bitmap.height {
            for x in 0..<bitmap.width {
                let i = (y * bitmap.width + x) * c
                let p = bitmap.pixels
                if isInk(p[i], p[i + 1], p[i + 2], c == 4 ? p[i + 3] : 255) {
                    minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                }
            }
        }
        return maxX < 0 ? nil : (minX, minY, maxX, maxY)
    }

    /// Pixels darker than white by more than 24 in some channel.
    static func inkBox(_ bitmap: Bitmap) -> (minX: Int, minY: Int, maxX: Int, maxY: Int)? {
        box(bitmap) { r, g, b, _ in min(r, g, b) < 231 }
    }

    static func count(_ bitmap: Bitmap, x: Range<Int>, y: Range<Int>, where isInk: (UInt8, UInt8, UInt8) -> Bool) -> Int {
        var n = 0
        for row in y { for column in x {
            let i = (row * bitmap.width + column) * bitmap.channels
            if isInk(bitmap.pixels[i], bitmap.pixels[i + 1], bitmap.pixels[i + 2]) { n += 1 }
        } }
        return n
    }

    static func pixel(_ bitmap: Bitmap, _ x: Int, _ y: Int) -> [Int] {
        let i = (y * bitmap.width + x) * bitmap.channels
        return (0..<bitmap.channels).map { Int(bitmap.pixels[i + $0]) }
    }
}

@Suite("Text watermarks: placement, opacity, shadow, rotation, fill, fonts")
struct TextWatermarkTests {
    typealias P = WatermarkProbe
    static let hello = P.b64("Hello")
    static let white = try! P.png(P.flat(400, 300))

    @Test("the ink's box sits where gravity and the margins say", arguments: Gravity.allCases)
    func gravity(_ gravity: Gravity) throws {
        let out = try P.run("image/watermark,text_\(Self.hello),g_\(gravity.rawValue),x_10,y_20/format,png", on: Self.white)
        let box = try #require(P.inkBox(out))
        let (left, top, right, bottom) = (box.minX, box.minY, box.maxX + 1, box.maxY + 1)
        switch gravity {
        case .northWest, .west, .southWest: #expect(abs(left - 10) <= 2, "\(box)")
        case .north, .center, .south: #expect(abs(left + right - 400) <= 3, "\(box)")
        case .northEast, .east, .southEast: #expect(abs(right - 390) <= 2, "\(box)")
        }
        switch gravity {
        case .northWest, .north, .northEast: #expect(abs(top - 20) <= 2, "\(box)")
        case .west, .center, .east: #expect(abs(top + bottom - 300) <= 3, "\(box)")
        case .southWest, .south, .southEast: #expect(abs(bottom - 280) <= 2, "\(box)")
        }
    }

    @Test("fixture fact: watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ of the docs' example.jpg is a 400x267 JPEG with ink in its corner",
          .enabled(if: Fixtures.present, "needs /work/shared/fixtures/oss-image"))
    func textWatermarkFixture() throws {
        let source = try Fixtures.read("oss2-example.jpg")
        let result = try ImageProcessor.process("image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ", source: source)
        #expect(result.format == .jpg && result.contentType == "image/jpeg" && result.width == 400 && result.height == 267)
        #expect(try ImageCodecs.dimensions(result.bytes) == (400, 267, .jpg))
        // The text ("Hello 图片服务!") is drawn: the output differs from the source re-encoded.
        let plain = try ImageProcessor.process("image/quality,Q_85", source: source)
        #expect(result.bytes != plain.bytes)
    }

    @Test("g_se,x_10,y_10 is the default: the ink's bottom-right is 10 px from the corner")
    func defaults() throws {
        let out = try P.run("image/watermark,text_\(Self.hello)/format,png", on: Self.white)
        let box = try #require(P.inkBox(out))
        #expect(abs(box.maxX + 1 - 390) <= 2 && abs(box.maxY + 1 - 290) <= 2, "\(box)")
        // The default size is 40 px: "Hello" is about as tall as a capital at 40 px.
        #expect((24...34).contains(box.maxY - box.minY + 1), "\(box)")
    }

    @Test("voffset moves a west, center or east watermark along the middle line (down for positive), and nothing else")
    func verticalOffset() throws {
        for (gravity, offset) in [("center", 40), ("west", -30), ("east", 25)] {
            let box = try #require(P.inkBox(try P.run("image/watermark,text_\(Self.hello),g_\(gravity),voffset_\(offset)/format,png", on: Self.white)))
            #expect(abs(box.minY + box.maxY + 1 - (300 + 2 * offset)) <= 3, "\(gravity) \(offset): \(box)")
        }
        let se = try #require(P.inkBox(try P.run("image/watermark,text_\(Self.hello),g_se,voffset_100/format,png", on: Self.white)))
        #expect(abs(se.maxY + 1 - 290) <= 2, "voffset is ignored for se: \(se)")
    }

    @Test("t_50 halves the ink's contrast and keeps its place")
    func opacity() throws {
        let opaque = try P.run("image/watermark,text_\(Self.hello),size_60/format,png", on: Self.white)
        let half = try P.run("image/watermark,text_\(Self.hello),size_60,t_50/format,png", on: Self.white)
        let darkest = { (b: Bitmap) in b.pixels.min().map(Int.init) ?? 255 }
        #expect(darkest(opaque) <= 2)
        #expect(abs((255 - darkest(half)) * 2 - (255 - darkest(opaque))) <= 4, "\(darkest(half))")
        // Every pixel's contrast halves, not only the darkest.
        for i in stride(from: 0, to: opaque.pixels.count, by: 97) {
            #expect(abs((255 - Int(half.pixels[i])) * 2 - (255 - Int(opaque.pixels[i]))) <= 3)
        }
        let (a, b) = (P.inkBox(half)!, P.inkBox(opaque)!)
        #expect(abs(a.minX - b.minX) <= 1 && abs(a.maxX - b.maxX) <= 1 && abs(a.minY - b.minY) <= 1 && abs(a.maxY - b.maxY) <= 1, "\(a) \(b)")
        let none = try P.run("image/watermark,text_\(Self.hello),t_0/format,png", on: Self.white)
        #expect(P.inkBox(none) == nil, "t_0 draws nothing")
    }

    @Test("shadow adds dark pixels offset right and down from the ink, inside the placed box")
    func shadow() throws {
        let red = { (r: UInt8, g: UInt8, b: UInt8, _: UInt8) in r > 200 && g < 80 && b < 80 }
        let dark = { (r: UInt8, g: UInt8, b: UInt8, _: UInt8) in r < 60 && g < 60 && b < 60 }
        let plain = try P.run("image/watermark,text_\(Self.hello),color_FF0000,size_60/format,png", on: Self.white)
        #expect(P.box(plain, where: dark) == nil)
        let shaded = try P.run("image/watermark,text_\(Self.hello),color_FF0000,size_60,shadow_100/format,png", on: Self.white)
        let ink = try #require(P.box(shaded, where: red)), shade = try #require(P.box(shaded, where: dark))
        let offset = WatermarkGeometry.shadowOffset(size: 60)
        #expect(offset == 3)
        #expect(abs(shade.maxX - ink.maxX - offset) <= 1 && abs(shade.maxY - ink.maxY - offset) <= 1, "\(ink) \(shade)")
        #expect(abs(shade.maxX + 1 - 390) <= 2 && abs(shade.maxY + 1 - 290) <= 2, "the shadow is part of the placed box: \(shade)")
        // shadow_50: a grey, not a black, shadow.
        let half = try P.run("image/watermark,text_\(Self.hello),color_FF0000,size_60,shadow_50/format,png", on: Self.white)
        let greys = half.pixels.indices.filter { $0 % 3 == 0 }.filter {
            let (r, g, b) = (Int(half.pixels[$0]), Int(half.pixels[$0 + 1]), Int(half.pixels[$0 + 2]))
            return abs(r - g) < 4 && abs(g - b) < 4 && r < 250
        }.map { Int(half.pixels[$0]) }
        #expect(!greys.isEmpty)
        #expect(abs((greys.min() ?? 0) - 128) <= 6, "\(greys.min() ?? -1)")
    }

    @Test("rotate_90 turns the ink clockwise about its centre and swaps its box's sides")
    func rotation() throws {
        let text = P.b64("I.")
        let flat = try #require(P.inkBox(try P.run("image/watermark,text_\(text),size_80,g_center/format,png", on: Self.white)))
        let turned = try P.run("image/watermark,text_\(text),size_80,g_center,rotate_90/format,png", on: Self.white)
        let box = try #require(P.inkBox(turned))
        let (w0, h0) = (flat.maxX - flat.minX + 1, flat.maxY - flat.minY + 1)
        let (w1, h1) = (box.maxX - box.minX + 1, box.maxY - box.minY + 1)
        #expect(w0 > h0 / 2 && abs(w1 - h0) <= 2 && abs(h1 - w0) <= 2, "\(flat) \(box)")
        // Clockwise: the "I" (left) becomes a bar at the top, the "." (bottom right) lands bottom left.
        let midX = (box.minX + box.maxX + 1) / 2, midY = (box.minY + box.maxY + 1) / 2
        let isInk = { (r: UInt8, g: UInt8, b: UInt8) in min(r, g, b) < 128 }
        #expect(P.count(turned, x: box.minX..<midX, y: (midY + 2)..<(box.maxY + 1), where: isInk) > 0, "the dot, bottom left")
        #expect(P.count(turned, x: (midX + 2)..<(box.maxX + 1), y: (midY + 2)..<(box.maxY + 1), where: isInk) == 0, "nothing bottom right")
        // "HH" has ink in its box's four corners, so its rotated ink fills the rotated box.
        for degrees in [30, 180, 270, 359] {
            let out = try P.run("image/watermark,text_\(P.b64("HH")),size_80,g_center,rotate_\(degrees)/format,png", on: Self.white)
            let rotated = try #require(P.inkBox(out))
            #expect(abs(rotated.minX + rotated.maxX + 1 - 400) <= 4 && abs(rotated.minY + rotated.maxY + 1 - 300) <= 4, "\(degrees): centred \(rotated)")
        }
    }

    @Test("fill_1 tiles the text over the whole image; without it one corner only")
    func fill() throws {
        let tiled = try P.run("image/watermark,text_\(P.b64("Hi")),size_20,fill_1,rotate_30/format,png", on: Self.white)
        let single = try P.run("image/watermark,text_\(P.b64("Hi")),size_20/format,png", on: Self.white)
        let isInk = { (r: UInt8, g: UInt8, b: UInt8) in min(r, g, b) < 160 }
        var covered = 0
        for row in 0..<3 { for column in 0..<4 {
            let cell = (column * 100..<(column + 1) * 100, row * 100..<(row + 1) * 100)
            if P.count(tiled, x: cell.0, y: cell.1, where: isInk) > 0 { covered += 1 }
            let alone = P.count(single, x: cell.0, y: cell.1, where: isInk)
            #expect(row == 2 && column == 3 ? alone > 0 : alone == 0)
        } }
        #expect(covered == 12, "every 100 px cell of the image holds ink")
    }

    @Test("every OSS font name maps to an installed file that has CJK glyphs; FangZheng names say what stands in")
    func fonts() throws {
        #expect(WatermarkFonts.table.count == 7)
        for (name, font) in WatermarkFonts.table {
            #expect(FileManager.default.fileExists(atPath: font.path), "\(name): \(font.path) (package \(font.package))")
            #expect(name.hasPrefix("fangzheng") == (font.substitute != nil), "\(name)")
            let shaped = try ShapedText("水印图片", font: name, size: 40)
            #expect(shaped.inkWidth > 100 && shaped.inkHeight > 20, "\(name)")
            #expect(shaped.glyphCounts.missing == 0, "\(name) has the four CJK characters")
        }
        #expect(WatermarkFonts.font(named: "WQY-ZenHei") != nil, "case is not significant")
    }

    @Test("CJK, combining marks and characters no font has: shaped, rendered, never an error")
    func scripts() throws {
        let cjk = try P.run("image/watermark,text_\(P.b64("图片服务")),g_center/format,png", on: Self.white)
        #expect(P.count(cjk, x: 0..<400, y: 0..<300) { r, _, _ in r < 100 } > 300)
        let plain = try ShapedText("e", font: "wqy-zenhei", size: 60), accented = try ShapedText("e\u{301}", font: "wqy-zenhei", size: 60)
        #expect(accented.inkHeight > plain.inkHeight + 5, "the acute sits above the e")
        #expect(abs(accented.inkWidth - plain.inkWidth) <= 4, "and does not advance")
        // A mark the requested font lacks takes its letter to a font that has both (DejaVu Sans).
        let x = try ShapedText("x", font: "wqy-zenhei", size: 60), marked = try ShapedText("x\u{308}\u{301}", font: "wqy-zenhei", size: 60)
        #expect(marked.glyphCounts.missing == 0 && marked.inkHeight > x.inkHeight + 10, "\(marked.glyphCounts)")
        let missing = try ShapedText("A\u{1FAE0}B", font: "wqy-zenhei", size: 40)
        #expect(missing.glyphCounts.missing == 1 && missing.inkWidth > 30, "U+1FAE0 is in no font: a gap, and A and B drawn")
        let out = try P.run("image/watermark,text_\(P.b64("Hi 😀 مرحبا"))/format,png", on: Self.white)
        #expect(P.inkBox(out) != nil)
        let blank = try P.run("image/watermark,text_\(P.b64("   "))/format,png", on: Self.white)
        #expect(P.inkBox(blank) == nil, "spaces have no ink")
    }

    @Test("what OSS refuses in a text watermark is a 400 naming the parameter")
    func refusals() throws {
        func error(_ process: String) -> ImageError? {
            do { _ = try ImageProcessor.process(process, source: Self.white); return nil } catch { return error }
        }
        let font = error("image/watermark,text_\(Self.hello),type_\(P.b64("comic-sans"))")
        #expect(font?.status == 400 && font?.message.contains("type") == true, "\(String(describing: font))")
        let long = error("image/watermark,text_\(P.b64(String(repeating: "字", count: 65)))")
        #expect(long?.status == 400 && long?.message.contains("64") == true, "\(String(describing: long))")
        #expect(error("image/watermark,text_\(P.b64(String(repeating: "字", count: 64)))") == nil)
        // Combining marks piled on one letter (DejaVu Sans stacks them) under a wide line: the ink
        // would grow with every mark, so it is refused.
        let pile = String(repeating: "W", count: 32) + "a" + String(repeating: "\u{301}", count: 31)
        let stacked = error("image/watermark,text_\(P.b64(pile)),size_1000")
        #expect(stacked?.status == 400 && stacked?.message.contains("stacked") == true, "\(String(describing: stacked))")
        #expect(error("image/watermark,text_\(P.b64("Tiếng Việt ệ ẫ"))") == nil, "a few marks a letter are ordinary text")
    }

    @Test("alpha: a transparent PNG keeps its transparency around the ink; JPEG flattens onto white after compositing")
    func alpha() throws {
        let clear = try P.png(P.flat(200, 100, [0, 0, 0, 0]))
        let png = try P.run("image/watermark,text_\(Self.hello),g_center/format,png", on: clear)
        #expect(png.channels == 4)
        #expect(P.pixel(png, 0, 0)[3] == 0 && P.pixel(png, 199, 99)[3] == 0)
        let opaque = P.box(png) { r, g, b, a in a == 255 && max(r, g, b) < 8 }
        #expect(opaque != nil, "full-coverage ink is opaque black")
        let half = try P.run("image/watermark,text_\(Self.hello),g_center,t_50/format,png", on: clear)
        #expect((120...135).contains(half.pixels.enumerated().filter { $0.offset % 4 == 3 }.map(\.element).max() ?? 0), "t_50 over nothing: half alpha")
        let jpeg = try P.run("image/watermark,text_\(Self.hello),g_center/format,jpg", on: clear)
        #expect(jpeg.channels == 3)
        #expect(P.pixel(jpeg, 0, 0).allSatisfy { $0 >= 250 } && (jpeg.pixels.min() ?? 255) < 40)
        let webp = try P.run("image/watermark,text_\(Self.hello),g_center/format,webp", on: clear)
        #expect(webp.channels == 4 && P.pixel(webp, 0, 0)[3] == 0)
    }

    static let example: [UInt8]? = LocalProcessTests.example

    // The docs' example.jpg is read from ../shared/fixtures/oss-image when that folder exists
    // (it is never copied into the repository); without it this test reports itself skipped.
    @Test("the SDKs' Chinese text watermark on example.jpg: 400x267 JPG, ink in the south-east corner",
          .enabled(if: example != nil, "the fixture folder ../shared/fixtures/oss-image is absent"))
    func fixture() throws {
        let source = try #require(Self.example)
        let result = try ImageProcessor.process("image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ", source: source)
        #expect(result.format == .jpg && result.width == 400 && result.height == 267)
        let before = try ImageCodecs.decode(source).0, after = try ImageCodecs.decode(result.bytes).0
        var changed = Bitmap(trustedWidth: 400, height: 267, channels: 3, pixels: [UInt8](repeating: 255, count: 400 * 267 * 3))
        for i in 0..<after.pixels.count where abs(Int(after.pixels[i]) - Int(before.pixels[i])) > 80 { changed.pixels[i] = 0 }
        let box = try #require(P.inkBox(changed))
        // "Hello 图片服务!" at 40 px is about 265 px wide: it starts left of the middle.
        #expect(box.minX + box.maxX > 400 && box.minY >= 133 && box.maxX - box.minX < 300, "the lower right: \(box)")
        #expect(abs(box.maxX + 1 - 390) <= 3 && abs(box.maxY + 1 - 257) <= 3, "10 px from the corner: \(box)")
    }

    @Test("planning counts the text's mask; the watermark leaves the size alone")
    func planning() throws {
        let plain = try ImageProcessor.estimatedWorkingBytes("image/format,png", source: Self.white)
        let marked = try ImageProcessor.estimatedWorkingBytes("image/watermark,text_\(Self.hello),size_1000/format,png", source: Self.white)
        let mask = try ShapedText("Hello", font: "wqy-zenhei", size: 1000)
        // The source, the image and the copy drawn on, and the mask.
        #expect(marked >= Self.white.count + 2 * 400 * 300 * 3 + mask.inkWidth * mask.inkHeight, "\(marked)")
        #expect(marked > plain)
        let result = try ImageProcessor.process("image/watermark,text_\(Self.hello),fill_1/format,png", source: Self.white)
        #expect(result.width == 400 && result.height == 300)
    }
}

@Suite("Image watermarks and text with image")
struct ImageWatermarkTests {
    typealias P = WatermarkProbe
    static let white = try! P.png(P.flat(300, 200))
    static let red = try! P.png(P.flat(40, 30, [255, 0, 0]))
    static let images = ["logo.png": red]
    static let logo = P.b64("logo.png")

    @Test("an image watermark lands at its place with its opacity, and nowhere else")
    func placement() throws {
        let out = try P.run("image/watermark,image_\(Self.logo),g_nw,x_5,y_7,t_50/format,png", on: Self.white, images: Self.images)
        for y in 0..<200 { for x in 0..<300 {
            let inside = (5..<45).contains(x) && (7..<37).contains(y)
            let expected = inside ? [255, 128, 128] : [255, 255, 255]
            let actual = P.pixel(out, x, y)
            guard zip(actual, expected).allSatisfy({ abs($0 - $1) <= 1 }) else {
                Issue.record("(\(x), \(y)): \(actual), expected \(expected)")
                return
            }
        } }
        let corner = try P.run("image/watermark,image_\(Self.logo)/format,png", on: Self.white, images: Self.images)
        #expect(P.box(corner) { r, g, _, _ in r > 200 && g < 60 }! == (250, 160, 289, 189), "g_se,x_10,y_10 by default")
    }

    @Test("a watermark image's own alpha is kept: 50% alpha red over white is pink")
    func ownAlpha() throws {
        let translucent = try P.png(P.flat(20, 20, [255, 0, 0, 128]))
        let out = try P.run("image/watermark,image_\(P.b64("a.png")),g_nw,x_0,y_0/format,png", on: Self.white, images: ["a.png": translucent])
        #expect(zip(P.pixel(out, 10, 10), [255, 127, 127]).allSatisfy { abs($0 - $1) <= 1 }, "\(P.pixel(out, 10, 10))")
    }

    @Test("the watermark image's own process runs first; P_ sizes it relative to the image below")
    func nestedProcess() throws {
        let wide = try P.png(P.flat(100, 50, [0, 0, 255]))
        let blue = { (r: UInt8, g: UInt8, b: UInt8, _: UInt8) in b > 200 && r < 60 && g < 60 }
        let reference = P.b64("wide.png?x-oss-process=image/resize,P_20")
        let out = try P.run("image/watermark,image_\(reference)/format,png", on: Self.white, images: ["wide.png": wide])
        // 20% of 300x200 is a 60x40 box; the 2:1 watermark fits it at 60x30.
        #expect(P.box(out, where: blue)! == (230, 160, 289, 189))
        let cropped = P.b64("wide.png?x-oss-process=image/crop,w_30,h_20/rotate,90")
        let turned = try P.run("image/watermark,image_\(cropped),g_nw,x_0,y_0/format,png", on: Self.white, images: ["wide.png": wide])
        #expect(P.box(turned, where: blue)! == (0, 0, 19, 29))
        let typed = ImageProcess.watermark(Watermark(image: ImageWatermark(key: "wide.png", process: .resize(Resize(percentOfBase: 10))), gravity: .northWest))
        #expect(P.box(try P.run(typed.description + "/format,png", on: Self.white, images: ["wide.png": wide]), where: blue)! == (10, 10, 39, 24))
    }

    @Test("text and image: order, align and interval place them side by side as documented")
    func textWithImage() throws {
        let tall = try P.png(P.flat(40, 60, [255, 0, 0]))
        let images = ["tall.png": tall]
        let shaped = try ShapedText("Hi", font: "wqy-zenhei", size: 30)
        let red = { (r: UInt8, g: UInt8, b: UInt8, _: UInt8) in r > 200 && g < 60 && b < 60 }
        let black = { (r: UInt8, g: UInt8, b: UInt8, _: UInt8) in r < 100 && g < 100 && b < 100 }
        func layout(_ parameters: String) throws -> (image: (Int, Int, Int, Int), text: (Int, Int, Int, Int)) {
            let out = try P.run("image/watermark,image_\(P.b64("tall.png")),text_\(P.b64("Hi")),size_30,g_nw,x_10,y_10,interval_12,\(parameters)/format,png",
                                on: Self.white, images: images)
            let image = try #require(P.box(out, where: red)), text = try #require(P.box(out, where: black))
            return ((image.minX, image.minY, image.maxX, image.maxY), (text.minX, text.minY, text.maxX, text.maxY))
        }
        // order_0 (the default): the image first, then interval, then the text; align_0: tops.
        let imageFirst = try layout("order_0,align_0")
        #expect(imageFirst.image == (10, 10, 49, 69))
        #expect(abs(imageFirst.text.0 - 62) <= 2 && abs(imageFirst.text.1 - 10) <= 2, "\(imageFirst.text)")
        // order_1: the text first; the image after its ink and the interval; align_2: bottoms.
        let textFirst = try layout("order_1,align_2")
        #expect(abs(textFirst.text.0 - 10) <= 2 && abs(textFirst.text.3 + 1 - 70) <= 2, "\(textFirst.text)")
        #expect(textFirst.image == (10 + shaped.inkWidth + 12, 10, 10 + shaped.inkWidth + 12 + 39, 69))
        // align_1: centres; and bottoms by default.
        let centred = try layout("align_1")
        #expect(abs(centred.text.1 + centred.text.3 + 1 - 80) <= 3, "\(centred.text)")
        let byDefault = try layout("order_0")
        #expect(abs(byDefault.text.3 + 1 - 70) <= 2, "align_2 (bottom) is the default: \(byDefault.text)")
    }

    @Test("a missing object is a 404, too many or unreadable watermark images a 400")
    func refusals() throws {
        func error(_ process: String, _ images: [String: [UInt8]] = Self.images) -> ImageError? {
            do { _ = try ImageProcessor.process(process, source: Self.white, watermarkImages: images); return nil } catch { return error }
        }
        let missing = error("image/watermark,image_\(P.b64("nope.png"))")
        #expect(missing?.status == 404 && missing?.code == "NoSuchKey" && missing?.message.contains("nope.png") == true)
        let three = Array(repeating: "watermark,image_\(Self.logo)", count: 3).joined(separator: "/")
        #expect(error("image/" + three) == nil)
        #expect(error("image/" + three + "/watermark,image_\(Self.logo)")?.status == 400, "OSS allows three image watermarks")
        let gif = error("image/watermark,image_\(P.b64("a.gif"))", ["a.gif": Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 20)])
        #expect(gif?.status == 400 && gif?.message.contains("gif") == true, "\(String(describing: gif))")
        let circle = error("image/watermark,image_\(P.b64("logo.png?x-oss-process=image/circle,r_10"))")
        #expect(circle?.status == 400, "OSS does not circle-crop a watermark image")
        let broken = error("image/watermark,image_\(Self.logo)", ["logo.png": Array(Self.red.prefix(40))])
        #expect(broken?.message.contains("logo.png") == true, "\(String(describing: broken))")
        #expect(ImageProcessor.watermarkImageKeys("image/watermark,image_\(Self.logo)/watermark,image_\(P.b64("b.png?x-oss-process=image/resize,P_5"))/watermark,image_\(Self.logo)")
            == ["logo.png", "b.png"])
    }

    @Test("planning counts the watermark image and its own process")
    func planning() throws {
        let text = try ImageProcessor.estimatedWorkingBytes("image/watermark,text_SGk/format,png", source: Self.white, watermarkImages: Self.images)
        let image = try ImageProcessor.estimatedWorkingBytes("image/watermark,image_\(Self.logo)/format,png", source: Self.white, watermarkImages: Self.images)
        let big = try ImageProcessor.estimatedWorkingBytes("image/watermark,image_\(P.b64("logo.png?x-oss-process=image/resize,w_1000,limit_0"))/format,png",
                                                           source: Self.white, watermarkImages: Self.images)
        #expect(image > Self.red.count + 300 * 200 * 3 * 2)
        #expect(big > image + 1000 * 750 * 3, "the enlarged watermark image is counted: \(big) vs \(image)")
        #expect(text > 0)
    }
}

@Suite("Watermarks on hostile input")
struct WatermarkHostileTests {
    typealias P = WatermarkProbe

    @Test("random texts from every plane, sizes, angles and fill: a result or a 400, never a crash")
    func randomTexts() throws {
        let source = try P.png(P.flat(120, 80))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
        let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0x300...0x36F, 0x590...0x6FF, 0xE00...0xE7F, 0x1100...0x11FF, 0x200B...0x200F,
                                             0x4E00...0x9FFF, 0xFE00...0xFE0F, 0x1F300...0x1FAFF, 0xE0000...0xE007F, 0xF0000...0xF00FF, 0x10FFF0...0x10FFFF]
        for _ in 0..<120 {
            var text = ""
            for _ in 0..<(1 + random(70)) {
                let range = ranges[random(ranges.count)]
                if let scalar = Unicode.Scalar(range.lowerBound + UInt32(random(Int(range.upperBound - range.lowerBound) + 1))) { text.unicodeScalars.append(scalar) }
            }
            let process = "image/watermark,text_\(P.b64(text)),size_\(1 + random(300)),rotate_\(random(361)),fill_\(random(2)),shadow_\(random(101)),g_center/format,png"
            do {
                let result = try ImageProcessor.process(process, source: source)
                #expect(result.width == 120 && result.height == 80)
            } catch {
                #expect(error.status == 400, "\(error)")
            }
        }
    }

    @Test("a long fill stops at its next row or tile when the job is cancelled")
    func cancelledFill() throws {
        let bitmap = try P.flat(2000, 2000)
        let watermark = try #require(ImageProcess(parsing: "image/watermark,text_Lg,size_1,fill_1").actions.first.flatMap { action -> Watermark? in
            if case let .watermark(watermark) = action { watermark } else { nil }
        })
        // The looks at the flag a whole fill takes, then a flag that sets itself halfway: the
        // fill must stop there, at a known point, not after a guessed time.
        let counting = ImageCancellation(settingItselfAfter: .max)
        // (No deadline: on a slow machine the fills must not end in a timeout instead.)
        var limits = ImageWorkLimits.oss
        limits.timeLimit = .seconds(3600)
        _ = try ImageKernels.watermark(bitmap, watermark, images: [:], budget: ImageWorkBudget(limits: limits, cancellation: counting))
        let whole = counting.looks
        #expect(whole > 1000, "a fill of 2000x2000 in tiles looked at the flag only \(whole) times")
        let cancellation = ImageCancellation(settingItselfAfter: whole / 2)
        do {
            _ = try ImageKernels.watermark(bitmap, watermark, images: [:], budget: ImageWorkBudget(limits: limits, cancellation: cancellation))
            Issue.record("the fill ran to its end after the cancellation")
        } catch {
            #expect(error.code == ImageError.processingCancelledCode, "\(error)")
        }
        // It stopped at its first look after the flag was set: that look, and the error's own
        // (the fill runs on this thread alone).
        #expect(cancellation.looks == whole / 2 + 2, "\(cancellation.looks) looks of \(whole)")
    }
}
