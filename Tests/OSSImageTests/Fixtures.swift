import OSSImage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The official SDKs' image fixtures, read in place (never copied into the repository). Tests
/// that need them are enabled only when the folder is there.
enum Fixtures {
    /// `../shared/fixtures/oss-image/` beside the repository; the docs' example.jpg is
    /// `oss2-example.jpg` in it.
    static let folder: String = {
        // This file is REPO/Tests/OSSImageTests/Fixtures.swift.
        var path = Substring(#filePath)
        for _ in 0..<4 { path = path[..<(path.lastIndex(of: "/") ?? path.startIndex)] }
        return path + "/shared/fixtures/oss-image/"
    }()
    static var present: Bool { access(folder + "oss2-example.jpg", R_OK) == 0 }

    /// A fixture's bytes.
    static func read(_ name: String) throws -> [UInt8] {
        guard let file = fopen(folder + name, "rb") else { throw ImageError(code: "NoSuchFixture", message: folder + name) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }
}
