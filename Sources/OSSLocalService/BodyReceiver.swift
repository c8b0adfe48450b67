import OSSConfinedFiles
import OSSCore
import OSSCrypto
import OSSFileIO
import OSSSigner

/// What an upload body turned out to be once it was all written.
struct ReceivedBody: Sendable {
    var size: Int64
    var md5: [UInt8]
    var crc64: UInt64
}

extension LocalOSSService {
    /// Streams a request body into `writer`, hashing as it goes, and checks it against the
    /// request's `Content-Length` and `Content-MD5`. On any failure the writer is aborted (the
    /// temporary file goes) and the error is thrown; nothing was published.
    func receive(_ body: ByteChunks, request: ParsedRequest, into writer: ConfinedFileWriter, maximum: Int64) async throws -> ReceivedBody {
        let declaredLength = request.header("Content-Length").flatMap { Int64($0.trimmingWhitespace()) }
        var expectedMD5: [UInt8]?
        if let contentMD5 = request.header("Content-MD5") {
            guard let decoded = Base64.decodeURLSafe((contentMD5.trimmingWhitespace()).utf8), decoded.count == 16 else {
                writer.abort()
                throw ServiceError(status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified is not valid.", ec: "0016-00000401")
            }
            expectedMD5 = decoded
        }
        return try await write(try throttledUpload(body, request: request), into: writer, maximum: maximum,
                               declaredLength: declaredLength, expectedMD5: expectedMD5)
    }

    /// Writes `chunks` into `writer`, hashing as it goes, and checks the total against
    /// `declaredLength` and the digest against `expectedMD5`. Aborts the writer on any failure.
    /// The one body loop of every upload: PutObject, UploadPart, AppendObject.
    func write(_ chunks: ByteChunks, into writer: ConfinedFileWriter, maximum: Int64,
               declaredLength: Int64?, expectedMD5: [UInt8]?) async throws -> ReceivedBody {
        var md5 = StreamingDigest(.md5)
        var crc = CRC64()
        var received: Int64 = 0
        do {
            for try await chunk in chunks {
                received += Int64(chunk.count)
                if received > maximum {
                    throw ServiceError(status: 400, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed object size.", ec: "0006-00000001")
                }
                md5.update(chunk)
                crc.update(chunk)
                try await BlockingIO.run { try writer.write(chunk) }
            }
        } catch {
            writer.abort()
            throw error
        }
        let digest = md5.finalize()
        if let declaredLength, declaredLength != received {
            writer.abort()
            throw ServiceError(status: 400, code: "IncompleteBody", message: "You did not provide the number of bytes specified by the Content-Length HTTP header.", ec: "0016-00000002")
        }
        if let expectedMD5, expectedMD5 != digest {
            writer.abort()
            throw ServiceError(status: 400, code: "BadDigest", message: "The Content-MD5 you specified did not match what we received.", ec: "0016-00000402",
                               details: [("ExpectedMD5", Base64.encode(expectedMD5)), ("CalculatedMD5", Base64.encode(digest))])
        }
        return ReceivedBody(size: received, md5: digest, crc64: crc.value)
    }

    /// The body, paced to `x-oss-traffic-limit` when the request asks for it.
    func throttledUpload(_ body: ByteChunks, request: ParsedRequest) throws -> ByteChunks {
        guard let limit = try TrafficLimit.of(request) else { return body }
        return limit.pace(body)
    }
}
