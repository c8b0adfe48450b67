import Foundation
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `length` bytes of a file from `offset`, as the input stream of a streamed upload.
///
/// URLSession pulls it on its own thread, so the blocking `open` and `pread` never run on Swift's
/// cooperative pool, and only the buffer URLSession passes in is ever held. A file that is shorter
/// than the range, or that cannot be opened, fails the stream (and with it the upload) instead of
/// sending fewer bytes than the `Content-Length` promised.
///
/// Made by the delegate when the session asks, and used only on the session's thread from then on.
final class FileRangeInputStream: InputStream {
    private let path: String
    private var position: Int64
    private var remaining: Int64
    private var descriptor: Int32 = -1
    private var status: Stream.Status = .notOpen
    private var failure: NSError?

    init(path: String, offset: Int64, length: Int64) {
        self.path = path
        position = offset
        remaining = length
        super.init(data: Data())
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    override func open() {
        guard status == .notOpen else { return }
        descriptor = path.withCString { systemOpen($0, O_RDONLY | O_CLOEXEC) }
        if descriptor < 0 {
            fail(errno, "cannot open the upload file")
        } else {
            status = remaining == 0 ? .atEnd : .open
        }
    }

    override func close() {
        if descriptor >= 0 { _ = systemClose(descriptor) }
        descriptor = -1
        status = .closed
    }

    override var streamStatus: Stream.Status { status }
    override var streamError: (any Error)? { failure }
    override var hasBytesAvailable: Bool { status == .open && remaining > 0 }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength: Int) -> Int {
        switch status {
        case .atEnd: return 0
        case .open: break
        default: return -1
        }
        let wanted = Int(clamping: min(Int64(max(maxLength, 0)), remaining))
        guard wanted > 0 else {
            if remaining == 0 { status = .atEnd }
            return 0
        }
        while true {
            let count = pread(descriptor, buffer, wanted, off_t(position))
            if count < 0 {
                if errno == EINTR { continue }
                fail(errno, "cannot read the upload file")
                return -1
            }
            if count == 0 {
                // The file shrank under the upload: sending less than Content-Length would leave
                // the server waiting; failing ends the request with a clear error.
                fail(EIO, "the upload file ended \(remaining) bytes before its range")
                return -1
            }
            position += Int64(count)
            remaining -= Int64(count)
            if remaining == 0 { status = .atEnd }
            return count
        }
    }

    override func getBuffer(_ buffer: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, length: UnsafeMutablePointer<Int>) -> Bool {
        false
    }

    // Nothing to schedule: reads are synchronous on the caller's thread.
    override func schedule(in aRunLoop: RunLoop, forMode mode: RunLoop.Mode) {}
    override func remove(from aRunLoop: RunLoop, forMode mode: RunLoop.Mode) {}
    #if canImport(Darwin)
    override func property(forKey key: Stream.PropertyKey) -> Any? { nil }
    override func setProperty(_ property: Any?, forKey key: Stream.PropertyKey) -> Bool { false }
    #endif

    /// Names the failure without the path (which may say more about the machine than a log should).
    private func fail(_ code: Int32, _ reason: String) {
        status = .error
        failure = NSError(domain: NSPOSIXErrorDomain, code: Int(code), userInfo: [NSLocalizedDescriptionKey: "\(reason): \(String(cString: strerror(code)))"])
    }
}

private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    open(path, flags)
}

private func systemClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
