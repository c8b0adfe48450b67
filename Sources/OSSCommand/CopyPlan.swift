import OSS
import OSSFileIO
import OSSLocking

/// What every object of one `oss cp` shares.
struct CopySettings: Sendable {
    var jobs: Int
    var process: String?
    var overwrite: Bool
    var multipartThreshold: Int64
    var progress: TransferProgress
}

/// How many objects were copied, skipped as identical, and failed.
struct CopyTally: Sendable {
    var copied = 0
    var skipped = 0
    var failed = 0

    mutating func add(_ outcome: CopyOutcome) {
        switch outcome {
        case .copied: copied += 1
        case .skipped: skipped += 1
        case .failed: failed += 1
        }
    }
}

enum CopyOutcome: Sendable {
    case copied, skipped, failed
}

/// The four copies: a file up, a folder up, an object down, a prefix down. Each object is one
/// job; at most `jobs` run at once, and a listing is read page by page as jobs finish, so a
/// prefix of millions of keys is copied in bounded memory.
enum CopyPlan {
    // MARK: Uploads

    static func uploadFile(_ path: String, to bucket: OSSBucket, key: String, _ settings: CopySettings) async throws -> CopyTally {
        let status: FileStatus?
        do { status = try await BlockingIO.run { try FileStatus.of(path) } } catch { throw LocalFileError(error, path: path, while: "examining") }
        guard let status else { throw LocalFileError(description: "\(path) does not exist.") }
        if status.isDirectory { throw LocalFileError(description: "\(path) is a folder: use cp -r to copy a folder.") }
        guard status.isRegularFile else { throw LocalFileError(description: "\(path) is not a regular file.") }
        let target = key.isEmpty || key.hasSuffix("/") ? key + ObjectPaths.lastSegment(path) : key
        let file = LocalFile(relativePath: ObjectPaths.lastSegment(path), path: path, size: status.size)
        settings.progress.found(objects: 1, bytes: file.size)
        var tally = CopyTally()
        tally.add(await upload(file, to: bucket, key: target, settings))
        return tally
    }

    static func uploadFolder(_ folder: String, to bucket: OSSBucket, prefix: String, _ settings: CopySettings) async throws -> CopyTally {
        let isFolder = (try? await BlockingIO.run { try FileStatus.of(folder) })??.isDirectory ?? false
        guard isFolder else { throw LocalFileError(description: "\(folder) is not a folder (cp -r copies a folder).") }
        let files: [LocalFile]
        do { files = try await BlockingIO.run { try LocalFiles.walk(folder) } } catch { throw LocalFileError(error, path: folder, while: "reading") }
        settings.progress.found(objects: files.count, bytes: files.reduce(0) { $0.addingClamped($1.size) })
        let prefix = ObjectPaths.folderPrefix(prefix)
        return await runBounded(jobs: settings.jobs) { submit in
            for file in files {
                await submit { await upload(file, to: bucket, key: prefix + file.relativePath, settings) }
            }
        }
    }

    private static func upload(_ file: LocalFile, to bucket: OSSBucket, key: String, _ settings: CopySettings) async -> CopyOutcome {
        let name = "\(file.path) -> oss://\(bucket.name)/\(key)"
        let handler = settings.progress.handler()
        do {
            if !settings.overwrite, try await identicalObject(bucket, key: key, size: file.size, localPath: file.path) {
                settings.progress.objectDone(unreportedBytes: file.size)
                return .skipped
            }
            if file.size >= settings.multipartThreshold {
                var options = PutObjectOptions()
                options.progress = handler
                try await Uploader(bucket: bucket, concurrency: min(4, settings.jobs)).upload(fromFile: file.path, to: key, options: options)
            } else {
                var options = PutObjectOptions()
                options.progress = handler
                _ = try await bucket.putObject(key, fromFile: file.path, options: options)
            }
            handler(file.size, file.size)
            settings.progress.objectDone()
            return .copied
        } catch {
            handler(0, file.size)
            settings.progress.objectDone(unreportedBytes: file.size)
            settings.progress.message("oss: \(name): \(describe(error))")
            return .failed
        }
    }

    /// Whether `key` holds what the file holds: the same size, then the same CRC-64 (the file is
    /// read only when the sizes agree). A missing object is not identical; any other failure of
    /// the comparison is the object's error.
    private static func identicalObject(_ bucket: OSSBucket, key: String, size: Int64, localPath: String) async throws -> Bool {
        let meta: ObjectMeta
        do throws(OSSError) {
            meta = try await bucket.getObjectMeta(key)
        } catch where error.code == .noSuchKey {
            return false
        } catch {
            throw error
        }
        guard meta.contentLength == size, let remote = meta.crc64 else { return false }
        do { return try await LocalFiles.crc64(localPath) == remote } catch { throw LocalFileError(error, path: localPath, while: "reading") }
    }

    // MARK: Downloads

    static func downloadSingle(_ key: String, from bucket: OSSBucket, to path: String, _ settings: CopySettings) async throws -> CopyTally {
        guard !key.isEmpty, !key.hasSuffix("/") else {
            throw LocalFileError(description: "oss://\(bucket.name)/\(key) names a prefix, not an object: use cp -r to copy a prefix.")
        }
        let existingFolder = (try? await BlockingIO.run { try FileStatus.of(path) })??.isDirectory ?? false
        let isFolder = path.hasSuffix("/") || existingFolder
        var target = path
        if isFolder {
            let name = ObjectPaths.lastSegment(key)
            guard name != "..", name != "." else {
                throw LocalFileError(description: "the key \(key) cannot name a file in \(path): its last segment is \(name).")
            }
            target = ObjectPaths.join(path, name)
        }
        // The size decides whether the object comes in parallel parts; a processed object's is
        // not known before it arrives. A failed HEAD leaves it unknown: the GET reports the error.
        let size: Int64? = settings.process == nil ? (try? await bucket.getObjectMeta(key))?.contentLength : nil
        settings.progress.found(objects: 1, bytes: size ?? 0)
        var tally = CopyTally()
        tally.add(await download(key, size: size, from: bucket, to: target, settings))
        return tally
    }

    static func downloadPrefix(_ prefix: String, from bucket: OSSBucket, to folder: String, _ settings: CopySettings) async throws -> CopyTally {
        let prefix = ObjectPaths.folderPrefix(prefix)
        // Folders are made as files need them: a failed listing leaves nothing behind.
        // A listing error (no such bucket, a refused signature) ends the copy; one object's error does not.
        var listingError: (any Error)?
        let tally = await runBounded(jobs: settings.jobs) { submit in
            do {
                for try await page in bucket.listObjectsV2Pages(prefix: prefix.isEmpty ? nil : prefix, maxKeys: 1000) {
                    // Keys ending in / are the folder markers consoles create: no file to write.
                    let objects = page.objects.filter { !$0.key.hasSuffix("/") }
                    settings.progress.found(objects: objects.count, bytes: objects.reduce(0) { $0.addingClamped($1.size) })
                    for object in objects {
                        await submit {
                            let relative: String
                            do {
                                relative = try ObjectPaths.relativePath(forKey: object.key, prefix: prefix)
                            } catch {
                                settings.progress.objectDone(unreportedBytes: object.size)
                                settings.progress.message("oss: oss://\(bucket.name)/\(object.key): \(error)")
                                return .failed
                            }
                            return await download(object.key, size: object.size, from: bucket, to: ObjectPaths.join(folder, relative), settings)
                        }
                    }
                }
            } catch {
                listingError = error
            }
        }
        if let listingError { throw listingError }
        return tally
    }

    private static func download(_ key: String, size: Int64?, from bucket: OSSBucket, to path: String, _ settings: CopySettings) async -> CopyOutcome {
        let name = "oss://\(bucket.name)/\(key) -> \(path)"
        let handler = settings.progress.handler(sizeKnown: size != nil)
        do {
            if settings.process == nil, !settings.overwrite, try await identicalFile(path, bucket: bucket, key: key, size: size) {
                settings.progress.objectDone(unreportedBytes: size ?? 0)
                return .skipped
            }
            let parent = AtomicFileWriter.directoryOf(path)
            do { try await BlockingIO.run { try FileSystem.createDirectories(parent) } } catch { throw LocalFileError(error, path: parent, while: "creating") }
            let written = try await downloadObject(bucket, key: key, process: settings.process, to: path, size: size,
                                                   partsFrom: settings.multipartThreshold, progress: handler)
            // A processed object is not the listed size: count what the listing promised as done.
            handler(size ?? written ?? 0, size)
            settings.progress.objectDone()
            return .copied
        } catch {
            handler(0, size)
            settings.progress.objectDone(unreportedBytes: size ?? 0)
            if !(error is CancellationError), (error as? OSSError) != .cancelled {
                settings.progress.message("oss: \(name): \(describe(error))")
            }
            return .failed
        }
    }

    /// Whether the file at `path` already holds the object: a regular file of the object's size
    /// whose CRC-64 is the object's. The object's CRC-64 is asked for only when the sizes agree.
    private static func identicalFile(_ path: String, bucket: OSSBucket, key: String, size: Int64?) async throws -> Bool {
        let status: FileStatus?
        do { status = try await BlockingIO.run { try FileStatus.of(path) } } catch { return false }
        guard let status, status.isRegularFile else { return false }
        if let size, size != status.size { return false }
        let meta = try await bucket.getObjectMeta(key)
        guard meta.contentLength == status.size, let remote = meta.crc64 else { return false }
        do { return try await LocalFiles.crc64(path) == remote } catch { return false }
    }

    // MARK: Running jobs

    typealias Job = @Sendable () async -> CopyOutcome

    /// Runs the jobs `produce` submits, at most `jobs` at once: `submit` waits for a free slot, so
    /// the producer (a paginated listing) goes no faster than the copies.
    static func runBounded(jobs: Int, produce: (_ submit: (@escaping Job) async -> Void) async -> Void) async -> CopyTally {
        await withTaskGroup(of: CopyOutcome.self) { group in
            var tally = CopyTally()
            var running = 0
            await produce { job in
                if running >= jobs, let outcome = await group.next() {
                    tally.add(outcome)
                    running -= 1
                }
                if Task.isCancelled {
                    tally.add(.failed)
                    return
                }
                group.addTask { await job() }
                running += 1
            }
            for await outcome in group { tally.add(outcome) }
            return tally
        }
    }
}
