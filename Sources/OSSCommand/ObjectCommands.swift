import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSS
import OSSOffline

struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Download an object, optionally processed, to a file ('-' for stdout).")

    @Argument(help: "oss://BUCKET/KEY") var source: OSSLocation
    @Argument(help: "Destination file, or - for stdout.") var file: String
    @Option(help: "An x-oss-process such as image/circle,r_100.") var process: String?
    @Option(help: "A byte range a-b, a- or -n.") var range: String?
    @Option(help: "Answer from this folder in-process (buckets are subfolders): no network, no credentials.") var offline: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reportingErrors {
            let client = try offline.map { try OSSClient.offline(root: $0) } ?? options.client()
            let bucket = client.bucket(source.bucket)
            let key = try source.requireKey()
            var get = GetObjectOptions()
            if let range { get.range = try ObjectRange(parsing: range) }
            if file == "-" {
                let (_, body) = try await bucket.getObjectStream(key, process: process, options: get)
                for try await chunk in body {
                    writeAll(chunk, to: 1)
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
}

struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upload a file (streamed, with Content-MD5 and a CRC-64 check).")

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
    static let configuration = CommandConfiguration(abstract: "Show an object's metadata.")

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

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete an object.")

    @Argument(help: "oss://BUCKET/KEY") var object: OSSLocation
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reportingErrors {
            try await options.client().bucket(object.bucket).deleteObject(try object.requireKey())
        }
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List objects under a prefix, folder by folder.")

    @Argument(help: "oss://BUCKET[/PREFIX]") var location: OSSLocation
    @Flag(help: "List every key under the prefix instead of one folder level.") var recursive = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reportingErrors {
            let bucket = try options.client().bucket(location.bucket)
            for try await page in bucket.listObjectsV2Pages(prefix: location.key.isEmpty ? nil : location.key, delimiter: recursive ? nil : "/") {
                for prefix in page.commonPrefixes { print(String(repeating: " ", count: 30) + "DIR  oss://\(location.bucket)/\(prefix)") }
                for object in page.objects {
                    let size = String(object.size)
                    print("\(object.lastModified.prefix(19)) \(String(repeating: " ", count: max(0, 10 - size.count)))\(size)  oss://\(location.bucket)/\(object.key)")
                }
            }
        }
    }
}

struct Presign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a presigned URL (the process travels in the signed query).")

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
    static let configuration = CommandConfiguration(abstract: "Process an object on the server and save the result (sys/saveas).")

    @Argument(help: "oss://BUCKET/KEY") var object: OSSLocation
    @Option(help: "The process, such as image/circle,r_100.") var process: String
    @Option(name: .customLong("save-as"), help: "oss://BUCKET/KEY2") var saveAs: OSSLocation
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reportingErrors {
            let result = try await options.client().bucket(object.bucket)
                .processObject(try object.requireKey(), process: process, saveAs: try saveAs.requireKey(), targetBucket: saveAs.bucket)
            print("{\"bucket\": \"\(result.bucket)\", \"object\": \"\(result.object)\", \"fileSize\": \(result.fileSize), \"status\": \"\(result.status)\"}")
        }
    }
}
