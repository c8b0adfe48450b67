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
        let sourceBucket = bucket
        let prefix = remote.map { ObjectPaths.folderPrefix($0.key) } ?? ""
        let jobs = self.jobs
        let (process, objectsOption, source) = (self.process, self.objects, self.source)
        /// One file's verdict line and its kind.
        enum Verdict: Sendable {
            case match, mismatch, failed
        }
        // Up to --jobs files at once (each decodes, processes and compares off the cooperative
        // pool); verdicts are printed in the walk's order, as soon as every earlier one is known.
        var (matched, mismatched, failed) = (0, 0, 0)
        await withTaskGroup(of: (Int, Verdict, String).self) { group in
            var next = 0, printed = 0
            var waiting: [Int: (Verdict, String)] = [:]
            func start() {
                let index = next, file = outputs[next]
                next += 1
                group.addTask {
                    let sourceName = remote == nil ? ObjectPaths.join(source, file.relativePath) : "oss://\(remote?.bucket ?? "")/\(prefix)\(file.relativePath)"
                    do {
                        let sourceBytes: [UInt8]
                        if let bucket = sourceBucket {
                            sourceBytes = try await bucket.getObjectData(prefix + file.relativePath, maximumSize: ImageLimits.maximumSourceBytes).data
                        } else {
                            sourceBytes = try await Self.read(sourceName)
                        }
                        let objects = objectsOption ?? (remote == nil ? Image.folder(of: sourceName) : ".")
                        let report = try await Self.verify(sourceBytes, process: process, outputPath: file.path, objects: objects)
                        if report.matches { return (index, .match, "MATCH     \(file.relativePath)") }
                        let failures = report.checks.filter { !$0.passed }.map { check in
                            (check.action.map { "\(check.name) [\($0)]" } ?? check.name) + " \(check.measured) (\(check.threshold))"
                        }
                        return (index, .mismatch, "MISMATCH  \(file.relativePath): " + (failures.isEmpty ? "no check ran" : failures.joined(separator: "; ")))
                    } catch {
                        return (index, .failed, "ERROR     \(file.relativePath): \(sourceName): \(describe(error))")
                    }
                }
            }
            while next < min(jobs, outputs.count) { start() }
            while let (index, verdict, line) = await group.next() {
                waiting[index] = (verdict, line)
                while let (verdict, line) = waiting.removeValue(forKey: printed) {
                    switch verdict {
                    case .match: matched += 1
                    case .mismatch: mismatched += 1
                    case .failed: failed += 1
                    }
                    print(line)
                    printed += 1
                }
                if next < outputs.count { start() }
            }
        }
        print("\(matched) match, \(mismatched) mismatch, \(failed) could not be checked (\(outputs.count) files)")
        if failed > 0 { throw ExitCode(2) }
        if mismatched > 0 { throw ExitCode(1) }
    }
}
