import OSSCrypto
import OSSFileIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The two files a download keeps beside the file it will replace: the temporary file the parts
/// are written into, and the checkpoint. Fixed names (not `mkstemp`'s), so that a later process
/// finds them; the temporary file is locked while a download uses it, so two downloads to one
/// destination cannot write into each other.
struct DownloadFiles: Sendable, Hashable {
    /// The file the download replaces (the end of a symlink chain, or the path itself).
    var target: String
    /// `.NAME.oss-download`.
    var temporary: String
    /// `.NAME.oss-download.json`.
    var checkpoint: String

    init(target: String) {
        self.target = target
        let directory = AtomicFileWriter.directoryOf(target)
        let base = target.split(separator: "/").last.map(String.init) ?? "file"
        // File names stop at 255 bytes: a long name is cut, with its CRC-64 to keep it apart.
        let stem = base.utf8.count <= 200 ? base
            : String(decoding: base.utf8.prefix(64), as: UTF8.self) + "-" + String(CRC64.checksum(Array(base.utf8)), radix: 16)
        temporary = "\(directory)/.\(stem).oss-download"
        checkpoint = temporary + ".json"
    }

    /// Removes what a process killed while it saved the checkpoint leaves: the atomic write's
    /// own temporary file (`..NAME.oss-download.json.tmp-XXXXXX`). Blocking.
    func removeCheckpointLeftovers() {
        let directory = AtomicFileWriter.directoryOf(checkpoint)
        let prefix = "." + (checkpoint.split(separator: "/").last.map(String.init) ?? "") + ".tmp-"
        for name in (try? FileSystem.entries(of: directory)) ?? [] where name.hasPrefix(prefix) {
            try? FileSystem.removeFile(directory + "/" + name)
        }
    }
}

/// What a resumable download records after every part. It names the object by ETag and size,
/// and the layout by part size: if any differs, the download starts over rather than stitch
/// two versions together. Everything in it is checked before use, and every part it vouches for
/// is read back from the temporary file and its CRC-64 compared, so a hostile or stale
/// checkpoint costs a re-fetch, never a wrong file.
struct DownloadCheckpoint: Codable, Sendable, Hashable {
    /// The object and the layout of its parts.
    struct Object: Codable, Sendable, Hashable {
        var bucket: String
        var key: String
        var destination: String
        var etag: String
        var size: Int64
        /// Decimal, as OSS sends it (a UInt64 does not survive every JSON reader).
        var crc64: String?
        var partSize: Int64
    }

    /// A part on disk: its index (0 for the first) and CRC-64 in decimal.
    struct Part: Codable, Sendable, Hashable {
        var index: Int
        var crc64: String
    }

    var version = 1
    var object: Object
    var parts: [Part]

    /// The checkpoint at `path`; nil when there is none or it cannot be read as one.
    static func load(_ path: String) async -> DownloadCheckpoint? {
        let bytes = try? await BlockingIO.run { () -> [UInt8]? in
            guard let status = try FileStatus.of(path), status.isRegularFile, status.size <= 8 << 20 else { return nil }
            return try POSIXFile(readingAt: path).read(at: 0, count: Int(status.size))
        }
        guard let bytes else { return nil }
        return try? JSONDecoder().decode(DownloadCheckpoint.self, from: Data(bytes))
    }

    /// The parts it records for `object` laid out as `ranges`: empty when it is for another
    /// object, version or layout, or lists anything out of range.
    func parts(for object: Object, ranges: Int) -> [Int: UInt64] {
        guard version == 1, self.object == object, parts.count <= ranges else { return [:] }
        var parsed: [Int: UInt64] = [:]
        for part in parts {
            guard (0..<ranges).contains(part.index), let crc = UInt64(part.crc64), parsed[part.index] == nil else { return [:] }
            parsed[part.index] = crc
        }
        return parsed
    }

    /// Writes the checkpoint atomically: a kill leaves the previous one or this one, whole.
    func save(_ path: String) async {
        guard let bytes = try? Array(JSONEncoder().encode(self)) else { return }
        // A checkpoint that cannot be written costs only the resume, not the download.
        _ = try? await BlockingIO.run {
            let writer = try AtomicFileWriter(destination: path)
            try writer.write(bytes)
            try writer.commit()
        }
    }
}

/// Another download holds the temporary file's lock.
struct DownloadInProgressError: Error, CustomStringConvertible {
    var path: String
    var description: String { "another download to \(path) is in progress" }
}

/// The temporary file and the parts on disk, for one download call. An actor, so that parts
/// finishing together are recorded one after the other.
actor DownloadState {
    nonisolated let file: POSIXFile
    nonisolated let files: DownloadFiles
    private let resumable: Bool
    private var checkpoint: DownloadCheckpoint
    /// CRC-64 of every part on disk, by index.
    private(set) var doneParts: [Int: UInt64]

    private init(file: POSIXFile, files: DownloadFiles, resumable: Bool, checkpoint: DownloadCheckpoint, doneParts: [Int: UInt64]) {
        self.file = file
        self.files = files
        self.resumable = resumable
        self.checkpoint = checkpoint
        self.doneParts = doneParts
    }

    /// Opens (and locks) the temporary file; keeps the parts an earlier run left whose bytes on
    /// disk still have the CRC-64 it recorded, or starts over with a file of the object's size.
    static func prepare(_ files: DownloadFiles, object: DownloadCheckpoint.Object, ranges: [Downloader.PartRange],
                        resumable: Bool, path: String) async throws(OSSError) -> DownloadState {
        var recorded: [Int: UInt64] = [:]
        if resumable, let checkpoint = await DownloadCheckpoint.load(files.checkpoint) {
            recorded = checkpoint.parts(for: object, ranges: ranges.count)
        }
        let opened: (POSIXFile, [Int: UInt64])
        do {
            opened = try await BlockingIO.run { [recorded] () throws -> (POSIXFile, [Int: UInt64]) in
                let file = try POSIXFile(updatingAt: files.temporary)
                guard try file.lockExclusively() else { throw DownloadInProgressError(path: path) }
                let status = try file.status()
                guard status.isRegularFile else {
                    throw UnreplaceableDestinationError(path: files.temporary, found: "not a regular file")
                }
                if !recorded.isEmpty, status.size == object.size {
                    return (file, try verified(recorded, in: file, ranges: ranges))
                }
                // Starting over: the old checkpoint goes first, so no kill leaves it vouching for
                // the emptied file (the read-back would catch it, at the cost of a read).
                try FileSystem.removeFile(files.checkpoint)
                try file.truncate(to: 0)
                try file.truncate(to: object.size)
                return (file, [:])
            }
        } catch let error as DownloadInProgressError {
            throw .invalidArgument(parameter: "destination", reason: error.description + ".")
        } catch {
            throw DownloadPipeline.destinationError(error, path: path, while: "creating the partial download beside")
        }
        let parts = opened.1.sorted { $0.key < $1.key }.map { DownloadCheckpoint.Part(index: $0.key, crc64: String($0.value)) }
        let state = DownloadState(file: opened.0, files: files, resumable: resumable,
                                  checkpoint: DownloadCheckpoint(object: object, parts: parts), doneParts: opened.1)
        if resumable { await state.saveCheckpoint() }
        return state
    }

    /// The recorded parts whose bytes in `file` have the CRC-64 recorded, read back 1 MiB at a time.
    private static func verified(_ recorded: [Int: UInt64], in file: POSIXFile, ranges: [Downloader.PartRange]) throws -> [Int: UInt64] {
        var kept: [Int: UInt64] = [:]
        for (index, expected) in recorded {
            let range = ranges[index]
            var crc = CRC64()
            var offset = range.offset
            let end = range.offset + range.length
            while offset < end {
                let bytes = try file.read(at: offset, count: Int(min(1 << 20, end - offset)))
                guard !bytes.isEmpty else { break }
                crc.update(bytes)
                offset += Int64(bytes.count)
            }
            if offset == end, crc.value == expected { kept[index] = expected }
        }
        return kept
    }

    /// Notes a part on disk and, when resumable, saves the checkpoint.
    func record(_ index: Int, crc64: UInt64) async {
        doneParts[index] = crc64
        guard resumable else { return }
        checkpoint.parts.removeAll { $0.index == index }
        checkpoint.parts.append(DownloadCheckpoint.Part(index: index, crc64: String(crc64)))
        checkpoint.parts.sort { $0.index < $1.index }
        await saveCheckpoint()
    }

    private func saveCheckpoint() async {
        await checkpoint.save(files.checkpoint)
    }

    /// Syncs the temporary file and renames it over the destination, after checking that `path`
    /// still names the file it named when the download started (and still may be replaced).
    func commit(path: String) async throws(OSSError) {
        let file = self.file, files = self.files
        do {
            try await BlockingIO.run {
                try file.sync()
                let target = try AtomicFileWriter.replaceableTarget(of: path)
                guard target == files.target else {
                    throw UnreplaceableDestinationError(path: path, found: "no longer the file it was when the download started")
                }
                try FileSystem.moveReplacing(files.temporary, to: target)
                try FileSystem.syncDirectory(AtomicFileWriter.directoryOf(target))
            }
        } catch {
            throw DownloadPipeline.destinationError(error, path: path, while: "moving the finished download into place at")
        }
    }

    /// Removes the checkpoint once the file is in place.
    func removeCheckpoint() async {
        let files = self.files
        _ = try? await BlockingIO.run {
            try FileSystem.removeFile(files.checkpoint)
            files.removeCheckpointLeftovers()
        }
    }

    /// Removes the temporary file and the checkpoint: nothing is left to resume.
    func discard() async {
        let files = self.files
        _ = try? await BlockingIO.run {
            try FileSystem.removeFile(files.checkpoint)
            try FileSystem.removeFile(files.temporary)
            files.removeCheckpointLeftovers()
        }
    }
}
