import Foundation
import OSS
import OSSCrypto
import OSSHTTP
import OSSLocalService
import Testing

/// Bucket calls, image styles, multipart calls and the Uploader, against the local OSS over
/// loopback.
@Suite("Client: buckets, styles and multipart over loopback")
struct ClientBucketMultipartTests {
    @Test("PutBucket, ListBuckets through the paginator, GetBucketInfo, GetBucketLocation, DeleteBucket", arguments: [SignatureVersion.v4, .v1])
    func buckets(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client(signatureVersion: version)
        for name in ["zeta-bucket", "alpha-bucket", "mid-bucket"] {
            try await client.bucket(name).create(options: PutBucketOptions(acl: name == "alpha-bucket" ? .publicRead : nil,
                                                                           storageClass: name == "mid-bucket" ? "IA" : nil))
        }
        var pages = 0
        var names: [String] = []
        for try await page in client.listBucketsPages(maxKeys: 2) {
            pages += 1
            #expect(page.buckets.count <= 2)
            names += page.buckets.map(\.name)
        }
        #expect(pages == 3)
        #expect(names == ["alpha-bucket", "examplebucket", "mid-bucket", "public-bucket", "zeta-bucket"])
        let prefixed = try await client.listBuckets(prefix: "m")
        #expect(prefixed.buckets.map(\.name) == ["mid-bucket"])
        #expect(prefixed.buckets.first?.location == "oss-cn-hangzhou")
        #expect(prefixed.buckets.first?.storageClass == "IA")

        let info = try await client.bucket("alpha-bucket").info()
        #expect(info.summary.name == "alpha-bucket")
        #expect(info.acl == "public-read")
        #expect(info.summary.location == "oss-cn-hangzhou")
        #expect(try await client.bucket("alpha-bucket").location() == "oss-cn-hangzhou")

        try await client.bucket("examplebucket").putObject("keep.txt", data: [1])
        do {
            try await client.bucket("examplebucket").delete()
            Issue.record("expected BucketNotEmpty")
        } catch {
            #expect(error.code == "BucketNotEmpty")
        }
        try await client.bucket("zeta-bucket").delete()
        #expect(try await client.listBuckets(prefix: "zeta").buckets.isEmpty)
        do {
            _ = try await client.bucket("zeta-bucket").info()
            Issue.record("expected NoSuchBucket")
        } catch {
            #expect(error.code == .noSuchBucket)
        }
        await #expect(throws: OSSError.self) { try await client.listBuckets(maxKeys: 0) }
        await #expect(throws: OSSError.self) { try await client.bucket("Bad_Name").create() }
    }

    @Test("image styles: put, get, list, replace, use through style/NAME, delete")
    func styles() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        try await bucket.putStyle("small", content: "image/resize,p_50")
        try await bucket.putStyle("round.v1", content: "image/circle,r_100")
        #expect(try await bucket.getStyle("small").content == "image/resize,p_50")
        #expect(try await bucket.listStyles().map(\.name).sorted() == ["round.v1", "small"])
        try await bucket.putStyle("small", content: "image/resize,p_25")
        #expect(try await bucket.getStyle("small").content == "image/resize,p_25")
        try await bucket.deleteStyle("small")
        do {
            _ = try await bucket.getStyle("small")
            Issue.record("expected NoSuchStyle")
        } catch {
            #expect(error.code == "NoSuchStyle")
        }
        #expect(try await bucket.listStyles().map(\.name) == ["round.v1"])
        await #expect(throws: OSSError.self) { try await bucket.putStyle("bad name", content: "image/circle,r_10") }
        await #expect(throws: OSSError.self) { try await bucket.putStyle("ok", content: "") }
    }

    @Test("multipart calls: initiate, parts in any order, listParts, complete with the combined CRC-64, abort", arguments: [SignatureVersion.v4, .v1])
    func multipartCalls(version: SignatureVersion) async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client(signatureVersion: version).bucket("examplebucket")
        let chunks = [testBytes(200 << 10, seed: 1), testBytes(150 << 10, seed: 2), testBytes(999, seed: 3)]
        let upload = try await bucket.initiateMultipartUpload("big/object.bin", options: PutObjectOptions(metadata: ["kind": "multi"]))
        var parts: [UploadedPart] = []
        for index in [2, 0, 1] { parts.append(try await bucket.uploadPart(upload, partNumber: index + 1, data: chunks[index])) }
        let listed = try await bucket.listParts(upload)
        #expect(listed.parts.map(\.partNumber) == [1, 2, 3])
        #expect(listed.parts.map(\.size) == chunks.map { Int64($0.count) })
        let done = try await bucket.completeMultipartUpload(upload, parts: parts)
        let whole = chunks.flatMap { $0 }
        #expect(done.crc64 == CRC64.checksum(whole))
        #expect(done.etag.hasSuffix("-3"))
        let (info, data) = try await bucket.getObjectData("big/object.bin")
        #expect(data == whole)
        #expect(info.metadata["kind"] == "multi")

        let abandoned = try await bucket.initiateMultipartUpload("gone.bin")
        _ = try await bucket.uploadPart(abandoned, partNumber: 1, data: chunks[0])
        try await bucket.abortMultipartUpload(abandoned)
        do {
            _ = try await bucket.listParts(abandoned)
            Issue.record("expected NoSuchUpload")
        } catch {
            #expect(error.code == "NoSuchUpload")
        }
        await #expect(throws: OSSError.self) { try await bucket.uploadPart(upload, partNumber: 10_001, data: [1]) }
        await #expect(throws: OSSError.self) { try await bucket.completeMultipartUpload(upload, parts: []) }
    }

    /// A file of `size` pseudo-random bytes in a scratch folder.
    static func file(_ fixture: LocalOSSFixture, size: Int) throws -> (path: String, bytes: [UInt8]) {
        let bytes = testBytes(size, seed: UInt64(size))
        let path = try fixture.scratch() + "/upload.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    /// Multipart uploads in progress in the bucket, from the server's ListMultipartUploads.
    static func openUploads(_ client: OSSClient) async throws -> Int {
        let reply = try await client.send(OSSRequest(operationName: "ListMultipartUploads", method: "GET", bucket: "examplebucket",
                                                     query: [QueryItem("uploads")]))
        return String(decoding: reply.body, as: UTF8.self).components(separatedBy: "<UploadId>").count - 1
    }

    @Test("Uploader: a file in parallel parts, progress during the upload, a failing part retried")
    func uploader() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client()
        let bucket = client.bucket("examplebucket")
        let (path, bytes) = try Self.file(fixture, size: (1 << 20) + 12_345)
        fixture.service.faults.add(FaultRule(.status, method: "PUT", key: "up/file.bin", skip: 3, status: 503))
        let progress = ProgressRecorder()
        let uploader = Uploader(bucket: bucket, partSize: 100 << 10, concurrency: 3)
        let result = try await uploader.upload(fromFile: path, to: "up/file.bin", options: PutObjectOptions(progress: { progress.record($0, $1) }))
        #expect(fixture.service.faults.appliedCounts == [1])
        #expect(result.crc64 == CRC64.checksum(bytes))
        #expect(result.etag.hasSuffix("-11"))
        #expect(try await bucket.getObjectData("up/file.bin").data == bytes)
        // Told as the parts' bytes went, not once a part: more calls than parts, and some at a
        // count no set of whole parts adds up to.
        #expect(progress.count > 11)
        #expect(progress.values.contains { $0.0 % (100 << 10) != 0 && $0.0 < Int64(bytes.count) })
        #expect(progress.values.allSatisfy { $0.0 <= Int64(bytes.count) && $0.1 == Int64(bytes.count) })
        #expect(progress.last?.0 == Int64(bytes.count))
        #expect(try await Self.openUploads(client) == 0)

        let (emptyPath, _) = try Self.file(fixture, size: 0)
        let empty = try await uploader.upload(fromFile: emptyPath, to: "up/empty.bin")
        #expect(empty.crc64 == 0)
        #expect(try await bucket.getObjectData("up/empty.bin").data.isEmpty)
    }

    @Test("Uploader: a wrong part CRC-64 fails the upload and aborts it; nothing is published")
    func uploaderWrongCRC() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client()
        let bucket = client.bucket("examplebucket")
        let (path, _) = try Self.file(fixture, size: 500 << 10)
        fixture.service.faults.add(FaultRule(.wrongCRC, method: "PUT", key: "bad.bin", skip: 1))
        do {
            try await Uploader(bucket: bucket, partSize: 100 << 10, concurrency: 2).upload(fromFile: path, to: "bad.bin")
            Issue.record("expected a CRC-64 integrity error")
        } catch {
            #expect(error.kind == .integrity)
            #expect(error.integrityError?.kind == .crc64)
        }
        #expect(try await bucket.exists("bad.bin") == false)
        #expect(try await Self.openUploads(client) == 0)
    }

    @Test("Uploader: cancellation aborts the upload")
    func uploaderCancelled() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client()
        let bucket = client.bucket("examplebucket")
        let (path, _) = try Self.file(fixture, size: 2 << 20)
        // Every part stalls, so the cancellation lands while parts are in flight.
        fixture.service.faults.add(FaultRule(.stall, method: "PUT", key: "slow.bin", times: -1, milliseconds: 400))
        let task = Task {
            try await Uploader(bucket: bucket, partSize: 100 << 10, concurrency: 2).upload(fromFile: path, to: "slow.bin")
        }
        try await Task.sleep(for: .milliseconds(600))
        task.cancel()
        let result = await task.result
        #expect(throws: OSSError.self) { try result.get() }
        #expect(try await bucket.exists("slow.bin") == false)
        // The abort went out although the upload's task was cancelled.
        #expect(try await Self.openUploads(client) == 0)
    }

    /// The server creates the upload before it answers; a client that gave up waiting for the
    /// answer would never learn the upload's ID, and the upload would stay open for good.
    @Test("Uploader: a cancellation while the initiate is answered still aborts the upload the server made")
    func uploaderCancelledDuringInitiate() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client()
        let bucket = client.bucket("examplebucket")
        let (path, _) = try Self.file(fixture, size: 300 << 10)
        // The initiate's answer waits 800 ms after the upload exists; the cancel lands at 200.
        fixture.service.faults.add(FaultRule(.stall, method: "POST", key: "initiate.bin", milliseconds: 800))
        let task = Task {
            try await Uploader(bucket: bucket, partSize: 100 << 10, concurrency: 2).upload(fromFile: path, to: "initiate.bin")
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result
        #expect(throws: OSSError.self) { try result.get() }
        #expect(fixture.service.faults.appliedCounts == [1])
        #expect(try await bucket.exists("initiate.bin") == false)
        #expect(try await Self.openUploads(client) == 0)
    }

    @Test("Uploader: part sizes grow to fit 10,000 parts; bad settings are refused before anything is sent")
    func uploaderSettings() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let uploader = Uploader(bucket: bucket, partSize: 8 << 20)
        #expect(uploader.effectivePartSize(forFileSize: 10 << 30) == 8 << 20)
        let grown = uploader.effectivePartSize(forFileSize: 100 << 30)
        #expect(grown * 10_000 >= 100 << 30)
        #expect(grown % (1 << 20) == 0)
        #expect(uploader.effectivePartSize(forFileSize: .max) == 5 << 30)
        let (path, _) = try Self.file(fixture, size: 10)
        await #expect(throws: OSSError.self) { try await Uploader(bucket: bucket, partSize: 1000).upload(fromFile: path, to: "x") }
        await #expect(throws: OSSError.self) { try await Uploader(bucket: bucket, concurrency: 0).upload(fromFile: path, to: "x") }
        await #expect(throws: OSSError.self) { try await uploader.upload(fromFile: path + ".missing", to: "x") }
        #expect(try await Self.openUploads(fixture.client()) == 0)
    }

    @Test("Uploader with a checkpoint: a part that keeps failing stops the upload; the rerun sends only the missing parts; abandon aborts")
    func uploaderResume() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client(retry: RetryPolicy(maxAttempts: 1))
        let bucket = client.bucket("examplebucket")
        let (path, bytes) = try Self.file(fixture, size: 1 << 20)
        let checkpoint = try fixture.scratch() + "/upload.checkpoint"
        let uploader = Uploader(bucket: bucket, partSize: 100 << 10, concurrency: 1)
        fixture.service.faults.add(FaultRule(.status, method: "PUT", key: "resume.bin", skip: 4, times: -1, status: 503))
        do {
            try await uploader.upload(fromFile: path, to: "resume.bin", checkpoint: checkpoint)
            Issue.record("expected the fifth part to fail")
        } catch {
            #expect(error.serverError?.status == 503)
        }
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        #expect(try await Self.openUploads(client) == 1)
        #expect(try await bucket.exists("resume.bin") == false)

        fixture.service.faults.removeAll()
        // A fault that changes nothing, to count the part uploads of the rerun.
        fixture.service.faults.add(FaultRule(.stall, method: "PUT", key: "resume.bin", times: -1, milliseconds: 0))
        let progress = ProgressRecorder()
        let result = try await uploader.upload(fromFile: path, to: "resume.bin", checkpoint: checkpoint,
                                               options: PutObjectOptions(progress: { progress.record($0, $1) }))
        #expect(fixture.service.faults.appliedCounts == [7])
        // Counted from the four parts the rerun need not send, then as the other seven's bytes go.
        #expect(progress.count >= 7)
        #expect(progress.values.first.map { $0.0 > 4 * (100 << 10) } == true)
        #expect(progress.last?.0 == Int64(bytes.count))
        #expect(result.crc64 == CRC64.checksum(bytes))
        #expect(result.etag.hasSuffix("-11"))
        #expect(try await bucket.getObjectData("resume.bin").data == bytes)
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
        #expect(try await Self.openUploads(client) == 0)

        fixture.service.faults.removeAll()
        fixture.service.faults.add(FaultRule(.status, method: "PUT", key: "dropped.bin", skip: 2, times: -1, status: 503))
        await #expect(throws: OSSError.self) { try await uploader.upload(fromFile: path, to: "dropped.bin", checkpoint: checkpoint) }
        #expect(try await Self.openUploads(client) == 1)
        try await uploader.abandon(checkpoint: checkpoint)
        #expect(try await Self.openUploads(client) == 0)
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
    }
}
