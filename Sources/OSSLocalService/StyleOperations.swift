import OSSCore
import OSSFileIO
import OSSSigner

/// PutStyle, GetStyle, ListStyle and DeleteStyle, and `x-oss-process=style/NAME`, which runs the
/// stored style's content (as OSS does, the style's process stands in for the name).
extension LocalOSSService {
    /// Style names: 1 to 64 letters, digits, `-`, `_` and `.`.
    static func validateStyleName(_ name: String) throws(ServiceError) {
        let bytes = Array(name.utf8)
        let valid = (1...64).contains(bytes.count) && bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
        guard valid else {
            throw .invalidArgument("The style name must be 1 to 64 letters, digits, '-', '_' or '.'.", name: "styleName", value: String(name.prefix(128)),
                                   ec: "0044-00000001")
        }
    }

    static func noSuchStyle(_ name: String) -> ServiceError {
        ServiceError(status: 404, code: "NoSuchStyle", message: "The specified style does not exist.", ec: "0044-00000002", details: [("StyleName", name)])
    }

    static func styleXML(_ style: ImageStyle) -> String {
        "<Style>\n  <Name>\(XML.escape(style.name))</Name>\n  <Content>\(XML.escape(style.content))</Content>\n"
            + "  <Category>\(XML.escape(style.category))</Category>\n"
            + "  <CreateTime>\(SigningTime(unixSeconds: style.createdMilliseconds / 1000).httpDate)</CreateTime>\n"
            + "  <LastModifyTime>\(SigningTime(unixSeconds: style.modifiedMilliseconds / 1000).httpDate)</LastModifyTime>\n</Style>\n"
    }

    func putStyle(_ request: ParsedRequest, bucket: String, body: ByteChunks) async throws -> ServiceResponse {
        let name = request.queryValue("styleName") ?? ""
        try Self.validateStyleName(name)
        let document = try RequestXML.parse(try await body.collect(limit: 64 << 10), root: "Style")
        guard let content = document.trimmedValue("Content"), !content.isEmpty, content.utf8.count <= 4096 else {
            throw ServiceError.invalidArgument("The style needs a Content of at most 4096 bytes.", name: "Content", ec: "0044-00000003")
        }
        let category = request.queryValue("category") ?? document.trimmedValue("Category") ?? "image"
        let now = configuration.clock().unixSeconds * 1000
        let store = self.store
        try await BlockingIO.run {
            try store.updateBucketRecord(bucket) { record in
                if let index = record.styles.firstIndex(where: { $0.name == name }) {
                    record.styles[index].content = content
                    record.styles[index].category = category
                    record.styles[index].modifiedMilliseconds = now
                } else {
                    record.styles.append(ImageStyle(name: name, content: content, category: category, createdMilliseconds: now, modifiedMilliseconds: now))
                }
            }
        }
        return ServiceResponse(status: 200)
    }

    func style(bucket: String, name: String) async throws -> ImageStyle {
        let store = self.store
        guard let style = try await BlockingIO.run({ try store.bucketRecord(bucket).styles.first { $0.name == name } }) else {
            throw Self.noSuchStyle(name)
        }
        return style
    }

    func getStyle(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        let name = request.queryValue("styleName") ?? ""
        try Self.validateStyleName(name)
        return xmlResponse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + Self.styleXML(try await style(bucket: bucket, name: name)))
    }

    func listStyle(bucket: String) async throws -> ServiceResponse {
        let store = self.store
        let styles = try await BlockingIO.run { try store.bucketRecord(bucket).styles }
        return xmlResponse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StyleList>\n" + styles.map(Self.styleXML).joined() + "</StyleList>\n")
    }

    func deleteStyle(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        let name = request.queryValue("styleName") ?? ""
        try Self.validateStyleName(name)
        let store = self.store
        try await BlockingIO.run {
            try store.updateBucketRecord(bucket) { record in
                // Deleting a style that is not there succeeds, as OSS answers.
                record.styles.removeAll { $0.name == name }
            }
        }
        return ServiceResponse(status: 204)
    }

    /// `style/NAME` resolved to the stored style's process (anything else unchanged). A style's
    /// content is itself a process (`image/resize,p_50`); what follows the name
    /// (`style/NAME/format,png`, or a piped `style/NAME|sys/saveas,...`) is kept after it.
    func resolveStyle(_ process: String, bucket: String) async throws -> String {
        guard process.hasPrefix("style/") else { return process }
        let rest = process.dropFirst("style/".count)
        let name = rest.prefix { $0 != "/" && $0 != "|" }
        let tail = rest.dropFirst(name.count)
        let style = try await style(bucket: bucket, name: String(name))
        return style.content + tail
    }
}
