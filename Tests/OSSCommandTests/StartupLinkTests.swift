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

    @Test("libheif and libavif (and the HEVC and AV1 codecs behind them) and libcurl (and its TLS, Kerberos and LDAP stack) are not linked")
    func codecsAreLoadedLazily() throws {
        let libraries = try Self.linkedLibraries()
        #expect(libraries.contains("libjpeg"), "ldd printed: \(libraries)")
        for lazy in ["libheif", "libavif", "libx265", "libde265", "libaom", "libdav1d", "libcurl", "libgssapi_krb5", "libldap", "libssh2"] {
            #expect(!libraries.contains(lazy), "\(lazy) is linked")
        }
    }

    @Test("HEIC and AVIF still work: the lazily loaded codecs are found", arguments: ["heic", "avif"])
    func lazyCodecsLoad(_ format: String) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("oss-lazy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
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
}
