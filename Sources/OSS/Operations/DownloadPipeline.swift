import OSSFileIO
import OSSHTTP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The last leg of `getObject(toFile:)` and `getObjectData`: receive the body, verify it against
/// what the server announced, and put the file in place atomically, or leave nothing behind.
enum DownloadPipeline {
    /// Streams a response body into an atomic file: receive, checksum and write overlap.
    static func receive(_ response: TransportResponse, info: ObjectInfo, to path: String, checkCRC: Bool,
                        progress: ProgressHandler?) async throws(OSSError) -> ObjectInfo {
        let sink: DownloadSink
        do {
            let body = response.body
            sink = DownloadSink(writer: try await BlockingIO.run { try AtomicFileWriter(replacing: path) },
                                recycle: { body.recycle($0) })
        } catch {
            response.body.cancel()
            throw destinationError(error, path: path, while: "creating a temporary file beside")
        }
        var received: Int64 = 0
        do {
            do {
                var iterator = response.body.makeAsyncIterator()
                while let chunk = try await iterator.next() {
                    received += Int64(chunk.count)
                    try await sink.append(consume chunk)
                    progress?(received, info.contentLength)
                }
            } catch let error as FileIOError {
                response.body.cancel()
                throw destinationError(error, path: path, while: "writing")
            } catch let error as OSSError {
                throw error
            } catch {
                throw bodyError(error, received: received, info: info)
            }
            let crc: UInt64, written: Int64
            do {
                (crc, written) = try await sink.finish()
            } catch {
                throw destinationError(error, path: path, while: "writing")
            }
            try verify(received: written, crc: crc, info: info, checkCRC: checkCRC)
            try Task.checkCancellation()
            do {
                try await sink.commit()
            } catch {
                throw destinationError(error, path: path, while: "moving the finished download into place at")
            }
            return info
        } catch {
            await sink.abort()
            switch error {
            case let error as OSSError: throw error
            case is CancellationError: throw .cancelled
            default: throw destinationError(error, path: path, while: "writing")
            }
        }
    }

    /// A failure at the destination, as an error that says what happened to `path` (as the
    /// caller gave it) and why, without the temporary file's name: `writing dest.jpg failed: No
    /// space left on device`. A destination that cannot be replaced is the caller's argument at
    /// fault; everything else is the disk's, an I/O error.
    static func destinationError(_ error: any Error, path: String, while doing: String) -> OSSError {
        switch error {
        case let error as UnreplaceableDestinationError:
            return .invalidArgument(parameter: "destination", reason: error.description + ".")
        case let error as FileIOError:
            return .io(LocalFileError(path: path, operation: doing, errno: error.code, reason: String(cString: strerror(error.code))))
        case let error as OSSError:
            return error
        default:
            return .io(LocalFileError(path: path, operation: doing, errno: nil, reason: "\(error)"))
        }
    }

    /// A failure while reading a body, in OSS terms: a body cut short is an integrity error.
    static func bodyError(_ error: any Error, received: Int64, info: ObjectInfo) -> OSSError {
        if let error = error as? OSSError { return error }
        if let transport = error as? TransportError {
            switch transport.kind {
            case .cancelled: return .cancelled
            case .truncatedBody:
                return .integrity(IntegrityError(kind: .length, expected: info.contentLength.map(String.init) ?? "more", actual: String(received), requestId: info.requestId))
            default: return .transport(transport)
            }
        }
        if error is CancellationError { return .cancelled }
        return .transport(TransportError(.other, "\(error)"))
    }

    /// Content-Length always; CRC-64 when the body is the whole stored object.
    static func verify(received: Int64, crc: UInt64, info: ObjectInfo, checkCRC: Bool) throws(OSSError) {
        if let expected = info.contentLength, expected != received {
            throw .integrity(IntegrityError(kind: .length, expected: String(expected), actual: String(received), requestId: info.requestId))
        }
        if checkCRC, info.status == 200, let expected = info.crc64, expected != crc {
            throw .integrity(IntegrityError(kind: .crc64, expected: String(expected), actual: String(crc), requestId: info.requestId))
        }
    }
}
