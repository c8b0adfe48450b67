import Foundation
import OSS
import OSSHTTP
import OSSLocalService
import OSSLocking
import OSSTestSupport
import Testing

@testable import OSSURLSessionTransport

/// `.file` request bodies, streamed from disk by each transport.
@Suite("File upload bodies on both transports")
struct FileUploadTests {
    /// Larger than curl's 256 KiB chunks and URLSession's stream buffers, and not a multiple of either.
    static let size = (3 << 20) + 12345

    /// Larger than loopback's socket buffers (several MiB each way once they grow): a smaller body
    /// can be taken by the kernel in one write, and every progress call after it then says
    /// "all sent" while the server is still reading (a loaded CI run saw 1 of 50 calls before the
    /// end). Past the buffers, the client can only send as fast as the server reads.
    static let progressSize = (24 << 20) + 12345

    static func writeFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("putObject(fromFile:) of a file larger than the transport's chunks arrives intact", arguments: TransportKind.allCases)
    func wholeFile(transport: TransportKind) async throws {
        let bytes = testBytes(Self.size, seed: 7)
        let path = try Self.writeFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withLocalOSS { oss in
            let bucket = oss.bucket(transport: transport.transport)
            _ = try await bucket.putObject("big.bin", fromFile: path)
            #expect(try await bucket.getObjectData("big.bin").1 == bytes)
        }
    }

    /// What a progress handler saw: every call's bytes and total, in order.
    final class UploadProgressLog: Sendable {
        private let calls = LockedValue<[(Int64, Int64?)]>([])
        func record(_ bytes: Int64, _ total: Int64?) { calls.withLock { $0.append((bytes, total)) } }
        var values: [(Int64, Int64?)] { calls.withLock { $0 } }

        /// Calls as the bytes went, not only at the end: several values below the total, never
        /// going back, never past it, ending at it, each with the total.
        func expectDuringUpload(of total: Int, _ name: String) {
            let values = self.values
            let below = values.filter { $0.0 < Int64(total) }.count
            #expect(below >= 2, "\(name): \(values.count) calls, \(below) of them before the end")
            #expect(values.allSatisfy { $0.1 == Int64(total) && $0.0 <= Int64(total) }, "\(name)")
            #expect(zip(values, values.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "\(name): the count went back without a retry")
            #expect(values.last?.0 == Int64(total), "\(name)")
        }
    }

    @Test("upload progress is told the bytes as they go, for data and for files", arguments: TransportKind.allCases)
    func uploadProgress(transport: TransportKind) async throws {
        let bytes = testBytes(Self.progressSize, seed: 5)
        let path = try Self.writeFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withLocalOSS { oss in
            let bucket = oss.bucket(transport: transport.transport)
            let fromFile = UploadProgressLog()
            _ = try await bucket.putObject("file.bin", fromFile: path, options: PutObjectOptions(progress: { fromFile.record($0, $1) }))
            fromFile.expectDuringUpload(of: bytes.count, "\(transport) file")
            let fromData = UploadProgressLog()
            _ = try await bucket.putObject("data.bin", data: bytes, options: PutObjectOptions(progress: { fromData.record($0, $1) }))
            fromData.expectDuringUpload(of: bytes.count, "\(transport) data")
            let appended = UploadProgressLog()
            _ = try await bucket.appendObject("append.bin", data: bytes, position: 0, options: PutObjectOptions(progress: { appended.record($0, $1) }))
            appended.expectDuringUpload(of: bytes.count, "\(transport) append")
            #expect(try await bucket.getObjectData("file.bin").1 == bytes)
            #expect(try await bucket.getObjectData("data.bin").1 == bytes)
        }
    }

    @Test("a byte range of a file is sent exactly: no byte before the offset or after the length", arguments: TransportKind.allCases)
    func fileRange(transport: TransportKind) async throws {
        let bytes = testBytes(Self.size, seed: 9)
        let path = try Self.writeFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let offset = 70_001, length = (2 << 20) + 3
        // Open access: the request is sent as built, so the test drives the transport directly.
        let openAccess: @Sendable (inout LocalOSSConfiguration) -> Void = { $0.openAccess = true }
        try await withLocalOSS(configure: openAccess) { oss in
            let response = try await transport.transport.send(TransportRequest(
                method: "PUT", url: oss.endpoint + "/examplebucket/range.bin",
                headers: [HTTPHeaderField("Content-Length", String(length))],
                body: .file(path: path, offset: Int64(offset), length: Int64(length))))
            _ = try await response.body.collect(upTo: 1 << 16)
            #expect(response.status == 200)
            #expect(try await oss.bucket().getObjectData("range.bin").1 == Array(bytes[offset..<(offset + length)]))
        }
    }

    @Test("the URLSession body stream reads only its range, and fails when the file is shorter")
    func rangeStream() throws {
        let bytes = testBytes(100_000, seed: 3)
        let path = try Self.writeFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        func drain(_ stream: InputStream) -> ([UInt8], Bool) {
            stream.open()
            defer { stream.close() }
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBufferPointer { stream.read($0.baseAddress!, maxLength: $0.count) }
                if count < 0 { return (out, false) }
                if count == 0 { return (out, true) }
                out += buffer[0..<count]
            }
        }
        let (range, ok) = drain(FileRangeInputStream(path: path, offset: 999, length: 50_001))
        #expect(ok)
        #expect(range == Array(bytes[999..<51_000]))
        let short = FileRangeInputStream(path: path, offset: 90_000, length: 20_000)
        let (partial, shortOK) = drain(short)
        #expect(!shortOK)
        #expect(partial == Array(bytes[90_000...]))
        #expect(short.streamError != nil)
        let missing = FileRangeInputStream(path: path + "-missing", offset: 0, length: 1)
        #expect(!drain(missing).1)
        #expect(missing.streamError != nil)
    }
}
