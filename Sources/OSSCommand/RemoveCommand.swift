import ArgumentParser
import OSS
import OSSFileIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete an object, or with -r every object under a prefix.",
        discussion: """
        With -r, oss://BUCKET/photos means every object under photos/ (oss://BUCKET alone: every object in the bucket). \
        It asks first on the terminal; --force deletes without asking, and is required when stdin is not a terminal \
        (a script, a pipe), where no one could answer. Objects go 1,000 a request (DeleteObjects, quiet mode), page by \
        page of the listing.
        """)

    @Argument(help: "oss://BUCKET/KEY, or with -r oss://BUCKET[/PREFIX]") var object: OSSLocation
    @Flag(name: [.short, .long], help: "Delete every object under the prefix.") var recursive = false
    @Flag(name: [.short, .long], help: "Delete without asking.") var force = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reportingErrors {
            let bucket = try await options.client().bucket(object.bucket)
            guard recursive else {
                try await bucket.deleteObject(try object.requireKey())
                return
            }
            let prefix = ObjectPaths.folderPrefix(object.key)
            let place = "oss://\(object.bucket)/\(prefix)"
            if !force {
                guard isatty(0) == 1 else {
                    throw ValidationError("stdin is not a terminal, so rm -r cannot ask before deleting everything under \(place): use --force.")
                }
                writeStandardError("Delete every object under \(place)? [y/N] ")
                let answer = (try await BlockingIO.run { readLine() })?.lowercased() ?? ""
                guard answer == "y" || answer == "yes" else {
                    writeStandardError("Nothing deleted.\n")
                    throw ExitCode(1)
                }
            }
            var deleted = 0
            // Each page is deleted before the next is asked for: the listing's continuation token
            // names the last key seen, so deleting behind it does not disturb it.
            for try await page in bucket.listObjectsV2Pages(prefix: prefix.isEmpty ? nil : prefix, maxKeys: 1000) {
                let keys = page.objects.map(\.key)
                guard !keys.isEmpty else { continue }
                try await bucket.deleteObjects(keys, quiet: true)
                deleted += keys.count
            }
            print("\(deleted) objects deleted under \(place)")
        }
    }
}
