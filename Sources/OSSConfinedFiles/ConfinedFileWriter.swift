import OSSFileIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ``AtomicFileWriter`` for a ``ConfinedDirectory``: a new file is written under a temporary name,
/// synced, and renamed over its destination in one step, all beneath the root and without
/// following symbolic links. Until ``publish(as:)`` nothing is visible; ``abort()`` (or deinit)
/// removes the temporary file.
///
/// `capacity` simulates a device with that many bytes free, for fault injection: `write(2)` is
/// then given at most the room left, and once none is left the call fails with `ENOSPC`, as the
/// kernel's does on a full file system (a short write first, then the error).
public final class ConfinedFileWriter: @unchecked Sendable {
    /// The directory written in.
    public let directory: ConfinedDirectory
    /// The temporary file's name beneath the root.
    public let temporaryName: String
    /// Bytes written so far.
    public private(set) var bytesWritten: Int64 = 0
    private let file: POSIXFile
    private let capacity: Int64?
    private var finished = false

    /// The prefix of every temporary name this process creates: `PID-`, so that a later process
    /// can tell the leftovers of a dead one from the files of a live one.
    public static var processPrefix: String { "\(getpid())-" }

    /// Creates `TEMPORARYFOLDER/PID-RANDOM.tmp` beneath the root.
    public init(in directory: ConfinedDirectory, temporaryFolder: String, capacity: Int64? = nil) throws {
        self.directory = directory
        self.capacity = capacity
        var attempt = 0
        while true {
            let name = temporaryFolder + "/" + Self.processPrefix + String(UInt64.random(in: .min ... .max), radix: 36) + ".tmp"
            do {
                file = try directory.createFile(name)
                temporaryName = name
                break
            } catch let error as FileIOError where error.code == EEXIST && attempt < 8 {
                attempt += 1
            }
        }
    }

    deinit {
        if !finished { try? directory.removeFile(temporaryName) }
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            var count = bytes.count - done
            if let capacity {
                let room = capacity - bytesWritten
                guard room > 0 else { throw FileIOError("write", path: temporaryName, code: ENOSPC) }
                count = Int(min(Int64(count), room))
            }
            let n = systemWrite(file.descriptor, bytes.baseAddress! + done, count)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("write", path: temporaryName)
            }
            done += n
            bytesWritten += Int64(n)
        }
    }

    /// The open temporary file, to read back what was written.
    public var temporaryFile: POSIXFile { file }

    /// Syncs the file and renames it to `destination` (beneath the root), replacing what was
    /// there. The rename is durable once the destination's folder is synced: ``publish(as:)``
    /// leaves that to the caller, who may hold a lock around the rename alone.
    public func publish(as destination: String) throws {
        precondition(!finished, "ConfinedFileWriter published or aborted twice")
        do {
            try file.sync()
            try directory.rename(temporaryName, to: destination)
            finished = true
        } catch {
            abort()
            throw error
        }
    }

    /// ``publish(as:)``, then an `fsync` of the destination's folder.
    public func commit(as destination: String) throws {
        try publish(as: destination)
        let parent = destination.split(separator: "/").dropLast().joined(separator: "/")
        try directory.syncDirectory(parent)
    }

    /// Drops the temporary file; the destination is left as it was.
    public func abort() {
        guard !finished else { return }
        finished = true
        try? directory.removeFile(temporaryName)
    }
}

/// `write(2)`, named apart from the writers' own `write` methods.
@inline(__always)
func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
    #else
    Darwin.write(descriptor, buffer, count)
    #endif
}
