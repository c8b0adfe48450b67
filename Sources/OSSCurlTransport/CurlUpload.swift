import CCurlShim
import OSSHTTP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The request body as curl pulls it: bytes from memory or a byte range of a file, read where
/// curl asks, from the position curl last seeked to (a rewind resends the body on a new connection).
///
/// Touched only on the driver thread: opened when the transfer is added, then read and seeked
/// by curl's callbacks.
final class CurlUpload {
    private let body: HTTPRequestBody
    /// The open upload file, or -1 before ``open()`` and when the body is not a file.
    private var file: Int32 = -1
    private var position: Int64 {
        didSet { progress?(position) }
    }
    /// Told the position after each read and rewind: the bytes handed to curl, which sends them
    /// before it asks for more (its upload buffer holds 64 KiB).
    private let progress: UploadProgressHandler?

    /// A body; nothing is opened yet.
    init(_ body: HTTPRequestBody, progress: UploadProgressHandler? = nil) {
        self.body = body
        self.progress = progress
        position = 0
    }

    /// Opens the file of a `.file` body. The driver calls it before the handle joins the multi
    /// handle: so a missing or unreadable file fails the request before anything is sent, and
    /// the blocking `open` runs on the driver thread (which reads the file anyway), never on
    /// the caller's task in the cooperative pool.
    func open() throws(TransportError) {
        guard case let .file(path, _, _) = body, file < 0 else { return }
        let fd = openForReading(path)
        guard fd >= 0 else {
            throw TransportError(.invalidRequest, "cannot open the upload file \(path): \(String(cString: strerror(errno)))")
        }
        file = fd
    }

    deinit {
        if file >= 0 { close(file) }
    }

    /// The number of bytes sent.
    var length: Int64 { body.length }

    /// Fills curl's buffer; curl's return conventions (0 at the end, the abort code on failure).
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let remaining = body.length - position
        let count = Int(min(Int64(capacity), max(0, remaining)))
        guard count > 0 else { return 0 }
        switch body {
        case .none:
            return 0
        case let .bytes(bytes):
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + Int(position), byteCount: count)
            }
            position += Int64(count)
            return count
        case let .file(_, offset, _):
            while true {
                let n = pread(file, buffer, count, off_t(offset + position))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return oss_curl_readfunc_abort() }
                position += Int64(n)
                return n
            }
        }
    }

    /// Moves to `offset` from the start (the only origin curl uses for a rewind).
    func seek(to offset: Int64, origin: Int32) -> Int32 {
        guard origin == SEEK_SET, offset >= 0, offset <= body.length else { return 1 } // CURL_SEEKFUNC_FAIL
        position = offset
        return 0 // CURL_SEEKFUNC_OK
    }
}

extension CurlTransfer {
    /// curl's read callback: the next bytes of the body, or an abort once the consumer cancelled.
    func onRead(_ buffer: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Int {
        if isCancelled { return oss_curl_readfunc_abort() }
        return upload.read(into: buffer, capacity: capacity)
    }

    /// curl's seek callback, for a rewind before the body is sent again.
    func onSeek(_ offset: Int64, _ origin: Int32) -> Int32 {
        upload.seek(to: offset, origin: origin)
    }
}

private func openForReading(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC)
}
