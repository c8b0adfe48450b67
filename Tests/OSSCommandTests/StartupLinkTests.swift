import Foundation
import Testing

/// What `oss` maps at start-up: every command pays for each shared library the binary links, so
/// libraries only some images need are loaded when those images come (dlopen), not linked.
@Suite("oss start-up: the libraries it links")
struct StartupLinkTests {
    static func linkedLibraries() throws -> String {
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        ldd.arguments = [CommandLineTests.binary]
        let pipe = Pipe()
        ldd.standardOutput = pipe
        try ldd.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ldd.waitUntilExit()
        return text
    }

    /// A new empty folder for one test's files; the test removes it.
    static func workDirectory() throws -> URL {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("oss-lazy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        return work
    }

    @Test("""
        libheif, libavif, libtiff, libwebp, ISA-L and HarfBuzz (and the codecs, GLib and graphite2 behind them), libcurl \
        (and its TLS, Kerberos and LDAP stack) and libcrypto are not linked
        """)
    func codecsAreLoadedLazily() throws {
        let libraries = try Self.linkedLibraries()
        #expect(libraries.contains("libjpeg"), "ldd printed: \(libraries)")
        for lazy in ["libheif", "libavif", "libx265", "libde265", "libaom", "libdav1d", "libcurl", "libgssapi_krb5", "libldap", "libssh2",
                     "libtiff", "libLerc", "libjbig", "libharfbuzz", "libgraphite2", "libglib", "libcrypto",
                     "libwebp", "libisal"] {
            #expect(!libraries.contains(lazy), "\(lazy) is linked")
        }
    }

    @Test("HEIC and AVIF still work: the lazily loaded codecs are found", arguments: ["heic", "avif"])
    func lazyCodecsLoad(_ format: String) throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let source = work.appendingPathComponent("photo.jpg").path, output = work.appendingPathComponent("photo.\(format)").path
        for arguments in [["sample", source, "--width", "64", "--height", "48"], ["image", source, output, "--process", "image/format,\(format)"]] {
            let oss = Process()
            oss.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            oss.arguments = arguments
            oss.standardOutput = FileHandle.nullDevice
            try oss.run()
            oss.waitUntilExit()
            #expect(oss.terminationStatus == 0, "oss \(arguments.joined(separator: " "))")
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(bytes.count > 32 && String(decoding: bytes[4..<8], as: UTF8.self) == "ftyp")
    }

    @Test("WebP and PNG still work: libwebp and ISA-L are found when a WebP is read or written and a PNG is encoded")
    func lazyWebPAndPNGLoad() throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let source = work.appendingPathComponent("photo.jpg").path, webp = work.appendingPathComponent("photo.webp").path
        let png = work.appendingPathComponent("photo.png").path
        for arguments in [["sample", source, "--width", "320", "--height", "200"],
                          ["image", source, webp, "--process", "image/format,webp"], ["image", webp, png, "--process", "image/format,png"]] {
            let run = try CommandLineTests.run(arguments)
            #expect(run.status == 0, "oss \(arguments.joined(separator: " ")): \(run.stderr)")
        }
        let webpBytes = try Data(contentsOf: URL(fileURLWithPath: webp)), pngBytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(webpBytes.count > 32 && String(decoding: webpBytes[8..<12], as: UTF8.self) == "WEBP")
        #expect(pngBytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && pngBytes.count > 1000)
        // Read back by libwebp: the WebP's size (in its VP8 header) is the sample's.
        let info = try CommandLineTests.run(["image", webp, work.appendingPathComponent("info.json").path, "--process", "image/info"])
        #expect(info.status == 0, "oss image --process image/info: \(info.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: work.appendingPathComponent("info.json"))) as? [String: Any]
        let value = { (field: String) in (json?[field] as? [String: Any])?["value"] as? String }
        #expect(value("ImageWidth") == "320" && value("ImageHeight") == "200" && value("Format") == "webp", "info: \(String(describing: json))")
    }

    @Test("TIFF and text watermarks still work: libtiff and HarfBuzz are found when needed")
    func lazyTIFFAndTextLoad() throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let source = work.appendingPathComponent("photo.jpg").path
        let tiff = work.appendingPathComponent("photo.tiff").path, back = work.appendingPathComponent("back.png").path
        let plain = work.appendingPathComponent("plain.png").path, marked = work.appendingPathComponent("marked.png").path
        let text = "image/watermark,text_SGVsbG8,size_30,color_000000"
        for arguments in [["sample", source, "--width", "320", "--height", "200"],
                          ["image", source, tiff, "--process", "image/format,tiff"], ["image", tiff, back, "--process", "image/format,png"],
                          ["image", source, plain, "--process", "image/format,png"], ["image", source, marked, "--process", "\(text)/format,png"]] {
            let run = try CommandLineTests.run(arguments)
            #expect(run.status == 0, "oss \(arguments.joined(separator: " ")): \(run.stderr)")
        }
        let tiffBytes = try Data(contentsOf: URL(fileURLWithPath: tiff))
        #expect(tiffBytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || tiffBytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]))
        // The TIFF read back by libtiff is the image it was made from (lossless), and the text changed pixels.
        #expect(try Data(contentsOf: URL(fileURLWithPath: back)) == Data(contentsOf: URL(fileURLWithPath: plain)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: marked)) != Data(contentsOf: URL(fileURLWithPath: plain)))
    }
}
