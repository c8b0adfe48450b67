import Foundation
import Testing

/// `oss process` prints its result as one line of JSON that a script can parse whatever the
/// object names hold.
@Suite("oss process output")
struct ProcessOutputTests {
    @Test("the result line is valid JSON when the keys hold quotes, backslashes and control characters",
          .enabled(if: FileManager.default.fileExists(atPath: ProcessCommandTests.example), "needs ../shared/fixtures/oss-image/oss2-example.jpg (the official SDKs' file, kept out of the repository)"))
    func resultLineIsJSON() throws {
        let server = try CommandLineTests.Server()
        defer { _ = server.stop() }
        let endpoint = ["--endpoint", server.url]
        let source = "in \"quoted\" \\ back.jpg"
        let target = "out \"q\" \\slash\\ tab\t.png"
        let put = try CommandLineTests.run(["put", ProcessCommandTests.example, "oss://examplebucket/" + source] + endpoint)
        #expect(put.status == 0, "\(put.stderr)")
        let run = try CommandLineTests.run(["process", "oss://examplebucket/" + source, "--process", "image/resize,w_50/format,png",
                                            "--save-as", "oss://examplebucket/" + target] + endpoint)
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(String(decoding: run.stdout, as: UTF8.self).split(separator: "\n").last)
        #expect(!line.contains("\t"), "a raw tab in \(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        #expect(object["object"] as? String == target)
        #expect(object["bucket"] as? String == "examplebucket")
        #expect((object["fileSize"] as? Int ?? 0) > 0)
        #expect(object["status"] as? String == "OK")
    }
}
