import Foundation

/// `Tests/Support/scripted_http_server.py` in the background: an HTTP server that gives the
/// answers a test scripts (redirects, unsolicited 304s, bodies that stall half-way), which no
/// OSS, local or real, would give.
final class ScriptedHTTPServer {
    /// One scripted answer; see the script's documentation.
    struct Answer: Encodable {
        var status: Int
        var reason = "Scripted"
        var headers: [[String]] = []
        var body: String?
        var bodySize: Int?
        var sendBytes: Int?

        /// The script's JSON spells its keys in Python's snake case.
        private enum CodingKeys: String, CodingKey {
            case status, reason, headers, body
            case bodySize = "body_size"
            case sendBytes = "send_bytes"
        }
    }

    private struct Spec: Encodable {
        var responses: [Answer]
        var log: String
    }

    let process = Process()
    let url: String
    /// Where the script appends "METHOD TARGET" per request.
    let logPath: String

    init(_ answers: [Answer]) throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("scripted-\(UUID().uuidString).log").path
        let spec = String(decoding: try JSONEncoder().encode(Spec(responses: answers, log: logPath)), as: UTF8.self)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/scripted_http_server.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, spec]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        url = String(decoding: line, as: UTF8.self)
    }

    /// The requests received so far, as "METHOD TARGET" lines.
    var requests: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: logPath)
    }
}
