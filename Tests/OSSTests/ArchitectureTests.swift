import Foundation
import Testing

/// `docs/ARCHITECTURE.md` lists every module edge; `Package.swift` is the truth. This reads both
/// and fails on any difference, so a dependency added or dropped in the manifest cannot leave the
/// document describing another package.
@Suite("ARCHITECTURE.md matches Package.swift")
struct ArchitectureTests {
    /// Target name to its dependencies, in the document's spelling: a target by name, a product
    /// as `package/Product`.
    typealias Edges = [String: [String]]

    @Test("the edge list in docs/ARCHITECTURE.md is exactly the manifest's")
    func documentedEdgesMatchTheManifest() throws {
        let manifest = try Self.manifestEdges(ManifestTests.manifest().root)
        let documented = try Self.documentedEdges(Self.architectureText())
        for target in Set(manifest.keys).union(documented.keys).sorted() {
            #expect(documented[target] == manifest[target],
                    "\(target): ARCHITECTURE.md says \(documented[target].map { $0.joined(separator: ", ") } ?? "nothing"), Package.swift says \(manifest[target].map { $0.joined(separator: ", ") } ?? "nothing")")
        }
        // Not vacuous: both sides hold the whole package, the bottom module included.
        #expect(manifest.count > 15)
        #expect(manifest["OSSCore"] == [])
    }

    @Test("the comparison catches an edge the document lacks")
    func aMissingEdgeIsCaught() throws {
        let text = try Self.architectureText()
        let edited = text.replacingOccurrences(of: "OSSHTTP: OSSCore\n", with: "OSSHTTP:\n")
        #expect(edited != text)
        let manifest = try Self.manifestEdges(ManifestTests.manifest().root)
        #expect(try Self.documentedEdges(edited) != manifest)
        #expect(try Self.documentedEdges(text) == manifest)
    }

    @Test("the local service no longer depends on OSSHTTP or OSSImageProcess")
    func localServiceStandsOnTheCore() throws {
        let edges = try Self.manifestEdges(ManifestTests.manifest().root)
        let service = try #require(edges["OSSLocalService"])
        #expect(service.contains("OSSCore"))
        #expect(!service.contains("OSSHTTP"))
        #expect(!service.contains("OSSImageProcess"))
    }

    static func architectureText() throws -> String {
        try String(contentsOf: ManifestTests.packageRoot.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
    }

    /// The lines between `<!-- edges:begin -->` and `<!-- edges:end -->`, inside a code fence:
    /// `Target: Dep, Dep`.
    static func documentedEdges(_ text: String) throws -> Edges {
        let begin = try #require(text.range(of: "<!-- edges:begin -->"), "ARCHITECTURE.md has no edge list")
        let end = try #require(text.range(of: "<!-- edges:end -->", range: begin.upperBound..<text.endIndex))
        var edges: Edges = [:]
        for line in text[begin.upperBound..<end.lowerBound].split(separator: "\n") where !line.hasPrefix("```") {
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            try #require(parts.count == 2, "not an edge line: \(line)")
            let target = parts[0].trimmingCharacters(in: .whitespaces)
            #expect(edges[target] == nil, "\(target) is listed twice")
            edges[target] = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return edges
    }

    /// Every non-test target's dependencies from `dump-package`, conditions ignored.
    static func manifestEdges(_ root: [String: Any]) throws -> Edges {
        let targets = try #require(root["targets"] as? [[String: Any]])
        var edges: Edges = [:]
        for target in targets where (target["type"] as? String) != "test" {
            let name = try #require(target["name"] as? String)
            var dependencies: [String] = []
            for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
                if let product = dependency["product"] as? [Any], let productName = product.first as? String {
                    dependencies.append("\(product.count > 1 ? (product[1] as? String ?? "") : "")/\(productName)")
                } else if let byName = (dependency["byName"] ?? dependency["target"]) as? [Any], let targetName = byName.first as? String {
                    dependencies.append(targetName)
                } else {
                    Issue.record("\(name): a dependency this test cannot read: \(dependency)")
                }
            }
            edges[name] = dependencies
        }
        return edges
    }
}
