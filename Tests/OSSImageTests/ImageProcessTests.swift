import OSSImageProcess
import Testing

@Suite("The x-oss-process language")
struct ImageProcessTests {
    @Test("the typed builder prints what OSS reads")
    func builder() {
        #expect(ImageProcess.circle(radius: 100).format(.png).description == "image/circle,r_100/format,png")
        #expect(ImageProcess.crop(x: 10, y: 20, width: 300, height: 200, gravity: .southEast).circle(radius: 50).description
            == "image/crop,x_10,y_20,w_300,h_200,g_se/circle,r_50")
        #expect(ImageProcess.resize(Resize(mode: .fill, width: 100, height: 80)).quality(90).description == "image/resize,m_fill,w_100,h_80/quality,q_90")
        #expect(ImageProcess.circle(radius: 100).saved(as: "out/a.png", bucket: "examplebucket").description
            == "image/circle,r_100|sys/saveas,o_b3V0L2EucG5n,b_ZXhhbXBsZWJ1Y2tldA")
        #expect(ImageProcess.sharpen(100).description == "image/sharpen,100")
        #expect(ImageProcess.blur(radius: 3, sigma: 2).bright(50).contrast(-50).description == "image/blur,r_3,s_2/bright,50/contrast,-50")
        #expect(ImageProcess.averageHue.description == "image/average-hue")
        #expect(ImageProcess.watermark(Watermark(text: TextWatermark("Hello 图片服务!"))).description == "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ")
        #expect(ImageProcess.watermark(Watermark(image: ImageWatermark(key: "panda.png", process: .resize(Resize(percentOfBase: 30))))).description
            == "image/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA")
        #expect(ImageProcess.style("avatar").description == "style/avatar")
    }

    /// One builder result for every action and every parameter the local engine implements.
    static let built: [ImageProcess] = [
        .resize(Resize(width: 100)),
        .resize(Resize(mode: .lfit, width: 100, height: 100)),
        .resize(Resize(mode: .mfit, width: 100, height: 100)),
        .resize(Resize(mode: .fill, width: 100, height: 80)),
        .resize(Resize(mode: .pad, width: 100, height: 100, color: "FF0000")),
        .resize(Resize(mode: .pad, width: 100, height: 100, color: "ff0000")),
        .resize(Resize(mode: .fixed, width: 64, height: 32, limit: false)),
        .resize(Resize(long: 300)),
        .resize(Resize(short: 200)),
        .resize(Resize(mode: .mfit, long: 300, short: 200)),
        .resize(Resize(percent: 50)),
        .resize(Resize(mode: .fixed, percent: 50)),
        .resize(Resize(percentOfBase: 30)),
        .crop(width: 100, height: 100),
        .crop(x: 10, y: 20, width: 300, height: 200, gravity: .southEast),
        .crop(x: 5, gravity: .center),
        .crop(width: 0, height: 500, gravity: .center),
        .circle(radius: 1), .circle(radius: 4096),
        .roundedCorners(radius: 30),
        .indexCrop(axis: .x, length: 100, index: 0), .indexCrop(axis: .y, length: 50, index: 3),
        .rotate(0), .rotate(45), .rotate(360),
        .autoOrient(true), .autoOrient(false),
        .blur(radius: 3, sigma: 2), .blur(radius: 50, sigma: 50),
        .bright(-100), .bright(50),
        .contrast(-50), .contrast(100),
        .sharpen(50), .sharpen(399),
        .watermark(Watermark(text: TextWatermark("Hello"))),
        .watermark(Watermark(text: TextWatermark("水印 ©", font: "wqy-microhei", color: "FF0000", size: 60, shadow: 50, rotate: 30, fill: true),
                             transparency: 90, gravity: .center, x: 0, y: 4096, verticalOffset: -1000)),
        .watermark(Watermark(image: ImageWatermark(key: "logos/panda.png"), gravity: .northWest, x: 10, y: 10)),
        .watermark(Watermark(image: ImageWatermark(key: "panda.png", process: ImageProcess.resize(Resize(percentOfBase: 20)).rotate(90)))),
        .watermark(Watermark(text: TextWatermark("Hello", fill: false), image: ImageWatermark(key: "panda.png"),
                             order: .textFirst, align: .center, interval: 10)),
        .watermark(Watermark(text: TextWatermark("Hi"), image: ImageWatermark(key: "p.png"), order: .imageFirst, align: .top, interval: 1000)),
        .info, .averageHue,
        .format(.jpg), .format(.png), .format(.webp), .format(.bmp), .format(.gif), .format(.tiff), .format(.heic), .format(.avif),
        .quality(90), .quality(70, absolute: true),
        .interlace(true), .interlace(false),
        ImageProcess.resize(Resize(width: 300)).watermark(Watermark(text: TextWatermark("Hello"))).format(.webp).quality(80).interlace(),
        ImageProcess.circle(radius: 100).saved(as: "out/a b.png"),
        ImageProcess.circle(radius: 100).saved(as: "out.png", bucket: "examplebucket"),
        .style("avatar"),
        ImageProcess().appending(.opaque(OpaqueAction(name: "blind-watermark", arguments: ["content_SGVsbG8"]))),
    ]

    @Test("every builder result round-trips through the parser", arguments: Self.built)
    func builderRoundTrip(_ built: ImageProcess) throws {
        let parsed = try ImageProcess(parsing: built.description)
        #expect(parsed.actions == built.actions)
        #expect(parsed.stages == built.stages)
        #expect(Array(parsed.description.utf8) == Array(built.description.utf8))
        #expect(ImageProcess.refusal(for: built.description) == nil)
        try built.validate()
    }

    @Test("every corpus string parses and prints back byte for byte, and is not refused")
    func corpusRoundTrip() throws {
        #expect(ProcessCorpus.sent.count >= 150)
        for text in ProcessCorpus.sent {
            let process = try ImageProcess(parsing: text)
            #expect(Array(process.description.utf8) == Array(text.utf8), "\(text)")
            #expect(try ImageProcess(parsing: process.description) == process, "\(text)")
            #expect(ImageProcess.refusal(for: text) == nil, "\(text)")
        }
    }

    @Test("each documented error names the action, the parameter and OSS's EC")
    func documentedRefusals() {
        #expect(ProcessCorpus.refused.count >= 60)
        for (text, action, parameter, ec) in ProcessCorpus.refused {
            do {
                _ = try ImageProcess(parsing: text)
                Issue.record("expected a refusal for \(text)")
            } catch {
                #expect(error.isDocumented, "\(text)")
                #expect(error.action == action, "\(text): \(error)")
                #expect(error.parameter == parameter, "\(text): \(error)")
                #expect(error.ec == ec, "\(text): \(error)")
                #expect(ImageProcess.refusal(for: text) == error, "\(text)")
            }
        }
    }

    @Test("a typed process with a documented error is refused by validate()", arguments: [
        (ImageProcess.circle(radius: 0), "circle", "r", "0040-00000233"),
        (.circle(radius: 5000), "circle", "r", "0040-00000233"),
        (.resize(Resize()), "resize", "w", nil),
        (.resize(Resize(width: 0)), "resize", "w", "0040-00000312"),
        (.resize(Resize(percent: 1001)), "resize", "p", "0040-00000317"),
        (.resize(Resize(width: 10, color: "GGGGGG")), "resize", "color", "0040-00000318"),
        (.rotate(400), "rotate", "value", "0040-00000217"),
        (.sharpen(10), "sharpen", "value", "0040-00000280"),
        (.blur(radius: 0, sigma: 2), "blur", "r", "0040-00000241"),
        (.quality(101), "quality", "q", "0040-00000309"),
        (.quality(0, absolute: true), "quality", "Q", "0040-00000308"),
        (.watermark(Watermark(text: TextWatermark("a", size: 2000))), "watermark", "size", "0040-00000256"),
        (.watermark(Watermark(image: ImageWatermark(key: "a.png", process: .watermark(Watermark(text: TextWatermark("b")))))), "watermark", "image", "0040-00000373"),
        (.watermark(Watermark(image: ImageWatermark(key: "a.png", process: .info))), "watermark", "image", "0040-00000374"),
    ] as [(ImageProcess, String, String?, String?)])
    func typedRefusals(process: ImageProcess, action: String, parameter: String?, ec: String?) {
        do {
            try process.validate()
            Issue.record("expected a refusal for \(process)")
        } catch {
            #expect(error.action == action && error.parameter == parameter && error.ec == ec, "\(process): \(error)")
        }
    }

    @Test("known actions in unusual spellings read as their meaning, and print as written")
    func unusualSpellings() throws {
        func actions(_ text: String) throws -> [ImageAction] {
            let process = try ImageProcess(parsing: text)
            #expect(process.description == text)
            return process.actions
        }
        // The official SDKs' integration tests send r_1 to crop; the service ignores it.
        #expect(try actions("image/crop,w_100,h_100,x_100,y_100,r_1") == [.crop(Crop(x: 100, y: 100, width: 100, height: 100))])
        #expect(try actions("image/crop,w_0,h_500,g_center") == [.crop(Crop(height: 500, gravity: .center))])
        #expect(try actions("image/crop,g_SE,w_100") == [.crop(Crop(width: 100, gravity: .southEast))])
        #expect(try actions("image/format,jpeg") == [.format(.jpg)])
        #expect(try actions("image/format,PNG") == [.format(.png)])
        #expect(try actions("image/resize,m_LFIT,w_100") == [.resize(Resize(width: 100))])
        #expect(try actions("image/resize,w_100,m_lfit,limit_1") == [.resize(Resize(width: 100))])
        #expect(try actions("image/resize,w_0,w_100") == [.resize(Resize(width: 100))], "the last of a repeated parameter counts")
        #expect(try actions("image/indexcrop,x_100,y_50,i_0") == [.indexCrop(axis: .y, length: 50, index: 0)], "given both, y wins")
        #expect(try actions("image/rotate,+90") == [.rotate(degrees: 90)])
        #expect(try actions("image/rotate,090") == [.rotate(degrees: 90)])
        #expect(try actions("image/quality,90") == [.quality(90, absolute: false)])
        #expect(try actions("image/quality,q_90,Q_80") == [.quality(80, absolute: true)])
        #expect(try actions("image/blur,r_3,s_2") == [.blur(radius: 3, sigma: 2)])
        #expect(try actions("image/info,1") == [.info])
        let hello = Watermark(text: TextWatermark("Hello 图片服务!"))
        #expect(try actions("image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ") == [.watermark(hello)])
        #expect(try actions("image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ==") == [.watermark(hello)], "padded")
        #expect(try actions("image/watermark,text_SGVsbG8g5Zu+54mH5pyN5YqhIQ==") == [.watermark(hello)], "standard alphabet")
        let nested = try actions("image/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA=,g_se,x_10,y_10")
        guard case let .watermark(watermark)? = nested.first else { Issue.record("\(nested)"); return }
        #expect(watermark.image?.key == "panda.png")
        #expect(watermark.image?.process?.actions == [.resize(Resize(percentOfBase: 30))])
        #expect(watermark.gravity == .southEast && watermark.x == 10 && watermark.y == 10)
    }

    @Test("what the model does not know stays opaque and is sent; what it cannot read carries a problem for the local engine")
    func opaque() throws {
        let unknown = try ImageProcess(parsing: "image/slim,1,,x_2/resize,w_100")
        #expect(unknown.actions == [.opaque(OpaqueAction(name: "slim", arguments: ["1", "", "x_2"])), .resize(Resize(width: 100))])
        #expect(unknown.description == "image/slim,1,,x_2/resize,w_100")
        let unreadable = try ImageProcess(parsing: "image/crop,x_abc,w_100")
        guard case let .opaque(action)? = unreadable.actions.first else { Issue.record("\(unreadable.actions)"); return }
        #expect(action.name == "crop" && action.problem?.parameter == "x" && action.problem?.isDocumented == false)
        #expect(ImageProcess.refusal(for: "image/crop,x_abc,w_100") == nil)
        // Empty segments and a trailing '/' are kept, and carry no action.
        let trailing = try ImageProcess(parsing: "image//resize,w_100/")
        #expect(trailing.actions.map(\.isEmptySegment) == [true, false, true])
        #expect(trailing.description == "image//resize,w_100/")
        #expect(try ImageProcess(parsing: "image").actions.isEmpty)
        // Other stages are kept as written.
        let pipes = try ImageProcess(parsing: "video/snapshot,t_0|image/format,png|sys/saveas,o_dGVzdC5qcGc=")
        #expect(pipes.stages.count == 3)
        #expect(pipes.stages.first == .other("video/snapshot,t_0"))
        #expect(pipes.saveAs?.key == "test.jpg")
        #expect(pipes.description == "video/snapshot,t_0|image/format,png|sys/saveas,o_dGVzdC5qcGc=")
    }

    @Test("editing a parsed process keeps the text of the steps left alone")
    func editing() throws {
        var process = try ImageProcess(parsing: "image/resize,w_100,m_lfit/crop,w_100,h_100,x_100,y_100,r_1")
        process.actions.append(.format(.png))
        #expect(process.description == "image/resize,w_100,m_lfit/crop,w_100,h_100,x_100,y_100,r_1/format,png")
        process.actions.insert(.rotate(degrees: 90), at: 0)
        #expect(process.description == "image/rotate,90/resize,w_100,m_lfit/crop,w_100,h_100,x_100,y_100,r_1/format,png")
        var steps = process.steps
        steps[1].action = .resize(Resize(width: 200))
        process.steps = steps
        #expect(process.description == "image/rotate,90/resize,m_lfit,w_200/crop,w_100,h_100,x_100,y_100,r_1/format,png")
        var saved = try ImageProcess(parsing: "image/circle,r_100|sys/saveas,o_dGVzdC5qcGc=")
        saved.saveAs?.bucket = "examplebucket"
        #expect(saved.description == "image/circle,r_100|sys/saveas,o_dGVzdC5qcGc,b_ZXhhbXBsZWJ1Y2tldA")
        saved.saveAs = nil
        #expect(saved.description == "image/circle,r_100")
        var crop = Crop(width: 100)
        crop.width = 0
        #expect(crop.width == nil, "w_0 means to the edge")
    }

    @Test("hostile input is bounded: over-long or over-split processes are not read, and not refused")
    func hostile() throws {
        let long = "image/resize,w_100/" + String(repeating: "a", count: ImageProcess.ParserLimits.maximumLength)
        let segments = "image" + String(repeating: "/info", count: ImageProcess.ParserLimits.maximumSegments + 1)
        let parameters = "image/resize" + String(repeating: ",w_1", count: ImageProcess.ParserLimits.maximumParameters + 1)
        let stages = Array(repeating: "image/info", count: ImageProcess.ParserLimits.maximumStages + 1).joined(separator: "|")
        for text in [long, segments, parameters, stages] {
            #expect(throws: ImageProcessError.self) { try ImageProcess(parsing: text) }
            #expect(ImageProcess.refusal(for: text) == nil, "the client sends what it does not read")
        }
        // Numbers saturate instead of overflowing.
        #expect(try ImageProcess(parsing: "image/crop,x_99999999999999999999999,w_10").actions == [.crop(Crop(x: 1_000_000_000, width: 10))])
        // A nested watermark inside a watermark image's process is not followed past one level.
        let inner = Base64URL.encode(Array("b.png?x-oss-process=image/watermark,image_\(Base64URL.encode(Array("c.png".utf8)))".utf8))
        let twice = "image/watermark,image_\(Base64URL.encode(Array("a.png?x-oss-process=image/watermark,image_\(inner)".utf8)))"
        #expect(ImageProcess.refusal(for: twice)?.ec == "0040-00000373")
    }

    @Test("random strings over the process alphabet either parse and print back exactly, or are refused as documented")
    func fuzz() {
        let alphabet = Array("image/,_|rwhxyQq0159-+=abcstuv".utf8) + Array("é图".utf8)
        var random = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<3000 {
            var bytes = Array("image/".utf8)
            for _ in 0..<Int(random.next() >> 58) * 3 {
                bytes.append(alphabet[Int(random.next() >> 33) % alphabet.count])
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let process = try ImageProcess(parsing: text)
                #expect(Array(process.description.utf8) == Array(text.utf8), "\(text)")
            } catch {
                #expect(error.isDocumented, "\(text): \(error)")
            }
        }
    }

    @Test("base64: URL-safe encoding without padding; decoding reads both alphabets and padding, and nothing else")
    func base64() {
        #expect(Base64URL.encode(Array("Hello 图片服务!".utf8)) == "SGVsbG8g5Zu-54mH5pyN5YqhIQ")
        for text in ["SGVsbG8g5Zu-54mH5pyN5YqhIQ", "SGVsbG8g5Zu+54mH5pyN5YqhIQ", "SGVsbG8g5Zu-54mH5pyN5YqhIQ=="] {
            #expect(Base64URL.decodeText(text) == "Hello 图片服务!", "\(text)")
        }
        for bad in ["notbase64", "SGVs=bG8", "SGVsbG8===", "SGVsbG8g!", "SGVsbG8g==", "A"] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
        #expect(Base64URL.decode(String(repeating: "A", count: Base64URL.maximumEncodedLength + 4)) == nil)
        // Content-MD5, which the local OSS reads with this decoder, is padded standard base64.
        #expect(Base64URL.decode("1B2M2Y8AsgTpgAmY7PhCfg==")?.count == 16)
    }

    @Test("the output format is the last format action, else the source's")
    func outputFormat() throws {
        #expect(try ImageProcess(parsing: "image/circle,r_10").outputFormat(source: .jpg) == .jpg)
        #expect(try ImageProcess(parsing: "image/format,webp/circle,r_10/format,png").outputFormat(source: .jpg) == .png)
    }
}
