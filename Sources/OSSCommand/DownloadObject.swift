import OSS

/// The one place `oss cp` downloads an object to a file. Objects of `partsFrom` bytes or more,
/// unprocessed, go through the parallel, resumable ``Downloader`` (ranged parts in parallel, a
/// checkpoint beside the destination, so a rerun after an interruption fetches only the missing
/// parts); the rest through `getObject(toFile:)`. Both write beside `path`, check the length and
/// CRC-64 and rename over it, and leave the destination untouched on any failure.
///
/// - Parameter size: the object's size when the listing gave it (nil when unknown: then the
///   object is fetched in one stream).
/// - Returns: the bytes written, when known.
@discardableResult
func downloadObject(_ bucket: OSSBucket, key: String, process: String?, to path: String, size: Int64?, partsFrom: Int64,
                    progress: ProgressHandler?) async throws(OSSError) -> Int64? {
    if process == nil, let size, size >= partsFrom {
        let result = try await Downloader(bucket: bucket).download(key, toFile: path, options: DownloadOptions(progress: progress))
        return result.size
    }
    var options = GetObjectOptions()
    options.progress = progress
    return try await bucket.getObject(key, process: process, toFile: path, options: options).contentLength
}
