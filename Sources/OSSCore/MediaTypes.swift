/// Content types from file extensions: what an upload is labelled when the caller does not say,
/// and what the local OSS serves for files dropped into a bucket by hand.
package enum MediaTypes {
    /// Lowercase extension to MIME type, for the types an object store sees most.
    package static let byExtension: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
        "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff", "heic": "image/heic", "avif": "image/avif",
        "svg": "image/svg+xml", "txt": "text/plain", "html": "text/html", "htm": "text/html", "css": "text/css",
        "js": "application/javascript", "json": "application/json", "xml": "application/xml", "pdf": "application/pdf",
        "zip": "application/zip", "gz": "application/gzip", "mp4": "video/mp4", "mp3": "audio/mpeg",
    ]

    /// The type for a key's extension; `application/octet-stream` when unknown.
    package static func guess(forKey key: String) -> String {
        guard let dot = key.lastIndex(of: "."), !key[dot...].contains("/") else { return "application/octet-stream" }
        return byExtension[key[key.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
