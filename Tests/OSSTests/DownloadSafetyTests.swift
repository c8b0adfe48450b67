import Foundation
import OSS
import Testing

/// The library's promises at the destination and about statuses, against a scripted HTTP server
/// that answers what OSS never should: a redirect is no object, a 304 only answers a condition,
/// a special file is never replaced, a symlink's target is.
@Suite("Downloads: statuses and destinations", .serialized)
struct DownloadSafetyTests {
    static func bucket(_ server: ScriptedHTTPServer) -> OSSBucket {
        let configuration = Configuration(region: "cn-hangzhou", endpoint: server.url,
                                          credentialsProvider: StaticCredentialsProvider(accessKeyId: "ak", accessKeySecret: "sk"))
        return OSSClient(configuration: configuration, retryPolicy: .none).bucket("examplebucket")
    }

    static func folder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oss-download-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// The server error an operation threw, or nil (recording an issue) when it threw none or another.
    static func serverError<T>(_ body: () async throws(OSSError) -> T) async -> ServerError? {
        do {
            _ = try await body()
            Issue.record("expected an error")
        } catch {
            if let server = error.serverError { return server }
            Issue.record("expected a server error, got \(error)")
        }
        return nil
    }

    /// Computed, not a stored global: LeakSanitizer does not recognise a `Data` held in a global
    /// (its storage pointer carries enum tag bits) and would report it leaked at exit.
    static var oldContent: Data { Data("the old content".utf8) }

    @Test("a 302 is an error for getObject(toFile:), getObjectData, getObjectStream and headObject; the file is untouched")
    func redirectIsNotAnObject() async throws {
        let server = try ScriptedHTTPServer([.init(status: 302, reason: "Found",
                                                   headers: [["Location", "https://elsewhere.example/object.bin?Signature=secret"]],
                                                   body: "<html>moved</html>")])
        defer { server.stop() }
        let bucket = Self.bucket(server)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let destination = folder + "/dest.bin"
        try Self.oldContent.write(to: URL(fileURLWithPath: destination))

        let toFile = await Self.serverError { () async throws(OSSError) in try await bucket.getObject("object.bin", toFile: destination) }
        #expect(toFile?.status == 302)
        #expect(toFile?.code.rawValue == "HTTP302")
        #expect(toFile?.message.contains("redirect to https://elsewhere.example/object.bin") == true)
        #expect(toFile?.message.contains("Signature") == false)
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Self.oldContent)
        #expect(Self.entries(folder) == ["dest.bin"])

        #expect(await Self.serverError { () async throws(OSSError) in try await bucket.getObjectData("object.bin") }?.status == 302)
        #expect(await Self.serverError { () async throws(OSSError) in try await bucket.getObjectStream("object.bin") }?.status == 302)
        #expect(await Self.serverError { () async throws(OSSError) in try await bucket.headObject("object.bin") }?.status == 302)
        // Not retried: one request per call.
        #expect(server.requests.count == 4)
    }

    @Test("a 304 nothing asked for is an error, not an empty object")
    func unsolicitedNotModified() async throws {
        let server = try ScriptedHTTPServer([.init(status: 304, reason: "Not Modified", headers: [["ETag", "\"abc\""]])])
        defer { server.stop() }
        let bucket = Self.bucket(server)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let toFile = await Self.serverError { () async throws(OSSError) in try await bucket.getObject("object.bin", toFile: folder + "/new.bin") }
        #expect(toFile?.status == 304)
        #expect(toFile?.code == .notModified)
        #expect(toFile?.message.contains("no If-None-Match or If-Modified-Since") == true)
        #expect(Self.entries(folder).isEmpty)
        #expect(await Self.serverError { () async throws(OSSError) in try await bucket.getObjectData("object.bin") }?.status == 304)
        #expect(await Self.serverError { () async throws(OSSError) in try await bucket.headObject("object.bin") }?.status == 304)
    }

    @Test("a 304 that ifNoneMatch or ifModifiedSince asked for is the documented 'not modified': status 304, nothing written")
    func solicitedNotModified() async throws {
        // A 304 may announce the length of the representation it stands for; there is still no body.
        let server = try ScriptedHTTPServer([.init(status: 304, reason: "Not Modified", headers: [["ETag", "\"abc\""], ["Content-Length", "5"]])])
        defer { server.stop() }
        let bucket = Self.bucket(server)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let destination = folder + "/dest.bin"
        try Self.oldContent.write(to: URL(fileURLWithPath: destination))

        let byTag = try await bucket.getObject("object.bin", toFile: destination, options: GetObjectOptions(ifNoneMatch: "\"abc\""))
        #expect(byTag.status == 304)
        let byDate = try await bucket.getObject("object.bin", toFile: destination, options: GetObjectOptions(ifModifiedSince: Date()))
        #expect(byDate.status == 304)
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Self.oldContent)
        #expect(Self.entries(folder) == ["dest.bin"])
        let data = try await bucket.getObjectData("object.bin", options: GetObjectOptions(ifNoneMatch: "\"abc\""))
        #expect(data.info.status == 304)
        #expect(data.data.isEmpty)
        #expect(try await bucket.headObject("object.bin", options: GetObjectOptions(ifNoneMatch: "\"abc\"")).status == 304)
    }

    @Test("getObject(toFile:) refuses a FIFO or a link to one before sending, and replaces the file a symlink chain names")
    func destinationRules() async throws {
        let body = String(repeating: "new bytes ", count: 1000)
        let server = try ScriptedHTTPServer([.init(status: 200, body: body)])
        defer { server.stop() }
        let bucket = Self.bucket(server)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(mkfifo(folder + "/fifo", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: folder + "/to-fifo", withDestinationPath: "fifo")
        for name in ["fifo", "to-fifo"] {
            do {
                try await bucket.getObject("object.bin", toFile: folder + "/" + name)
                Issue.record("\(name) was replaced")
            } catch {
                guard let (parameter, reason) = error.invalidArgument else {
                    Issue.record("\(name): \(error)")
                    continue
                }
                #expect(parameter == "destination")
                #expect(reason.contains("a FIFO"), "\(reason)")
            }
        }
        #expect(server.requests.isEmpty)
        #expect(Self.fileType(folder + "/fifo") == S_IFIFO)
        #expect(Self.fileType(folder + "/to-fifo") == S_IFLNK)

        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: false)
        try Self.oldContent.write(to: URL(fileURLWithPath: folder + "/real/file.bin"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/middle", withDestinationPath: "real/file.bin")
        try FileManager.default.createSymbolicLink(atPath: folder + "/start", withDestinationPath: "middle")
        let info = try await bucket.getObject("object.bin", toFile: folder + "/start")
        #expect(info.status == 200)
        #expect(Self.fileType(folder + "/start") == S_IFLNK)
        #expect(Self.fileType(folder + "/middle") == S_IFLNK)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/real/file.bin")) == Data(body.utf8))
        #expect(Self.entries(folder) == ["fifo", "middle", "real", "start", "to-fifo"])
        #expect(Self.entries(folder + "/real") == ["file.bin"])
    }

    #if os(Linux)
    @Test("a failure at the destination is an I/O error naming the destination and the reason, not the temporary file")
    func destinationErrorMessage() async throws {
        let server = try ScriptedHTTPServer([.init(status: 200, body: "bytes")])
        defer { server.stop() }
        // /proc exists and is a folder, but no file can be created in it: the disk's failure,
        // not a bad argument (it used to be invalidArgument("destination")).
        do {
            try await Self.bucket(server).getObject("object.bin", toFile: "/proc/oss-download-test.bin")
            Issue.record("a file was created in /proc")
        } catch {
            #expect(error.kind == .io, "\(error)")
            #expect(error.invalidArgument == nil, "\(error)")
            guard let file = error.fileError else {
                Issue.record("\(error)")
                return
            }
            #expect(file.path == "/proc/oss-download-test.bin")
            #expect(file.errno != nil)
            let reason = file.description
            #expect(reason.hasPrefix("creating a temporary file beside /proc/oss-download-test.bin failed: "), "\(reason)")
            #expect(!reason.contains(".tmp-"), "\(reason)")
            #expect(!reason.contains("mkstemp"), "\(reason)")
        }
    }
    #endif
}
