import Foundation
import OSSLocking
import Testing

@testable import OSS

/// `OSSError` is a struct over a private kind: callers compare kinds and read accessors, and a
/// failure of a new sort gets a kind of its own instead of being forced into the nearest case.
@Suite("OSSError kinds", .serialized)
struct ErrorKindTests {
    static func bucket(_ server: ScriptedHTTPServer) -> OSSBucket {
        let configuration = Configuration(region: "cn-hangzhou", endpoint: server.url,
                                          credentialsProvider: StaticCredentialsProvider(accessKeyId: "ak", accessKeySecret: "sk"))
        return OSSClient(configuration: configuration, retryPolicy: .none).bucket("examplebucket")
    }

    @Test("a 200 listing whose body is not XML is a response-parse error, not a transport error")
    func malformedListing() async throws {
        for body in ["<ListBucketResult><Contents><Key>a", "not xml at all", "<Error><Code>x</Code></Error>"] {
            let server = try ScriptedHTTPServer([.init(status: 200, headers: [["x-oss-request-id", "REQ1"]], body: body)])
            defer { server.stop() }
            do {
                _ = try await Self.bucket(server).listObjectsV2()
                Issue.record("\(body) was read as a listing")
            } catch {
                #expect(error.kind == .responseParse, "\(body): \(error)")
                #expect(error.transportError == nil, "\(body): \(error)")
                #expect(error.parseError?.operation == "ListObjectsV2", "\(body): \(error)")
                #expect(error.parseError?.requestId == "REQ1", "\(body): \(error)")
            }
        }
    }

    @Test("an upload whose file cannot be read is an I/O error naming the file, found before sending")
    func unreadableUpload() async {
        let configuration = Configuration(region: "cn-hangzhou", endpoint: "http://127.0.0.1:9",
                                          credentialsProvider: StaticCredentialsProvider(accessKeyId: "ak", accessKeySecret: "sk"))
        let bucket = OSSClient(configuration: configuration, retryPolicy: .none).bucket("examplebucket")
        let path = "/nonexistent-\(UUID().uuidString)/in.bin"
        do {
            try await bucket.putObject("a.bin", fromFile: path)
            Issue.record("uploaded a file that does not exist")
        } catch {
            #expect(error.kind == .io, "\(error)")
            #expect(error.fileError?.path == path, "\(error)")
            #expect(error.fileError?.operation == "reading", "\(error)")
            #expect(error.transportError == nil, "nothing was sent: \(error)")
        }
    }

    @Test("kinds, accessors and equality")
    func kindsAndAccessors() {
        let argument = OSSError.invalidArgument(parameter: "key", reason: "empty")
        #expect(argument.kind == .invalidArgument)
        #expect(argument.invalidArgument?.parameter == "key")
        #expect(argument.fileError == nil && argument.serverError == nil && argument.code == nil)
        let io = OSSError.io(LocalFileError(path: "/x", operation: "writing", errno: 28, reason: "No space left on device"))
        #expect(io.kind == .io)
        #expect(io.fileError?.errno == 28)
        #expect(io.invalidArgument == nil)
        #expect("\(io)".contains("writing /x failed: No space left on device"))
        let integrity = OSSError.integrity(IntegrityError(kind: .crc64, expected: "1", actual: "2", requestId: nil))
        #expect(integrity.kind == .integrity)
        #expect(OSSError.cancelled == .cancelled)
        #expect(OSSError.cancelled.kind == .cancelled)
        #expect(argument != io)
        // A switch over kinds needs a default, so a kind added later breaks no caller.
        let kinds: [OSSError.Kind] = [.invalidArgument, .credentialsUnavailable, .signing, .invalidProcess, .server,
                                      .transport, .integrity, .io, .responseParse, .cancelled]
        #expect(Set(kinds).count == kinds.count)
        #expect(Set(kinds.map(\.description)).count == kinds.count)
    }

    @Test("destination checks run inside the offload, never on the caller's task")
    func destinationCheckIsOffloaded() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-offload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The real offload refuses a folder as a destination.
        do {
            try await OSSBucket.validateDestination(folder)
            Issue.record("a folder was accepted as a destination")
        } catch {
            #expect(error.invalidArgument?.parameter == "destination", "\(error)")
        }
        // An offload that never runs its work sees every file-system call: when it runs none,
        // nothing was checked on the caller's task (a `stat` there would still refuse the folder).
        let ran = LockedValue(0)
        try await OSSBucket.validateDestination(folder) { _ in
            ran.withLock { $0 += 1 }
            return nil
        }
        #expect(ran.load() == 1)
        // And the work it is handed is the whole check, run off the pool by BlockingIO.
        let check = try #require(await Self.capturedWork(folder))
        #expect(check()?.invalidArgument?.parameter == "destination")
    }

    static func capturedWork(_ path: String) async -> (@Sendable () -> OSSError?)? {
        let box = LockedValue<(@Sendable () -> OSSError?)?>(nil)
        try? await OSSBucket.validateDestination(path) { body in
            box.store(body)
            return nil
        }
        return box.load()
    }
}

