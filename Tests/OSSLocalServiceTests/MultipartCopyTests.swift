import Foundation
import OSS
import OSSCrypto
import OSSHTTP
import OSSLocalService
import Testing

/// CopyObject above its threshold (a multipart upload of UploadPartCopy parts) and the public
/// UploadPartCopy, against the local OSS over loopback; the service's reading of
/// `x-oss-copy-source-range` in-process.
@Suite("Client: multipart copy and UploadPartCopy")
struct MultipartCopyTests {
    /// Thresholds and parts small enough for a test: 100 KiB parts above 200 KiB.
    static func small(_ options: CopyObjectOptions = CopyObjectOptions(), concurrency: Int = 2) -> CopyObjectOptions {
        var options = options
        options.multipartThreshold = 200 << 10
        options.partSize = 100 << 10
        options.concurrency = concurrency
        return options
    }

    /// The raw HEAD of an object, for the headers ``ObjectInfo`` does not carry.
    static func head(_ client: OSSClient, _ bucket: String, _ key: String) async throws -> OSSResponse {
        try await client.send(OSSRequest(operationName: "HeadObject", method: "HEAD", bucket: bucket, key: key))
    }

    @Test("above the threshold: Initiate, parts, Complete; bytes, content type, metadata, headers, tags and storage class are the source's")
    func multipartCopy() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client()
        let bucket = client.bucket("examplebucket")
        let body = testBytes(350 << 10, seed: 7)
        try await bucket.putObject("src/big.bin", data: body,
                                   options: PutObjectOptions(contentType: "application/x-test", metadata: ["origin": "a", "Mixed-Case": "b"],
                                                             headers: ["Cache-Control": "no-cache", "Content-Disposition": "attachment",
                                                                       "x-oss-tagging": "team=media&stage=raw", "x-oss-storage-class": "IA"]))
        // A fault that changes nothing, to count the PUTs to the destination (the UploadPartCopy requests).
        fixture.service.faults.add(FaultRule(.stall, method: "PUT", key: "dst/big.bin", times: -1, milliseconds: 0))
        let result = try await bucket.copyObject(from: "src/big.bin", to: "dst/big.bin", options: Self.small())
        #expect(result.parts == 4)
        #expect(result.etag.hasSuffix("-4"))
        #expect(fixture.service.faults.appliedCounts == [4])
        #expect(result.crc64 == CRC64.checksum(body))
        #expect(!result.lastModified.isEmpty)
        let (info, data) = try await bucket.getObjectData("dst/big.bin")
        #expect(data == body)
        #expect(info.contentType == "application/x-test")
        #expect(info.metadata == ["origin": "a", "mixed-case": "b"])
        let head = try await Self.head(client, "examplebucket", "dst/big.bin")
        #expect(head.header("Cache-Control") == "no-cache")
        #expect(head.header("Content-Disposition") == "attachment")
        #expect(head.header("x-oss-storage-class") == "IA")
        #expect(try await bucket.getObjectTagging("dst/big.bin") == ["team": "media", "stage": "raw"])
        #expect(try await ClientBucketMultipartTests.openUploads(client) == 0)

        // REPLACE across buckets: the request's content type and metadata, not the source's.
        let other = client.bucket("public-bucket")
        let replaced = try await other.copyObject(from: "src/big.bin", sourceBucket: "examplebucket", to: "replaced.bin",
                                                  options: Self.small(CopyObjectOptions(metadataDirective: .replace, contentType: "text/plain",
                                                                                        metadata: ["origin": "b"],
                                                                                        headers: ["x-oss-tagging-directive": "REPLACE",
                                                                                                  "x-oss-tagging": "kept=no"])))
        #expect(replaced.parts == 4)
        let replacedInfo = try await other.headObject("replaced.bin")
        #expect(replacedInfo.contentType == "text/plain")
        #expect(replacedInfo.metadata == ["origin": "b"])
        #expect(replacedInfo.crc64 == CRC64.checksum(body))
        #expect(try await other.getObjectTagging("replaced.bin") == ["kept": "no"])
    }

    @Test("up to the threshold, and with no threshold: one CopyObject, as before")
    func singleCopy() async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client().bucket("examplebucket")
        let body = testBytes(200 << 10, seed: 8)
        let put = try await bucket.putObject("src/small.bin", data: body)
        fixture.service.faults.add(FaultRule(.stall, method: "PUT", key: "dst/small.bin", times: -1, milliseconds: 0))
        let copied = try await bucket.copyObject(from: "src/small.bin", to: "dst/small.bin", options: Self.small())
        #expect(copied.parts == 0)
        #expect(copied.etag == put.etag)
        #expect(fixture.service.faults.appliedCounts == [1])
        // No threshold: one CopyObject, even for a source above any part size.
        let big = testBytes(350 << 10, seed: 9)
        try await bucket.putObject("src/big.bin", data: big)
        var unlimited = Self.small()
        unlimited.multipartThreshold = nil
        let whole = try await bucket.copyObject(from: "src/big.bin", to: "dst/small.bin", options: unlimited)
        #expect(whole.parts == 0)
        #expect(!whole.etag.contains("-"))
        #expect(fixture.service.faults.appliedCounts == [2])
        #expect(try await bucket.getObjectData("dst/small.bin").data == big)
        // A symlink is one CopyObject whatever its target's size: OSS copies the link itself.
        try await bucket.putSymlink("src/link", target: "src/big.bin")
        let link = try await bucket.copyObject(from: "src/link", to: "dst/small.bin", options: Self.small())
        #expect(link.parts == 0)
        #expect(fixture.service.faults.appliedCounts == [3])
        // A missing source: the HEAD fails, and CopyObject's own answer is the error.
        do {
            try await bucket.copyObject(from: "src/missing.bin", to: "dst/small.bin", options: Self.small())
            Issue.record("expected NoSuchKey")
        } catch {
            #expect(error.code == .noSuchKey)
        }
        #expect(fixture.service.faults.appliedCounts == [4])
        // Bad settings are refused before anything is sent.
        for bad in [CopyObjectOptions(multipartThreshold: 200 << 10, partSize: 1000), CopyObjectOptions(partSize: 6 << 30),
                    CopyObjectOptions(concurrency: 0), CopyObjectOptions(multipartThreshold: -1)] {
            await #expect(throws: OSSError.self) { try await bucket.copyObject(from: "src/big.bin", to: "dst/small.bin", options: bad) }
        }
        #expect(fixture.service.faults.appliedCounts == [4])
    }

    @Test("a failing part is retried; a part that keeps failing, a changed source or a cancellation aborts the upload")
    func failures() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client()
        let bucket = client.bucket("examplebucket")
        let body = testBytes(450 << 10, seed: 10)
        try await bucket.putObject("src.bin", data: body)

        fixture.service.faults.add(FaultRule(.status, method: "PUT", key: "retried.bin", skip: 1, status: 503))
        let retried = try await bucket.copyObject(from: "src.bin", to: "retried.bin", options: Self.small())
        #expect(fixture.service.faults.appliedCounts == [1])
        #expect(retried.parts == 5)
        #expect(try await bucket.getObjectData("retried.bin").data == body)
        #expect(try await ClientBucketMultipartTests.openUploads(client) == 0)

        fixture.service.faults.removeAll()
        fixture.service.faults.add(FaultRule(.status, method: "PUT", key: "failed.bin", skip: 2, times: -1, status: 503))
        do {
            try await bucket.copyObject(from: "src.bin", to: "failed.bin", options: Self.small())
            Issue.record("expected the third part to fail")
        } catch {
            #expect(error.serverError?.status == 503)
        }
        #expect(try await bucket.exists("failed.bin") == false)
        #expect(try await ClientBucketMultipartTests.openUploads(client) == 0)

        // Every part is guarded by the ETag: a source that is not the one asked for is a 412.
        do {
            try await bucket.copyObject(from: "src.bin", to: "guarded.bin", options: Self.small(CopyObjectOptions(ifMatch: "0123")))
            Issue.record("expected PreconditionFailed")
        } catch {
            #expect(error.code == .preconditionFailed)
        }
        #expect(try await bucket.exists("guarded.bin") == false)
        #expect(try await ClientBucketMultipartTests.openUploads(client) == 0)

        // Every part stalls, so the cancellation lands while parts are in flight.
        fixture.service.faults.removeAll()
        fixture.service.faults.add(FaultRule(.stall, method: "PUT", key: "slow.bin", times: -1, milliseconds: 400))
        let task = Task { try await bucket.copyObject(from: "src.bin", to: "slow.bin", options: Self.small()) }
        #expect(try await LocalOSSFixture.waitUntil(seconds: 20) { fixture.service.faults.appliedCounts == [2] })
        task.cancel()
        let result = await task.result
        #expect(throws: OSSError.self) { try result.get() }
        #expect(try await bucket.exists("slow.bin") == false)
        // The abort went out although the copy's task was cancelled.
        #expect(try await ClientBucketMultipartTests.openUploads(client) == 0)
    }

    @Test("uploadPartCopy: ranges of other objects become exactly those bytes; a range past the end is OSS's InvalidArgument")
    func uploadPartCopy() async throws {
        let fixture = try await LocalOSSFixture()
        let client = fixture.client()
        let bucket = client.bucket("examplebucket")
        let first = testBytes(300 << 10, seed: 11)
        let second = testBytes(5000, seed: 12)
        try await bucket.putObject("a.bin", data: first)
        try await client.bucket("public-bucket").putObject("b.bin", data: second)
        let upload = try await bucket.initiateMultipartUpload("assembled.bin")
        let one = try await bucket.uploadPartCopy(upload, partNumber: 1, from: "a.bin", range: 1000...(1000 + (150 << 10) - 1))
        #expect(one.size == 150 << 10)
        #expect(one.crc64 == CRC64.checksum(Array(first[1000..<(1000 + (150 << 10))])))
        #expect(one.etag == Crypto.md5(Array(first[1000..<(1000 + (150 << 10))])).hexString.uppercased())
        let two = try await bucket.uploadPartCopy(upload, partNumber: 2, from: "b.bin", sourceBucket: "public-bucket", range: 4000...4999)
        #expect(two.size == 1000)
        let done = try await bucket.completeMultipartUpload(upload, parts: [two, one])
        let expected = Array(first[1000..<(1000 + (150 << 10))]) + Array(second[4000...])
        #expect(done.crc64 == CRC64.checksum(expected))
        #expect(try await bucket.getObjectData("assembled.bin").data == expected)

        // The whole source, without a range: the part's size and CRC-64 are the server's to know.
        let wholeUpload = try await bucket.initiateMultipartUpload("whole.bin")
        let whole = try await bucket.uploadPartCopy(wholeUpload, partNumber: 1, from: "b.bin", sourceBucket: "public-bucket")
        #expect(whole.size == 0 && whole.crc64 == nil)
        _ = try await bucket.completeMultipartUpload(wholeUpload, parts: [whole])
        #expect(try await bucket.getObjectData("whole.bin").data == second)

        let open = try await bucket.initiateMultipartUpload("past.bin")
        let pastEnd: [ClosedRange<Int64>] = [4000...5000, 5000...5000]
        for range in pastEnd {
            do {
                _ = try await bucket.uploadPartCopy(open, partNumber: 1, from: "b.bin", sourceBucket: "public-bucket", range: range)
                Issue.record("expected InvalidArgument for \(range)")
            } catch {
                #expect(error.code == "InvalidArgument")
                #expect(error.serverError?.status == 400)
                #expect(error.serverError?.ec == "0042-00000306")
            }
        }
        // Refused before anything is sent: a range over 5 GiB, a negative start, a bad part number.
        let refused: [(Int, ClosedRange<Int64>)] = [(1, 0...(5 << 30)), (1, -1...10), (0, 0...10), (10_001, 0...10)]
        for (number, range) in refused {
            do {
                _ = try await bucket.uploadPartCopy(open, partNumber: number, from: "b.bin", range: range)
                Issue.record("expected invalidArgument for \(number) \(range)")
            } catch {
                #expect(error.kind == .invalidArgument)
            }
        }
        try await bucket.abortMultipartUpload(open)
    }

    @Test("the service: bytes=first- copies to the end with a Content-Range, a malformed range copies the whole source")
    func serviceRanges() async throws {
        let service = try InProcessService()
        let source = testBytes(300 << 10, seed: 13)
        #expect(try await service.put("source.bin", source).status == 200)
        let uploadId = try await MultipartServiceTests.initiate(service, "copied.bin")
        func copy(_ number: Int, _ range: String) async throws -> InProcessService.Reply {
            try await service.send("PUT", "examplebucket", "copied.bin", query: "partNumber=\(number)&uploadId=\(uploadId)",
                                   headers: [("x-oss-copy-source", "/examplebucket/source.bin"), ("x-oss-copy-source-range", range)])
        }
        let open = try await copy(1, "bytes=102400-")
        #expect(open.status == 200, "\(open.text)")
        #expect(open.header("Content-Range") == "bytes 102400-307199/307200")
        #expect(open.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(Array(source[102_400...]))))
        #expect(open.text.contains("<CopyPartResult>") && open.text.contains("<LastModified>"))
        for malformed in ["bytes=abc", "items=0-9", "bytes=-100", "bytes=9-0", "bytes=0-9,20-29"] {
            let reply = try await copy(2, malformed)
            #expect(reply.status == 200, "\(malformed): \(reply.text)")
            #expect(reply.header("Content-Range") == nil)
            #expect(reply.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(source)), "\(malformed)")
        }
        for past in ["bytes=0-307200", "bytes=307200-", "bytes=0-99999999999999999999"] {
            let reply = try await copy(3, past)
            #expect(reply.status == 400, "\(past): \(reply.text)")
            #expect(reply.text.contains("InvalidArgument") && reply.text.contains("0042-00000306"), "\(past): \(reply.text)")
        }
    }
}
