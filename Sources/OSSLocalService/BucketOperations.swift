import OSSCore
import OSSFileIO
import OSSSigner

/// ListBuckets, PutBucket, GetBucketInfo, GetBucketLocation, GetBucketStat, GetBucketVersioning
/// and ListObjectVersions.
///
/// The endpoint fields (`ExtranetEndpoint`, `IntranetEndpoint`) name this server, so that a
/// client that reconnects to a bucket by them reaches it again: the address it was told with
/// ``LocalOSSService/setEndpoint(_:)`` (`oss serve` tells it the address it listens on), else the
/// request's `Host`. A real OSS endpoint is a bare host name, which every SDK reads as HTTPS; a
/// plain-HTTP server's endpoint therefore carries its `http://` scheme.
extension LocalOSSService {
    static let storageClasses = ["standard": "Standard", "ia": "IA", "archive": "Archive", "coldarchive": "ColdArchive", "deepcoldarchive": "DeepColdArchive"]

    /// The endpoint this server is reached at, as the endpoint fields give it.
    func endpoint(for request: ParsedRequest) -> String {
        if let told = advertisedEndpoint.withLock({ $0 }) { return told }
        var host = request.header("Host") ?? "127.0.0.1"
        if let bucket = virtualHostedBucket(host), host.lowercased().hasPrefix(bucket + ".") { host = String(host.dropFirst(bucket.count + 1)) }
        return "http://" + host
    }

    func bucketFields(_ name: String, record: BucketRecord, request: ParsedRequest) -> String {
        let endpoint = XML.escape(endpoint(for: request))
        return "<CreationDate>\(SigningTime(unixSeconds: record.creationMilliseconds / 1000).iso8601Extended)</CreationDate>"
            + "<ExtranetEndpoint>\(endpoint)</ExtranetEndpoint><IntranetEndpoint>\(endpoint)</IntranetEndpoint>"
            + "<Location>oss-\(XML.escape(configuration.region))</Location><Name>\(XML.escape(name))</Name>"
            + "<Region>\(XML.escape(configuration.region))</Region><StorageClass>\(XML.escape(record.storageClass))</StorageClass>"
    }

    func listBuckets(_ request: ParsedRequest) async throws -> ServiceResponse {
        let prefix = request.queryValue("prefix") ?? ""
        let marker = request.queryValue("marker") ?? ""
        let maxKeys = try Self.integerParameter(request, "max-keys", range: 1...1000) ?? 100
        var wanted: [(String, String?)] = []
        if let key = request.queryValue("tag-key"), !key.isEmpty { wanted.append((key, request.queryValue("tag-value"))) }
        if let tagging = request.queryValue("tagging"), !tagging.isEmpty { wanted += Self.parseTagFilter(tagging) }
        let store = self.store
        let buckets = try await BlockingIO.run { () -> [(String, BucketRecord)] in
            try store.bucketNames().filter { name in
                Array(name.utf8).starts(with: Array(prefix.utf8)) && (marker.isEmpty || Array(marker.utf8).lexicographicallyPrecedes(Array(name.utf8)))
            }.map { ($0, try store.bucketRecord($0)) }
        }.filter { _, record in
            wanted.allSatisfy { key, value in record.tags.contains { $0.key == key && (value == nil || $0.value == value) } }
        }
        let page = buckets.prefix(maxKeys)
        let truncated = buckets.count > page.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult>\n"
        xml += "  <Prefix>\(XML.escape(prefix))</Prefix>\n  <Marker>\(XML.escape(marker))</Marker>\n  <MaxKeys>\(maxKeys)</MaxKeys>\n"
        xml += "  <IsTruncated>\(truncated)</IsTruncated>\n"
        if truncated, let last = page.last { xml += "  <NextMarker>\(XML.escape(last.0))</NextMarker>\n" }
        xml += "  <Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>\n  <Buckets>\n"
        for (name, record) in page {
            xml += "    <Bucket>\(bucketFields(name, record: record, request: request))</Bucket>\n"
        }
        xml += "  </Buckets>\n</ListAllMyBucketsResult>\n"
        return xmlResponse(xml)
    }

    /// `"k1":"v1","k2":"v2"`, the `tagging` filter of ListBuckets.
    static func parseTagFilter(_ text: String) -> [(String, String?)] {
        var pairs: [(String, String?)] = []
        var quoted: [String] = []
        var current = ""
        var inside = false
        for character in text {
            if character == "\"" {
                if inside { quoted.append(current) }
                current = ""
                inside.toggle()
            } else if inside {
                current.append(character)
            }
        }
        var index = 0
        while index + 1 < quoted.count {
            pairs.append((quoted[index], quoted[index + 1]))
            index += 2
        }
        return pairs
    }

    func putBucket(_ request: ParsedRequest, bucket: String, body: ByteChunks) async throws -> ServiceResponse {
        var record = BucketRecord(creationMilliseconds: configuration.clock().unixSeconds * 1000)
        if let acl = request.header("x-oss-acl")?.trimmingWhitespace() {
            guard Self.bucketACLs.contains(acl) else {
                throw ServiceError.invalidArgument("The ACL you specified is not valid.", name: "x-oss-acl", value: acl, ec: "0015-00000901")
            }
            record.acl = acl
        }
        let bytes = try await body.collect(limit: 64 << 10)
        if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let document = try RequestXML.parse(bytes, root: "CreateBucketConfiguration")
            if let storageClass = document.trimmedValue("StorageClass") {
                guard let canonical = Self.storageClasses[storageClass.lowercased()] else {
                    throw ServiceError.invalidArgument("The storage class you specified is not valid.", name: "StorageClass", value: storageClass, ec: "0015-00000401")
                }
                record.storageClass = canonical
            }
            if let redundancy = document.trimmedValue("DataRedundancyType") {
                guard redundancy == "LRS" || redundancy == "ZRS" else {
                    throw ServiceError.invalidArgument("DataRedundancyType must be LRS or ZRS.", name: "DataRedundancyType", value: redundancy, ec: "0015-00000402")
                }
                record.dataRedundancyType = redundancy
            }
        }
        let store = self.store
        try await BlockingIO.run { [record] in
            let existed = try store.bucketExists(bucket)
            try store.createBucket(bucket)
            // An existing bucket keeps what it has: PutBucket is no way to change it.
            if !existed { try store.writeBucketRecord(bucket, record) }
        }
        return ServiceResponse(status: 200, headers: [("Location", "/\(bucket)")])
    }

    func deleteBucket(bucket: String) async throws -> ServiceResponse {
        let store = self.store
        try await BlockingIO.run {
            if try store.hasUploads(bucket: bucket) {
                throw ServiceError(status: 409, code: "BucketNotEmpty", message: "The bucket you tried to delete is not empty: it has multipart uploads in progress.",
                                   ec: "0015-00000301", details: [("BucketName", bucket)])
            }
            try store.deleteBucket(bucket)
        }
        return ServiceResponse(status: 204)
    }

    func getBucketInfo(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        let store = self.store
        let record = try await BlockingIO.run { try store.bucketRecord(bucket) }
        let acl = try await bucketACL(bucket)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BucketInfo>\n  <Bucket>\n"
        xml += "    <AccessMonitor>Disabled</AccessMonitor>\n    " + bucketFields(bucket, record: record, request: request) + "\n"
        xml += "    <TransferAcceleration>Disabled</TransferAcceleration>\n    <CrossRegionReplication>Disabled</CrossRegionReplication>\n"
        xml += "    <DataRedundancyType>\(record.dataRedundancyType)</DataRedundancyType>\n    <ResourceGroupId>local</ResourceGroupId>\n"
        xml += "    <Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>\n"
        xml += "    <AccessControlList><Grant>\(XML.escape(acl))</Grant></AccessControlList>\n"
        xml += "    <ServerSideEncryptionRule><SSEAlgorithm>None</SSEAlgorithm></ServerSideEncryptionRule>\n"
        xml += "    <BucketPolicy><LogBucket></LogBucket><LogPrefix></LogPrefix></BucketPolicy>\n    <Comment></Comment>\n"
        xml += "  </Bucket>\n</BucketInfo>\n"
        return xmlResponse(xml)
    }

    func getBucketLocation() -> ServiceResponse {
        xmlResponse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint>oss-\(XML.escape(configuration.region))</LocationConstraint>\n")
    }

    func getBucketVersioning() -> ServiceResponse {
        // This server keeps no versions: the bucket has never had versioning turned on.
        xmlResponse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VersioningConfiguration/>\n")
    }

    /// Counts and sizes over the bucket's objects, by storage class, and its uploads and parts.
    func getBucketStat(bucket: String) async throws -> ServiceResponse {
        let store = self.store
        let (entries, uploads, parts) = try await BlockingIO.run { () -> ([IndexEntry], Int, Int) in
            let entries = try store.allEntries(bucket: bucket)
            let uploads = try store.uploads(bucket: bucket)
            let parts = try uploads.reduce(0) { $0 + (try store.parts(bucket: bucket, uploadId: $1.uploadId)).count }
            return (entries, uploads.count, parts)
        }
        var storage: [String: (bytes: Int64, count: Int)] = [:]
        for entry in entries { storage[entry.storageClass, default: (0, 0)].bytes += entry.size; storage[entry.storageClass, default: (0, 0)].count += 1 }
        let total = entries.reduce(Int64(0)) { $0 + $1.size }
        let lastModified = (entries.map(\.lastModifiedMilliseconds).max() ?? 0) / 1000
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BucketStat>\n"
        xml += "  <Storage>\(total)</Storage>\n  <ObjectCount>\(entries.count)</ObjectCount>\n  <MultipartUploadCount>\(uploads)</MultipartUploadCount>\n"
        xml += "  <LiveChannelCount>0</LiveChannelCount>\n  <LastModifiedTime>\(lastModified)</LastModifiedTime>\n"
        for (element, storageClass) in [("Standard", "Standard"), ("InfrequentAccess", "IA"), ("Archive", "Archive"), ("ColdArchive", "ColdArchive"),
                                        ("DeepColdArchive", "DeepColdArchive")] {
            let value = storage[storageClass] ?? (0, 0)
            xml += "  <\(element)Storage>\(value.bytes)</\(element)Storage>\n"
            if storageClass != "Standard" { xml += "  <\(element)RealStorage>\(value.bytes)</\(element)RealStorage>\n" }
            xml += "  <\(element)ObjectCount>\(value.count)</\(element)ObjectCount>\n"
        }
        xml += "  <MultipartPartCount>\(parts)</MultipartPartCount>\n  <DeleteMarkerCount>0</DeleteMarkerCount>\n</BucketStat>\n"
        return xmlResponse(xml)
    }

    /// ListObjectVersions over an unversioned bucket: each object is its one version, `null`.
    func listObjectVersions(_ request: ParsedRequest, bucket: String) async throws -> ServiceResponse {
        let prefix = request.queryValue("prefix") ?? ""
        let delimiter = request.queryValue("delimiter") ?? ""
        let keyMarker = request.queryValue("key-marker") ?? ""
        let versionIdMarker = request.queryValue("version-id-marker") ?? ""
        var query = ListingQuery(prefix: Array(prefix.utf8), delimiter: Array(delimiter.utf8))
        query.maxKeys = try Self.integerParameter(request, "max-keys", range: 1...1000) ?? 100
        query.after = Array(keyMarker.utf8)
        let store = self.store
        let (page, entries) = try await BlockingIO.run { [query] in try store.list(bucket: bucket, query: query) }
        let url = Self.isURLEncoding(request)
        func text(_ bytes: [UInt8]) -> String { Self.encoded(String(decoding: bytes, as: UTF8.self), url) }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListVersionsResult>\n"
        xml += "  <Name>\(XML.escape(bucket))</Name>\n  <Prefix>\(Self.encoded(prefix, url))</Prefix>\n  <KeyMarker>\(Self.encoded(keyMarker, url))</KeyMarker>\n"
        xml += "  <VersionIdMarker>\(XML.escape(versionIdMarker))</VersionIdMarker>\n  <MaxKeys>\(query.maxKeys)</MaxKeys>\n"
        xml += "  <Delimiter>\(Self.encoded(delimiter, url))</Delimiter>\n"
        if url { xml += "  <EncodingType>url</EncodingType>\n" }
        xml += "  <IsTruncated>\(page.isTruncated)</IsTruncated>\n"
        if page.isTruncated, let last = page.lastEntry {
            xml += "  <NextKeyMarker>\(text(last))</NextKeyMarker>\n  <NextVersionIdMarker>null</NextVersionIdMarker>\n"
        }
        for entry in entries {
            xml += "  <Version>\n    <Key>\(text(entry.key))</Key>\n    <VersionId>null</VersionId>\n    <IsLatest>true</IsLatest>\n"
            xml += "    <LastModified>\(SigningTime(unixSeconds: entry.lastModifiedMilliseconds / 1000).iso8601Extended)</LastModified>\n"
            xml += "    <ETag>\(XML.escape("\"\(entry.etag)\""))</ETag>\n    <Type>\(XML.escape(entry.objectType))</Type>\n    <Size>\(entry.size)</Size>\n"
            xml += "    <StorageClass>\(XML.escape(entry.storageClass))</StorageClass>\n    <Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>\n  </Version>\n"
        }
        for common in page.commonPrefixes {
            xml += "  <CommonPrefixes>\n    <Prefix>\(text(common))</Prefix>\n  </CommonPrefixes>\n"
        }
        xml += "</ListVersionsResult>\n"
        return xmlResponse(xml)
    }
}

extension ObjectStore {
    /// Every index entry of the bucket (files placed by hand imported first).
    func allEntries(bucket: String) throws -> [IndexEntry] {
        try importPlacedFiles(bucket: bucket)
        return try loadedState(bucket).withLock { $0.index.entries }
    }
}
