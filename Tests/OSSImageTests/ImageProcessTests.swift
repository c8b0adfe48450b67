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
    }

    @Test("parse and print round-trip", arguments: [
        "image/circle,r_100",
        "image/circle,r_100/format,png",
        "image/crop,x_10,y_10,w_200,h_200,g_center/circle,r_80/format,webp",
        "image/resize,m_lfit,w_100,h_100",
        "image/resize,m_pad,w_100,h_100,color_FF0000",
        "image/resize,p_50",
        "image/resize,m_fixed,w_64,h_32,limit_0",
        "image/resize,m_mfit,l_300,s_200",
        "image/rounded-corners,r_30",
        "image/indexcrop,x_100,i_1",
        "image/rotate,90",
        "image/quality,Q_70",
        "image/interlace,1",
        "image/auto-orient,1",
        "image/info",
        "style/avatar",
        "image/circle,r_100|sys/saveas,o_b3V0LmpwZw,b_ZXhhbXBsZWJ1Y2tldA",
    ])
    func roundTrip(_ text: String) throws {
        let process = try ImageProcess(parsing: text)
        #expect(process.description == text)
        #expect(try ImageProcess(parsing: process.description) == process)
    }

    @Test("a bad circle radius names the action and the parameter and carries EC 0040-00000233", arguments: ["image/circle,r_0", "image/circle,r_4097", "image/circle,r_abc", "image/circle"])
    func badCircle(_ text: String) {
        do {
            _ = try ImageProcess(parsing: text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.action == "circle")
            #expect(error.parameter == "r")
            #expect(error.ec == "0040-00000233")
        }
        #expect(throws: ImageProcessError.self) { try ImageProcess.circle(radius: 0).validate() }
    }

    @Test("other invalid processes are refused with the action and parameter", arguments: [
        ("image/crop,g_middle", "crop", "g"), ("image/resize,m_stretch,w_10", "resize", "m"), ("image/resize,w_0", "resize", "w"),
        ("image/resize,m_lfit", "resize", "w"), ("image/format,svg", "format", "value"), ("image/quality,q_101", "quality", "q"),
        ("image/rotate,400", "rotate", "value"), ("image/interlace,2", "interlace", "value"), ("image/circle,r_10,x_1", "circle", "x"),
        ("image/resize,w_10,color_GGGGGG", "resize", "color"),
    ])
    func invalid(text: String, action: String, parameter: String) {
        do {
            _ = try ImageProcess(parsing: text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.action == action, "\(text)")
            #expect(error.parameter == parameter, "\(text)")
        }
    }

    @Test("unknown actions and empty segments are refused")
    func unknown() {
        #expect(throws: ImageProcessError.self) { try ImageProcess(parsing: "image/sharpen,100") }
        #expect(throws: ImageProcessError.self) { try ImageProcess(parsing: "image//circle,r_1") }
        #expect(throws: ImageProcessError.self) { try ImageProcess(parsing: "image/") }
        #expect(throws: ImageProcessError.self) { try ImageProcess(parsing: "video/snapshot,t_0") }
    }

    @Test("the output format is the last format action, else the source's")
    func outputFormat() throws {
        #expect(try ImageProcess(parsing: "image/circle,r_10").outputFormat(source: .jpg) == .jpg)
        #expect(try ImageProcess(parsing: "image/format,webp/circle,r_10/format,png").outputFormat(source: .jpg) == .png)
    }
}
