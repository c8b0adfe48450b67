import ArgumentParser
import OSS
import OSSFileIO
import OSSImage

extension Verify {
    /// `oss verify --source ORIGINALS --process P FOLDER`: every file under FOLDER against the
    /// original at the same relative path, one verdict a file, then a summary.
    func verifyFolder() async throws {
        let outputs: [LocalFile]
        do { outputs = try await BlockingIO.run { try LocalFiles.walk(output) } } catch {
            writeStandardError("oss: \(LocalFileError(error, path: output, while: "reading"))\n")
            throw ExitCode(2)
        }
        let remote = OSSLocation(argument: source)
        var bucket: OSSBucket?
        if let remote { bucket = try await reportingErrors { try await options.client().bucket(remote.bucket) } }
        let prefix = remote.map { ObjectPaths.folderPrefix($0.key) } ?? ""
        var (matched, mismatched, failed) = (0, 0, 0)
        for file in outputs {
            let sourceName = remote == nil ? ObjectPaths.join(source, file.relativePath) : "oss://\(remote?.bucket ?? "")/\(prefix)\(file.relativePath)"
            do {
                let sourceBytes: [UInt8]
                if let bucket {
                    sourceBytes = try await bucket.getObjectData(prefix + file.relativePath, maximumSize: ImageLimits.maximumSourceBytes).data
                } else {
                    sourceBytes = try await Self.read(sourceName)
                }
                let objects = self.objects ?? (remote == nil ? Image.folder(of: sourceName) : ".")
                let report = try await Self.verify(sourceBytes, process: process, outputPath: file.path, objects: objects)
                if report.matches {
                    matched += 1
                    print("MATCH     \(file.relativePath)")
                } else {
                    mismatched += 1
                    let failures = report.checks.filter { !$0.passed }.map { check in
                        (check.action.map { "\(check.name) [\($0)]" } ?? check.name) + " \(check.measured) (\(check.threshold))"
                    }
                    print("MISMATCH  \(file.relativePath): " + (failures.isEmpty ? "no check ran" : failures.joined(separator: "; ")))
                }
            } catch {
                failed += 1
                print("ERROR     \(file.relativePath): \(sourceName): \(describe(error))")
            }
        }
        print("\(matched) match, \(mismatched) mismatch, \(failed) could not be checked (\(outputs.count) files)")
        if failed > 0 { throw ExitCode(2) }
        if mismatched > 0 { throw ExitCode(1) }
    }
}
