import Foundation

/// The process strings of `Tests/ProcessCorpus`, read from the source tree.
enum ProcessCorpus {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ProcessCorpus")

    /// Lines that are not comments or blank.
    static func lines(_ name: String) -> [String] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter { !$0.hasPrefix("#") }
    }

    /// Processes the client must send unchanged.
    static let sent = lines("process-strings.txt")

    /// Processes OSS documents as errors: (process, action, parameter, EC).
    static let refused: [(process: String, action: String, parameter: String?, ec: String?)] = lines("documented-refusals.txt").map { line in
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        precondition(fields.count == 4, "bad line in documented-refusals.txt: \(line)")
        return (fields[0], fields[1], fields[2] == "-" ? nil : fields[2], fields[3] == "-" ? nil : fields[3])
    }
}
