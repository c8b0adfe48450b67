import Foundation
import OSSConfinedFiles
import OSSFileIO
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `ConfinedDirectory`: names resolved beneath a root, never through a symbolic link out of it,
/// with openat2 and with the O_NOFOLLOW walk alike.
@Suite("Files opened beneath a root")
struct ConfinedDirectoryTests {
    /// A root holding `bucket/file.txt`, `bucket/link.txt -> OUTSIDE/secret.txt` and
    /// `bucket/dir -> OUTSIDE`, next to an outside folder.
    final class Layout: @unchecked Sendable {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("confined-\(UUID().uuidString)").path
        var root: String { base + "/root" }
        var outside: String { base + "/outside" }
        init() throws {
            try FileManager.default.createDirectory(atPath: root + "/bucket", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try Data("inside".utf8).write(to: URL(fileURLWithPath: root + "/bucket/file.txt"))
            try Data("secret".utf8).write(to: URL(fileURLWithPath: outside + "/secret.txt"))
            try FileManager.default.createSymbolicLink(atPath: root + "/bucket/link.txt", withDestinationPath: outside + "/secret.txt")
            try FileManager.default.createSymbolicLink(atPath: root + "/bucket/dir", withDestinationPath: outside)
            try FileManager.default.createSymbolicLink(atPath: root + "/bucket/up", withDestinationPath: "../..")
        }
        deinit { try? FileManager.default.removeItem(atPath: base) }
        var outsideFiles: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: outside)) ?? []).sorted() }
    }

    static var resolutions: [ConfinedDirectory.Resolution] {
        var all: [ConfinedDirectory.Resolution] = [.walk]
        #if os(Linux)
        all.append(.openat2)
        #endif
        return all
    }

    func expectRefused(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected a refusal", sourceLocation: sourceLocation)
        } catch let error as FileIOError {
            #expect(error.isConfinementRefusal || error.code == ENOTDIR, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("the default is openat2 where the kernel has it")
    func defaultResolution() throws {
        let layout = try Layout()
        let directory = try ConfinedDirectory(path: layout.root)
        #if os(Linux)
        // Not asserted: a seccomp profile may refuse openat2, and the walk then takes over.
        print("ConfinedDirectory resolution on this kernel: \(directory.resolution)")
        #else
        #expect(directory.resolution == .walk)
        #endif
    }

    @Test("plain files beneath the root are read, written, listed, renamed and removed", arguments: resolutions)
    func ordinaryUse(resolution: ConfinedDirectory.Resolution) throws {
        let layout = try Layout()
        let directory = try ConfinedDirectory(path: layout.root, resolution: resolution)
        #expect(try directory.openForReading("bucket/file.txt").read(at: 0, count: 100) == Array("inside".utf8))
        #expect(try directory.createDirectories("a/b/c") == ["a", "a/b", "a/b/c"])
        #expect(try directory.createDirectories("a/b/c").isEmpty)
        let writer = try ConfinedFileWriter(in: directory, temporaryFolder: "a")
        try writer.write(Array("written".utf8))
        try writer.commit(as: "a/b/c/new.txt")
        #expect(try String(contentsOfFile: layout.root + "/a/b/c/new.txt", encoding: .utf8) == "written")
        #expect(try directory.entries("a").map(\.name) == ["b"])
        #expect(try directory.status("a/b/c/new.txt")?.size == 7)
        #expect(try directory.status("a/missing") == nil)
        #expect(try directory.status("a/b/c/new.txt/below") == nil)
        try directory.rename("a/b/c/new.txt", to: "a/moved.txt")
        try directory.removeFile("a/moved.txt")
        try directory.removeFile("a/moved.txt")
        #expect(directory.removeEmptyDirectory("a/b/c"))
        #expect(!directory.removeEmptyDirectory("a"))
        for bad in ["../x", "a/../x", "/etc/passwd", "a//b", "./a"] {
            #expect(throws: FileIOError.self) { try directory.openForReading(bad) }
        }
    }

    @Test("a symbolic link is described, never followed out of the root", arguments: resolutions)
    func links(resolution: ConfinedDirectory.Resolution) throws {
        let layout = try Layout()
        let directory = try ConfinedDirectory(path: layout.root, resolution: resolution)
        // Reading.
        expectRefused { _ = try directory.openForReading("bucket/link.txt") }
        expectRefused { _ = try directory.openForReading("bucket/dir/secret.txt") }
        expectRefused { _ = try directory.openForReading("bucket/up/outside/secret.txt") }
        // Through a link, nothing is there.
        #expect(try directory.status("bucket/dir/secret.txt") == nil)
        #expect(try directory.status("bucket/link.txt")?.isSymbolicLink == true)
        #expect(try directory.status("bucket/dir")?.isSymbolicLink == true)
        // Listing.
        let kinds = Dictionary(uniqueKeysWithValues: try directory.entries("bucket").map { ($0.name ?? "?", $0.kind) })
        #expect(kinds == ["file.txt": .regularFile, "link.txt": .symbolicLink, "dir": .symbolicLink, "up": .symbolicLink])
        #expect(try directory.entries("bucket/dir").isEmpty)
        // Writing and removing.
        expectRefused { _ = try directory.createFile("bucket/dir/new.txt") }
        expectRefused { _ = try directory.createDirectories("bucket/dir/sub") }
        expectRefused { try directory.removeFile("bucket/dir/secret.txt") }
        let writer = try ConfinedFileWriter(in: directory, temporaryFolder: "bucket")
        try writer.write([1, 2, 3])
        expectRefused { try writer.commit(as: "bucket/dir/secret.txt") }
        // Removing or replacing the link itself stays inside the root and leaves its target alone.
        try directory.removeFile("bucket/link.txt")
        #expect(layout.outsideFiles == ["secret.txt"])
        #expect(try String(contentsOfFile: layout.outside + "/secret.txt", encoding: .utf8) == "secret")
        #expect(try directory.entries("bucket").compactMap(\.name).sorted() == ["dir", "file.txt", "up"])
    }

    @Test("a writer with a capacity fails like a full disk: a short write, then ENOSPC, and nothing published", arguments: resolutions)
    func capacity(resolution: ConfinedDirectory.Resolution) throws {
        let layout = try Layout()
        let directory = try ConfinedDirectory(path: layout.root, resolution: resolution)
        let writer = try ConfinedFileWriter(in: directory, temporaryFolder: "bucket", capacity: 10)
        try writer.write([UInt8](repeating: 7, count: 6))
        do {
            try writer.write([UInt8](repeating: 8, count: 6))
            Issue.record("expected ENOSPC")
        } catch let error as FileIOError {
            #expect(error.code == ENOSPC)
            #expect(error.isOutOfSpace)
        }
        #expect(writer.bytesWritten == 10)
        writer.abort()
        #expect(try directory.entries("bucket").compactMap(\.name).sorted() == ["dir", "file.txt", "link.txt", "up"])
    }
}
