import Foundation
import OSSLocking
import Testing

/// The `OSS` product must build in an iOS or macOS app with nothing but Apple's SDK: its target
/// closure there holds no system-library target, no C-language target and no linked library.
///
/// Read from `swift package dump-package`, following each target dependency's platform condition
/// (a trait condition is taken as met, so that no trait can bring C in either) and the products
/// of other packages into their checkouts. Runs on Linux, so CI catches a C dependency creeping
/// back into the Apple closure without a Mac.
@Suite("Package manifest: the client on Apple platforms links no C")
struct ManifestTests {
    static let applePlatforms = ["macos", "maccatalyst", "ios", "tvos", "watchos", "visionos"]

    @Test("the OSS product's closure on each Apple platform holds no system library, C target or linked library",
          arguments: applePlatforms)
    func appleClosureHoldsNoC(platform: String) throws {
        let closure = try Self.closure(of: "OSS", platform: platform, in: Self.manifest())
        #expect(closure.violations == [], "\(platform)")
        // Not vacuous: the walk reached the client's modules and swift-log.
        #expect(closure.targets.isSuperset(of: ["OSS", "OSSCrypto", "OSSSigner", "OSSHTTP", "OSSURLSessionTransport", "swift-log/Logging"]),
                "\(platform): \(closure.targets.sorted())")
        #expect(!closure.targets.contains("OSSCurlTransport"))
    }

    @Test("on Linux the same walk finds libcrypto, liblzma and libcurl (the conditions are read, not ignored)")
    func linuxClosureHoldsTheSystemLibraries() throws {
        let closure = try Self.closure(of: "OSS", platform: "linux", traits: ["SystemCrypto"], in: Self.manifest())
        let found = Set(closure.violations.map(\.target))
        #expect(found.isSuperset(of: ["COpenSSL", "CLZMA", "CCurlShim"]), "\(closure.violations)")
    }

    @Test("a C dependency added to the Apple closure is caught", arguments: [
        // OSSCrypto -> COpenSSL with no platform condition.
        Mutation.addDependency(to: "OSSCrypto", ["byName": ["COpenSSL", NSNull()]]),
        // The curl transport leaking into every platform.
        Mutation.addDependency(to: "OSS", ["target": ["OSSCurlTransport", NSNull()]]),
        // A Swift target that links a C library itself.
        Mutation.addLinkedLibrary(to: "OSSHTTP", "z"),
    ])
    func regressionsAreCaught(_ mutation: Mutation) throws {
        var manifest = try Self.manifest()
        mutation.apply(to: &manifest)
        for platform in ["ios", "macos"] {
            let closure = try Self.closure(of: "OSS", platform: platform, in: manifest)
            #expect(closure.violations.contains { $0.target == mutation.culprit }, "\(platform): \(mutation.culprit) not caught")
        }
    }

    @Test("deployment targets stay at or below iOS 16 and macOS 13")
    func deploymentTargets() throws {
        let platforms = try #require(Self.manifest().root["platforms"] as? [[String: Any]])
        let versions = Dictionary(uniqueKeysWithValues: platforms.compactMap { entry -> (String, String)? in
            guard let name = entry["platformName"] as? String, let version = entry["version"] as? String else { return nil }
            return (name, version)
        })
        func major(_ name: String) -> Int? { versions[name].flatMap { Int($0.split(separator: ".")[0]) } }
        #expect(try #require(major("ios")) <= 16)
        #expect(try #require(major("macos")) <= 13)
    }

    // MARK: Reading the manifest

    /// One package's `dump-package` output and where its sources are.
    struct Manifest {
        var root: [String: Any]
        var directory: URL
        var targets: [String: [String: Any]] {
            Dictionary((root["targets"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) }) { first, _ in first }
        }
    }

    /// A way of breaking the manifest, to prove the check notices.
    struct Mutation: CustomTestStringConvertible, @unchecked Sendable {
        var culprit: String
        var testDescription: String
        var change: (inout Manifest) -> Void

        func apply(to manifest: inout Manifest) { change(&manifest) }

        static func addDependency(to target: String, _ dependency: [String: Any]) -> Mutation {
            let name = ((dependency.values.first as? [Any])?.first as? String) ?? "?"
            return Mutation(culprit: name == "OSSCurlTransport" ? "CCurlShim" : name, testDescription: "\(target) depends on \(name) everywhere") { manifest in
                edit(target, in: &manifest) { $0["dependencies"] = ($0["dependencies"] as? [Any] ?? []) + [dependency] }
            }
        }

        static func addLinkedLibrary(to target: String, _ library: String) -> Mutation {
            Mutation(culprit: target, testDescription: "\(target) links lib\(library)") { manifest in
                edit(target, in: &manifest) {
                    $0["settings"] = ($0["settings"] as? [Any] ?? []) + [["tool": "linker", "kind": ["linkedLibrary": ["_0": library]]]]
                }
            }
        }

        static func edit(_ target: String, in manifest: inout Manifest, _ change: (inout [String: Any]) -> Void) {
            var targets = manifest.root["targets"] as? [[String: Any]] ?? []
            for index in targets.indices where targets[index]["name"] as? String == target { change(&targets[index]) }
            manifest.root["targets"] = targets
        }
    }

    struct Violation: Equatable, CustomStringConvertible {
        var target: String
        var reason: String
        var description: String { "\(target): \(reason)" }
    }

    struct Closure {
        var targets: Set<String> = []
        var violations: [Violation] = []
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `dump-package` output by package folder, so each package is read once per test run. Kept as
    /// byte arrays: LeakSanitizer does not recognise a `Data` held in a global (its storage
    /// pointer carries enum tag bits) and would report it leaked at exit.
    static let dumps = LockedValue<[String: [UInt8]]>([:])

    /// `swift package dump-package` for a package folder. A scratch folder of its own, because
    /// `swift test` holds the lock on the one it is building in.
    static func manifest(at directory: URL = packageRoot) throws -> Manifest {
        let bytes = try dumps.load()[directory.path] ?? [UInt8](dumpPackage(at: directory))
        dumps.withLock { $0[directory.path] = bytes }
        let root = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], "dump-package printed no JSON object")
        return Manifest(root: root, directory: directory)
    }

    static func dumpPackage(at directory: URL) throws -> Data {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("oss-manifest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "package", "--package-path", directory.path, "--scratch-path", scratch.path, "dump-package"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "dump-package failed in \(directory.path): \(message)")
        return data
    }

    /// The targets a product needs on one platform, and every C thing among them. With `traits`
    /// nil, every trait condition counts as met.
    static func closure(of product: String, platform: String, traits: Set<String>? = nil, in manifest: Manifest) throws -> Closure {
        var closure = Closure()
        var external: [String: Manifest] = [:]
        let products = manifest.root["products"] as? [[String: Any]] ?? []
        let start = try #require(products.first { $0["name"] as? String == product }?["targets"] as? [String], "no product \(product)")
        for target in start { try visit(target, package: nil, in: manifest) }
        return closure

        /// `package` is nil for the root package, else the dependency's identity.
        func visit(_ name: String, package: String?, in manifest: Manifest) throws {
            let label = package.map { "\($0)/\(name)" } ?? name
            guard closure.targets.insert(label).inserted else { return }
            let target = try #require(manifest.targets[name], "\(label) is not a target of its package")
            let type = target["type"] as? String ?? "?"
            if type == "system" { closure.violations.append(Violation(target: name, reason: "system library target")) }
            if type == "binary" { closure.violations.append(Violation(target: name, reason: "binary target (may hold C)")) }
            for setting in target["settings"] as? [[String: Any]] ?? [] {
                guard applies(setting["condition"], on: platform, traits: traits), let kind = setting["kind"] as? [String: Any] else { continue }
                // Linker flags could name a library; Swift flags (swift-log has one) cannot.
                for key in kind.keys where key == "linkedLibrary" || (key == "unsafeFlags" && setting["tool"] as? String != "swift") {
                    closure.violations.append(Violation(target: name, reason: "\(key) setting \(kind[key] ?? "")"))
                }
            }
            if type == "regular" || type == "executable", let file = firstCFile(of: target, name: name, in: manifest.directory) {
                closure.violations.append(Violation(target: name, reason: "C-language target (\(file))"))
            }
            for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
                guard let entry = dependency.first, let parts = entry.value as? [Any], let depName = parts.first as? String else { continue }
                switch entry.key {
                case "byName", "target":
                    guard applies(parts.last, on: platform, traits: traits) else { continue }
                    if manifest.targets[depName] != nil {
                        try visit(depName, package: package, in: manifest)
                    } else {
                        try visitProduct(depName, of: nil, from: manifest, package: package)
                    }
                case "product":
                    guard applies(parts.count > 3 ? parts[3] : nil, on: platform, traits: traits) else { continue }
                    try visitProduct(depName, of: parts.count > 1 ? parts[1] as? String : nil, from: manifest, package: package)
                default:
                    Issue.record("unknown dependency kind \(entry.key) in \(label)")
                }
            }
        }

        /// A product of another package: its targets, read from its checkout.
        func visitProduct(_ product: String, of packageName: String?, from manifest: Manifest, package: String?) throws {
            let identities = (manifest.root["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency -> String? in
                let value = dependency.values.first as? [[String: Any]]
                return value?.first?["identity"] as? String
            }
            let candidates = packageName.map { [$0.lowercased()] } ?? identities
            for identity in candidates {
                let dependency = try external[identity] ?? loadCheckout(identity)
                external[identity] = dependency
                let products = dependency.root["products"] as? [[String: Any]] ?? []
                guard let targets = products.first(where: { $0["name"] as? String == product })?["targets"] as? [String] else { continue }
                for target in targets { try visit(target, package: identity, in: dependency) }
                return
            }
            Issue.record("product \(product) (needed by \(package ?? "the root package")) not found in \(candidates)")
        }
    }

    /// Whether a dependency or setting condition holds on `platform` with `traits` (nil: all).
    static func applies(_ condition: Any?, on platform: String, traits: Set<String>?) -> Bool {
        guard let condition = condition as? [String: Any] else { return true }
        if let names = condition["platformNames"] as? [String], !names.isEmpty, !names.contains(platform) { return false }
        if let traits, let needed = condition["traits"] as? [String], !needed.isEmpty, traits.isDisjoint(with: needed) { return false }
        return true
    }

    /// The first C, C++, Objective-C, assembly or header file of a target, if it has any.
    static func firstCFile(of target: [String: Any], name: String, in packageDirectory: URL) -> String? {
        let path = target["path"] as? String ?? "Sources/\(name)"
        let directory = packageDirectory.appendingPathComponent(path)
        let cExtensions: Set<String> = ["c", "cc", "cpp", "cxx", "c++", "m", "mm", "s", "S", "h", "hh", "hpp", "modulemap"]
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return nil }
        for case let file as String in walker where cExtensions.contains((file as NSString).pathExtension) {
            return path + "/" + file
        }
        return nil
    }

    /// A dependency's manifest from the checkout that the running test build resolved.
    static func loadCheckout(_ identity: String) throws -> Manifest {
        let checkouts = try #require(checkoutsFolder(), "no build folder (workspace-state.json) above \(CommandLine.arguments[0])")
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: checkouts.deletingLastPathComponent().appendingPathComponent("workspace-state.json"))) as? [String: Any]
        let entries = (state?["object"] as? [String: Any])?["dependencies"] as? [[String: Any]] ?? []
        let entry = entries.first { (($0["packageRef"] as? [String: Any])?["identity"] as? String) == identity }
        let subpath = try #require(entry?["subpath"] as? String,
                                   "package \(identity) is in the closure but not checked out in this build, so its targets cannot be read")
        return try manifest(at: checkouts.appendingPathComponent(subpath))
    }

    /// `<scratch>/checkouts` of the build that holds this test binary.
    static func checkoutsFolder() -> URL? {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        while folder.path != "/" {
            folder.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("workspace-state.json").path) {
                return folder.appendingPathComponent("checkouts")
            }
        }
        return nil
    }
}
