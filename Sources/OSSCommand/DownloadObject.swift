import OSS

/// The one place `oss cp` downloads an object to a file, so that a parallel, resumable
/// downloader can take the large ones without the command changing. Today every object goes
/// through `getObject(toFile:)`: written beside `path`, checked (length, and CRC-64 for whole
/// unprocessed objects), renamed over it; the destination is untouched on any failure.
///
/// - Parameter size: the object's size when the listing gave it (nil when unknown), for choosing
///   how to download it.
@discardableResult
func downloadObject(_ bucket: OSSBucket, key: String, process: String?, to path: String, size: Int64?,
                    progress: ProgressHandler?) async throws(OSSError) -> ObjectInfo {
    var options = GetObjectOptions()
    options.progress = progress
    return try await bucket.getObject(key, process: process, toFile: path, options: options)
}
