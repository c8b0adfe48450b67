import OSSCore
import OSSCrypto
import OSSFileIO
import OSSSigner

/// InitiateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
/// AbortMultipartUpload, ListParts and ListMultipartUploads.
///
/// OSS's rules: part numbers 1 to 10,000; every part but the last at least 100 KiB; Complete
/// names parts in ascending order, each with its ETag; the object's ETag is the MD5 of the
/// concatenated binary MD5s of its parts, in uppercase hex, then `-N`; its CRC-64 is the parts'
/// CRC-64s combined.
extension LocalOSSService {
    static let maximumPartSize: Int64 = 5 << 30
    static let minimumPartSize: Int64 = 100 << 10
    static let partNumbers = 1...10_000

    /// Text for XML: URL-encoded when the request asked for `encoding-type=url`.
    static func encoded(_ text: String, _ urlEncoded: Bool) -> String {
        XML.escape(urlEncoded ? OSSPercentEncoding.encodeQueryComponent(text) : text)
    }

    static func isURLEncoding(_ request: ParsedRequest) -> Bool { request.queryValue("encoding-type") == "url" }

    func initiateMultipartUpload(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        var template = try uploadRecord(request, key: key)
        template.objectType = "Multipart"
        let now = configuration.clock().unixSeconds * 1000
        let store = self.store
        if request.header("x-oss-forbid-overwrite")?.lowercased() == "true",
           try await BlockingIO.run({ try store.open(bucket: bucket, key: key) }) != nil {
            throw ServiceError.fileAlreadyExists(key)
        }
        let upload = try await BlockingIO.run { [template] in try store.initiateUpload(bucket: bucket, template: template, now: now) }
        let url = Self.isURLEncoding(request)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>\n"
        xml += "  <Bucket>\(XML.escape(bucket))</Bucket>\n  <Key>\(Self.encoded(key, url))</Key>\n  <UploadId>\(upload.uploadId)</UploadId>\n"
        if url { xml += "  <EncodingType>url</EncodingType>\n" }
        xml += "</InitiateMultipartUploadResult>\n"
        return xmlResponse(xml)
    }

    /// The part number of an UploadPart or UploadPartCopy, checked as OSS checks it.
    static func partNumber(_ request: ParsedRequest) throws(ServiceError) -> Int {
        let text = request.queryValue("partNumber") ?? ""
        guard let number = Int(text), partNumbers.contains(number) else {
            throw .invalidArgument("Part number must be an integer between 1 and 10000, inclusive.", name: "partNumber", value: String(text.prefix(32)),
                                   ec: "0042-00000003")
        }
        return number
    }

    func uploadPart(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks, capacity: Int64?) async throws -> ServiceResponse {
        let number = try Self.partNumber(request)
        let uploadId = request.queryValue("uploadId") ?? ""
        let store = self.store
        _ = try await BlockingIO.run { try store.upload(bucket: bucket, key: key, uploadId: uploadId) }
        if let length = request.header("Content-Length").flatMap({ Int64($0.trimmingWhitespace()) }), length > Self.maximumPartSize {
            throw ServiceError(status: 400, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed object size.", ec: "0006-00000001")
        }
        let writer = try await BlockingIO.run { try store.beginWrite(capacity: capacity) }
        let received = try await receive(body, request: request, into: writer, maximum: Self.maximumPartSize)
        let part = PartInfo(number: number, size: received.size, etag: received.md5.hexString.uppercased(), crc64: received.crc64,
                            lastModifiedMilliseconds: configuration.clock().unixSeconds * 1000)
        try await BlockingIO.run { try store.commitPart(writer, bucket: bucket, uploadId: uploadId, part: part) }
        return ServiceResponse(status: 200, headers: [("ETag", "\"\(part.etag)\""), ("x-oss-hash-crc64ecma", String(part.crc64)),
                                                      ("Content-MD5", Base64.encode(received.md5))])
    }

    func uploadPartCopy(_ request: ParsedRequest, bucket: String, key: String, capacity: Int64?) async throws -> ServiceResponse {
        let number = try Self.partNumber(request)
        let uploadId = request.queryValue("uploadId") ?? ""
        let store = self.store
        _ = try await BlockingIO.run { try store.upload(bucket: bucket, key: key, uploadId: uploadId) }
        let source = try CopySource.parse(request)
        let object = try await openCopySource(source, request: request)
        let record = object.record
        var offset: Int64 = 0
        var length = record.size
        var contentRange: String?
        if let rangeHeader = request.header("x-oss-copy-source-range"), let range = try Self.copySourceRange(rangeHeader, size: record.size) {
            offset = range.start
            length = range.end - range.start + 1
            contentRange = "bytes \(range.start)-\(range.end)/\(record.size)"
        }
        let limit = try TrafficLimit.of(request)
        let result: PartInfo = try await BlockingIO.run { [configuration, offset, length] in
            let writer = try store.beginWrite(capacity: capacity)
            var md5 = StreamingDigest(.md5)
            var crc = CRC64()
            do {
                try store.copyData(from: object.file, offset: offset, length: length, into: writer) { chunk in
                    md5.update(chunk)
                    crc.update(chunk)
                }
            } catch {
                writer.abort()
                throw error
            }
            let part = PartInfo(number: number, size: length, etag: md5.finalize().hexString.uppercased(), crc64: crc.value,
                                lastModifiedMilliseconds: configuration.clock().unixSeconds * 1000)
            try store.commitPart(writer, bucket: bucket, uploadId: uploadId, part: part)
            return part
        }
        if let limit { try await Task.sleep(for: .milliseconds(Int64(Double(result.size) * 8 / Double(limit.bitsPerSecond) * 1000))) }
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyPartResult>\n"
            + "  <LastModified>\(SigningTime(unixSeconds: result.lastModifiedMilliseconds / 1000).iso8601Extended)</LastModified>\n"
            + "  <ETag>\"\(result.etag)\"</ETag>\n</CopyPartResult>\n"
        var response = xmlResponse(xml)
        response.headers.append(("x-oss-hash-crc64ecma", String(result.crc64)))
        response.headers.append(("x-oss-copy-source-version-id", "null"))
        if let contentRange { response.headers.append(("Content-Range", contentRange)) }
        return response
    }

    /// `x-oss-copy-source-range: bytes=first-last` (or `bytes=first-`, to the end, as the official
    /// Python SDK sends it), inclusive, as OSS reads it for UploadPartCopy: a range that reaches
    /// past the source's end is refused (EC 0042-00000306, "the copy range must not exceed the
    /// source's size"), and one that does not follow the form is ignored, the whole source copied
    /// (the documented "a range that does not conform copies the entire source object"), nil.
    static func copySourceRange(_ header: String, size: Int64) throws(ServiceError) -> (start: Int64, end: Int64)? {
        let text = header.trimmingWhitespace(lineBreaks: false)
        guard text.hasPrefix("bytes="), let dash = text.firstIndex(of: "-") else { return nil }
        let first = text[text.index(text.startIndex, offsetBy: 6)..<dash], last = text[text.index(after: dash)...]
        func digits(_ part: Substring) -> Bool { part.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
        guard !first.isEmpty, digits(first), digits(last) else { return nil }
        let exceeds = ServiceError.invalidArgument("The specified copy range exceeds the size of the source object (\(size) bytes).",
                                                   name: "x-oss-copy-source-range", value: String(text.prefix(128)), ec: "0042-00000306")
        // Digits too many for 64 bits name a byte past any object's end.
        guard let start = Int64(first) else { throw exceeds }
        var end = size - 1
        if !last.isEmpty {
            guard let value = Int64(last) else { throw exceeds }
            guard value >= start else { return nil }
            end = value
        }
        guard start < size, end < size else { throw exceeds }
        return (start, end)
    }

    func completeMultipartUpload(_ request: ParsedRequest, bucket: String, key: String, body: ByteChunks, capacity: Int64?) async throws -> ServiceResponse {
        let uploadId = request.queryValue("uploadId") ?? ""
        let store = self.store
        let upload = try await BlockingIO.run { try store.upload(bucket: bucket, key: key, uploadId: uploadId) }
        let uploaded = try await BlockingIO.run { try store.parts(bucket: bucket, uploadId: uploadId) }
        let chosen: [PartInfo]
        if request.header("x-oss-complete-all")?.lowercased() == "yes" {
            let bytes = try await body.collect(limit: 1 << 20)
            guard bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
                throw ServiceError.invalidArgument("With x-oss-complete-all: yes the request must not carry a body.", name: "x-oss-complete-all", ec: "0042-00000216")
            }
            chosen = uploaded
        } else {
            chosen = try Self.chooseParts(try RequestXML.parse(try await body.collect(limit: 4 << 20), root: "CompleteMultipartUpload"), uploaded: uploaded)
        }
        guard !chosen.isEmpty else {
            throw ServiceError.invalidArgument("A multipart upload needs at least one part to complete.", ec: "0042-00000205")
        }
        for part in chosen.dropLast() where part.size < Self.minimumPartSize {
            throw ServiceError(status: 400, code: "EntityTooSmall", message: "Your proposed upload is smaller than the minimum allowed object size.",
                               ec: "0042-00000206", details: [("MinSizeAllowed", String(Self.minimumPartSize)), ("ProposedSize", String(part.size)),
                                                              ("PartNumber", String(part.number))])
        }
        let forbidOverwrite = request.header("x-oss-forbid-overwrite")?.trimmingWhitespace().lowercased() == "true"
        var record = upload.template
        record.key = upload.key
        // Headers given to Complete (ACL, for one) override what Initiate said.
        if let acl = request.header("x-oss-object-acl")?.trimmingWhitespace() {
            guard Self.objectACLs.contains(acl) else {
                throw ServiceError.invalidArgument("The ACL you specified is not valid.", name: "x-oss-object-acl", value: acl, ec: "0016-00000701")
            }
            record.acl = acl
        }
        let callback = try UploadCallback.parse(request)
        var etagSource: [UInt8] = []
        var crc: UInt64 = 0
        var size: Int64 = 0
        for part in chosen {
            etagSource += hexBytes(part.etag)
            crc = size == 0 ? part.crc64 : CRC64.combine(crc, part.crc64, secondLength: part.size)
            size += part.size
        }
        record.size = size
        record.etag = Crypto.md5(etagSource).hexString.uppercased() + "-\(chosen.count)"
        record.crc64 = String(crc)
        record.parts = chosen.count
        record.lastModifiedMilliseconds = configuration.clock().unixSeconds * 1000
        try await BlockingIO.run { [record] in
            let writer = try store.beginWrite(capacity: capacity)
            do {
                for part in chosen {
                    let file = try store.openPart(bucket: bucket, uploadId: uploadId, number: part.number)
                    try store.copyData(from: file, offset: 0, length: part.size, into: writer)
                }
            } catch {
                writer.abort()
                throw error
            }
            try store.commit(writer, bucket: bucket, record: record, forbidOverwrite: forbidOverwrite)
            // The object is there; the upload goes (a crash before this leaves it listed, and a
            // second Complete publishes the same object again).
            try store.removeUploadFolder(bucket: bucket, uploadId: uploadId)
        }
        let url = Self.isURLEncoding(request)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult>\n"
        if url { xml += "  <EncodingType>url</EncodingType>\n" }
        xml += "  <Location>\(XML.escape(location(bucket: bucket, key: key, request: request)))</Location>\n"
        xml += "  <Bucket>\(XML.escape(bucket))</Bucket>\n  <Key>\(Self.encoded(key, url))</Key>\n  <ETag>\"\(record.etag)\"</ETag>\n"
        xml += "</CompleteMultipartUploadResult>\n"
        var response = xmlResponse(xml)
        response.headers += [("ETag", record.quotedETag), ("x-oss-hash-crc64ecma", record.crc64)]
        if let callback {
            return await callback.answer(for: self, bucket: bucket, record: record, request: request, response: response)
        }
        return response
    }

    static let objectACLs: Set<String> = ["default", "private", "public-read", "public-read-write"]

    /// The parts a CompleteMultipartUpload body names, checked against those uploaded.
    static func chooseParts(_ document: RequestXML, uploaded: [PartInfo]) throws(ServiceError) -> [PartInfo] {
        var byNumber: [Int: PartInfo] = [:]
        for part in uploaded { byNumber[part.number] = part }
        var chosen: [PartInfo] = []
        for element in document.children("Part") {
            guard let numberText = element.trimmedValue("PartNumber"), let number = Int(numberText), partNumbers.contains(number) else {
                throw RequestXML.malformed
            }
            if let last = chosen.last, number <= last.number {
                throw ServiceError(status: 400, code: "InvalidPartOrder", message: "The list of parts was not in ascending order. Parts must be ordered by part number.",
                                   ec: "0042-00000209", details: [("PartNumber", String(number))])
            }
            let etag = (element.trimmedValue("ETag") ?? "").replacingQuotes().uppercased()
            guard let part = byNumber[number], part.etag == etag else {
                throw ServiceError(status: 400, code: "InvalidPart",
                                   message: "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
                                   ec: "0042-00000208", details: [("PartNumber", String(number)), ("ETag", etag)])
            }
            chosen.append(part)
        }
        guard chosen.count <= partNumbers.upperBound else { throw RequestXML.malformed }
        return chosen
    }

    func abortMultipartUpload(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        let uploadId = request.queryValue("uploadId") ?? ""
        let store = self.store
        try await BlockingIO.run {
            _ = try store.upload(bucket: bucket, key: key, uploadId: uploadId)
            try store.removeUploadFolder(bucket: bucket, uploadId: uploadId)
        }
        return ServiceResponse(status: 204)
    }

    func listParts(_ request: ParsedRequest, bucket: String, key: String) async throws -> ServiceResponse {
        let uploadId = request.queryValue("uploadId") ?? ""
        let marker = try Self.integerParameter(request, "part-number-marker", range: 0...10_000) ?? 0
        let maxParts = try Self.integerParameter(request, "max-parts", range: 1...1000) ?? 1000
        let store = self.store
        let upload = try await BlockingIO.run { try store.upload(bucket: bucket, key: key, uploadId: uploadId) }
        let all = try await BlockingIO.run { try store.parts(bucket: bucket, uploadId: uploadId) }.filter { $0.number > marker }
        let page = Array(all.prefix(maxParts))
        let truncated = all.count > page.count
        let url = Self.isURLEncoding(request)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult>\n"
        if url { xml += "  <EncodingType>url</EncodingType>\n" }
        xml += "  <Bucket>\(XML.escape(bucket))</Bucket>\n  <Key>\(Self.encoded(key, url))</Key>\n  <UploadId>\(upload.uploadId)</UploadId>\n"
        xml += "  <StorageClass>\(XML.escape(upload.template.storageClass))</StorageClass>\n"
        xml += "  <PartNumberMarker>\(marker)</PartNumberMarker>\n  <NextPartNumberMarker>\(page.last?.number ?? marker)</NextPartNumberMarker>\n"
        xml += "  <MaxParts>\(maxParts)</MaxParts>\n  <IsTruncated>\(truncated)</IsTruncated>\n"
        for part in page {
            xml += "  <Part>\n    <PartNumber>\(part.number)</PartNumber>\n"
            xml += "    <LastModified>\(SigningTime(unixSeconds: part.lastModifiedMilliseconds / 1000).iso8601Extended)</LastModified>\n"
            xml += "    <ETag>\"\(part.etag)\"</ETag>\n    <HashCrc64ecma>\(part.crc64)</HashCrc64ecma>\n    <Size>\(part.size)</Size>\n  </Part>\n"
        }
        xml += "</ListPartsResult>\n"
        return xmlResponse(xml)
    }

    func listMultipartUploads(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        let prefix = request.queryValue("prefix") ?? ""
        let delimiter = request.queryValue("delimiter") ?? ""
        let keyMarker = request.queryValue("key-marker") ?? ""
        let uploadIdMarker = request.queryValue("upload-id-marker") ?? ""
        let maxUploads = try Self.integerParameter(request, "max-uploads", range: 1...1000) ?? 1000
        let store = self.store
        let all = try await BlockingIO.run { try store.uploads(bucket: bucket) }
        let prefixBytes = Array(prefix.utf8), markerBytes = Array(keyMarker.utf8), delimiterBytes = Array(delimiter.utf8)
        var uploads: [UploadRecord] = []
        var commonPrefixes: [[UInt8]] = []
        var truncated = false
        var lastKey: [UInt8]?
        var lastUploadId: String?
        for upload in all {
            let key = Array(upload.key.utf8)
            guard key.starts(with: prefixBytes) else { continue }
            if !markerBytes.isEmpty {
                if key.lexicographicallyPrecedes(markerBytes) { continue }
                if key == markerBytes && (uploadIdMarker.isEmpty || upload.uploadId <= uploadIdMarker) { continue }
            }
            var common: [UInt8]?
            if !delimiterBytes.isEmpty, let range = key[prefixBytes.count...].firstRange(of: delimiterBytes) {
                common = Array(key[..<range.upperBound])
            }
            if let common, commonPrefixes.last == common { continue }
            if uploads.count + commonPrefixes.count == maxUploads {
                truncated = true
                break
            }
            if let common {
                if !markerBytes.isEmpty, common == markerBytes { continue }
                commonPrefixes.append(common)
                lastKey = common
                lastUploadId = ""
            } else {
                uploads.append(upload)
                lastKey = key
                lastUploadId = upload.uploadId
            }
        }
        let url = Self.isURLEncoding(request)
        func text(_ bytes: [UInt8]) -> String { Self.encoded(String(decoding: bytes, as: UTF8.self), url) }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult>\n"
        if url { xml += "  <EncodingType>url</EncodingType>\n" }
        xml += "  <Bucket>\(XML.escape(bucket))</Bucket>\n  <KeyMarker>\(Self.encoded(keyMarker, url))</KeyMarker>\n"
        xml += "  <UploadIdMarker>\(XML.escape(uploadIdMarker))</UploadIdMarker>\n"
        xml += "  <NextKeyMarker>\(lastKey.map(text) ?? "")</NextKeyMarker>\n  <NextUploadIdMarker>\(XML.escape(lastUploadId ?? ""))</NextUploadIdMarker>\n"
        xml += "  <Delimiter>\(Self.encoded(delimiter, url))</Delimiter>\n  <Prefix>\(Self.encoded(prefix, url))</Prefix>\n"
        xml += "  <MaxUploads>\(maxUploads)</MaxUploads>\n  <IsTruncated>\(truncated)</IsTruncated>\n"
        for upload in uploads {
            xml += "  <Upload>\n    <Key>\(Self.encoded(upload.key, url))</Key>\n    <UploadId>\(upload.uploadId)</UploadId>\n"
            xml += "    <StorageClass>\(XML.escape(upload.template.storageClass))</StorageClass>\n"
            xml += "    <Initiated>\(SigningTime(unixSeconds: upload.initiatedMilliseconds / 1000).iso8601Extended)</Initiated>\n  </Upload>\n"
        }
        for common in commonPrefixes {
            xml += "  <CommonPrefixes>\n    <Prefix>\(text(common))</Prefix>\n  </CommonPrefixes>\n"
        }
        xml += "</ListMultipartUploadsResult>\n"
        return xmlResponse(xml)
    }

    /// An integer query parameter within a range, or InvalidArgument naming it.
    static func integerParameter(_ request: ParsedRequest, _ name: String, range: ClosedRange<Int>) throws(ServiceError) -> Int? {
        guard let text = request.queryValue(name), !text.isEmpty else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw .invalidArgument("\(name) must be an integer between \(range.lowerBound) and \(range.upperBound).", name: name,
                                   value: String(text.prefix(32)), ec: "0016-00000301")
        }
        return value
    }

    /// `http://HOST/BUCKET/KEY`, what OSS reports as an object's location.
    func location(bucket: String, key: String, request: ParsedRequest) -> String {
        let host = endpoint(for: request)
        let base = host.hasPrefix("http") ? host : "https://" + host
        return base + "/" + bucket + "/" + OSSPercentEncoding.encodePath(key)
    }
}

extension ServiceError {
    static func fileAlreadyExists(_ key: String) -> ServiceError {
        ServiceError(status: 409, code: "FileAlreadyExists", message: "The object you specified already exists and can not be overwritten.",
                     ec: "0016-00000101", details: [("Key", key)])
    }
}

extension String {
    /// Without the double quotes an ETag is sent with (`"ABC"`, or `&quot;ABC&quot;` decoded).
    func replacingQuotes() -> String { String(filter { $0 != "\"" }) }
}

/// The bytes of a hex string (an ETag's MD5); invalid digits count as zero.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    var bytes: [UInt8] = []
    var index = 0
    func value(_ d: UInt8) -> UInt8 {
        switch d {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): d - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): d - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): d - UInt8(ascii: "A") + 10
        default: 0
        }
    }
    while index + 1 < digits.count {
        bytes.append(value(digits[index]) << 4 | value(digits[index + 1]))
        index += 2
    }
    return bytes
}
