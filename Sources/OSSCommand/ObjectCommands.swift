import ArgumentParser
import OSS
import OSSHTTP
import OSSOffline

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Download an object, optionally processed, to a file ('-' for stdout).",
        discussion: """
        The file is written beside the destination and renamed over it once complete and verified. The destination may be \
        missing, a regular file, or a symlink to one (the file it names is replaced; the link stays); a device, FIFO, socket \
        or folder is refused before anything is sent: use - and a redirection for those. SIGINT, SIGTERM and SIGHUP remove the \
        partial file, leave the destination as it was, and exit with 128 + the signal. With -, a reader that goes away \
        (oss get ... - | head) ends the download quietly with status 141, as SIGPIPE would.
        """)

    @Argument(help: "oss://BUCKET/KEY") var source: OSSLocation
    @Argument(help: "Destination file, or - for stdout.") var file: String
    @Option(help: "An x-oss-process such as image/circle,r_100.") var process: String?
    @Option(help: "A byte range a-b, a- or -n.") var range: String?
    @Option(help: "Answer from this folder in-process (buckets are subfolders): no network, no credentials.") var offline: String?
    @OptionGroup var options: ClientOptions

    /// 128 + SIGPIPE: what a shell reports for a writer whose reader went away.
    static let brokenPipeStatus: Int32 = 128 + SIGPIPE

    func run() async throws {
        // A closed stdout must surface as EPIPE from write(2), not kill the process mid-stream.
        signal(SIGPIPE, SIG_IGN)
        let command = self
        try await Interruption.run {
            try await reportingErrors { try await command.download() }
        }
    }

    private func download() async throws {
        let client: OSSClient
        if let offline {
            client = try OSSClient.offline(root: offline)
        } else {
            client = try await options.client()
        }
        let bucket = client.bucket(source.bucket)
        let key = try source.requireKey()
        var get = GetObjectOptions()
        if let range { get.range = try ObjectRange(parsing: range) }
        if file == "-" {
            let (_, body) = try await bucket.getObjectStream(key, process: process, options: get)
            do {
                for try await chunk in body {
                    guard writeAll(chunk, to: 1) else {
                        body.cancel()
                        throw ExitCode(Self.brokenPipeStatus)
                    }
                }
            } catch let error as TransportError {
                throw error.kind == .cancelled ? OSSError.cancelled : OSSError.transport(error)
            }
            return
        }
        let bar = ProgressBar()
        get.progress = { bar.update($0, $1) }
        let info = try await bucket.getObject(key, process: process, toFile: file, options: get)
        bar.finish()
        writeStandardError("\(file): \(info.contentLength ?? 0) bytes, \(info.contentType ?? "?")\n")
    }
}

struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "put", abstract: "Upload a file (streamed, with Content-MD5 and a CRC-64 check).")

    @Argument(help: "The file to upload.") var file: String
    @Argument(help: "oss://BUCKET/KEY") var destination: OSSLocation
    @Option(name: .customLong("content-type"), help: "Content type (default: from the extension).") var contentType: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reportingErrors {
            let info = try await options.client().bucket(destination.bucket)
                .putObject(try destination.requireKey(), fromFile: file, options: PutObjectOptions(contentType: contentType))
            print("ETag \(info.etag ?? "-")  CRC64 \(info.crc64.map(String.init) ?? "-")  request id \(info.requestId ?? "-")")
        }
    }
}

struct Head: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "head", abstract: "Show an object's metadata.")

    @Argument(help: "oss://BUCKET/KEY") var object: OSSLocation
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reportingErrors {
            let info = try await options.client().bucket(object.bucket).headObject(try object.requireKey())
            print("Content-Type: \(info.contentType ?? "-")")
            print("Content-Length: \(info.contentLength.map(String.init) ?? "-")")
            print("ETag: \(info.etag ?? "-")")
            print("Last-Modified: \(info.lastModified.map { "\($0)" } ?? "-")")
            print("CRC64: \(info.crc64.map(String.init) ?? "-")")
            for (name, value) in info.metadata.sorted(by: { $0.key < $1.key }) { print("x-oss-meta-\(name): \(value)") }
        }
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List buckets (oss://), or objects under a prefix, folder by folder.",
        discussion: "oss:// alone lists the account's buckets. Every listing follows the continuation pages to the end.")

    @Argument(help: "oss:// for the buckets, or oss://BUCKET[/PREFIX]") var location: ListTarget
    @Flag(name: [.short, .long], help: "List every key under the prefix instead of one folder level.") var recursive = false
    @Option(name: .customLong("page-size"), help: "Keys (or buckets) asked for per request, 1 to 1000 (default: OSS's).") var pageSize: Int?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let pageSize, !(1...1000).contains(pageSize) { throw ValidationError("--page-size must be 1 to 1000.") }
    }

    func run() async throws {
        try await reportingErrors {
            let client = try await options.client()
            guard let location = location.object else {
                for try await page in client.listBucketsPages(maxKeys: pageSize) {
                    for bucket in page.buckets {
                        print("\(bucket.creationDate.prefix(19))  \(bucket.location.padding(16))  oss://\(bucket.name)")
                    }
                }
                return
            }
            let bucket = client.bucket(location.bucket)
            for try await page in bucket.listObjectsV2Pages(prefix: location.key.isEmpty ? nil : location.key, delimiter: recursive ? nil : "/",
                                                            maxKeys: pageSize) {
                for prefix in page.commonPrefixes { print(String(repeating: " ", count: 30) + "DIR  oss://\(location.bucket)/\(prefix)") }
                for object in page.objects {
                    let size = String(object.size)
                    print("\(object.lastModified.prefix(19)) \(String(repeating: " ", count: max(0, 10 - size.count)))\(size)  oss://\(location.bucket)/\(object.key)")
                }
            }
        }
    }
}

/// What `oss ls` lists: `oss://` alone (the buckets), or a bucket and prefix.
struct ListTarget: ExpressibleByArgument {
    /// Nil for `oss://`.
    var object: OSSLocation?

    init?(argument: String) {
        if argument == "oss://" {
            object = nil
        } else if let location = OSSLocation(argument: argument) {
            object = location
        } else {
            return nil
        }
    }
}

extension String {
    /// Left-aligned in `width` columns (never truncated).
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

struct Presign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "presign", abstract: "Print a presigned URL (the process travels in the signed query).")

    @Argument(help: "oss://BUCKET/KEY") var object: OSSLocation
    @Option(help: "An x-oss-process such as image/circle,r_100.") var process: String?
    @Option(help: "Lifetime in seconds (V4: at most 604800).") var expires: Int64 = 900
    @Option(help: "GET, PUT or HEAD.") var method: String = "GET"
    @OptionGroup var options: ClientOptions

    func run() async throws {
        guard let presignMethod = PresignMethod(rawValue: method.uppercased()) else {
            throw ValidationError("--method must be GET, PUT or HEAD.")
        }
        try await reportingErrors {
            let presigned = try await options.client().bucket(object.bucket)
                .presign(try object.requireKey(), method: presignMethod, process: process, expiresIn: expires)
            print(presigned.url)
        }
    }
}

struct Process: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "process", abstract: "Process an object on the server and save the result (sys/saveas).")

    @Argument(help: "oss://BUCKET/KEY") var object: OSSLocation
    @Option(help: "The process, such as image/circle,r_100.") var process: String
    @Option(name: .customLong("save-as"), help: "oss://BUCKET/KEY2") var saveAs: OSSLocation
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reportingErrors {
            let result = try await options.client().bucket(object.bucket)
                .processObject(try object.requireKey(), process: process, saveAs: try saveAs.requireKey(), targetBucket: saveAs.bucket)
            print(Self.jsonLine(result))
        }
    }

    /// The result as one line of JSON. Keys and buckets may hold quotes, backslashes and control
    /// characters, so the line comes from an encoder, never from string interpolation.
    static func jsonLine(_ result: ProcessObjectResult) -> String {
        struct Line: Encodable {
            var bucket: String
            var object: String
            var fileSize: Int64
            var status: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = Line(bucket: result.bucket, object: result.object, fileSize: result.fileSize, status: result.status)
        // Encoding four strings and an integer cannot fail.
        return (try? encoder.encode(line)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
