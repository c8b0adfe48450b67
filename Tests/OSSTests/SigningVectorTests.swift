import Foundation
import OSS
import Testing

/// Replays the vectors generated with the official SDKs (the project's copy in
/// `Tests/OSSTests/Fixtures/oss-signing.json`, so a fresh clone has them), the shared copy in
/// `../shared/vectors` when that folder is there, and every file named in `OSS_EXTRA_VECTORS`,
/// through the client's own request preparation: the URL and headers checked here are the ones
/// the transport would send.
@Suite("Official SDK signing vectors")
struct SigningVectorTests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The vector file in the test bundle (a resource of this target).
    static var bundledVectors: String {
        Bundle.module.url(forResource: "oss-signing", withExtension: "json", subdirectory: "Fixtures")?.path
            ?? "<Fixtures/oss-signing.json is not in the test bundle>"
    }

    static var vectorFiles: [String] {
        var files = [bundledVectors]
        // Newer vectors may land in the shared folder first; replay them too when it is there.
        let shared = repositoryRoot.appendingPathComponent("../shared/vectors/oss-signing.json").standardizedFileURL.path
        if FileManager.default.fileExists(atPath: shared) { files.append(shared) }
        if let extra = ProcessInfo.processInfo.environment["OSS_EXTRA_VECTORS"] {
            files += extra.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        return files
    }

    @Test("every vector in every vector file passes")
    func allVectors() throws {
        for path in Self.vectorFiles {
            // A missing file is a failure, not a skip.
            let data = try #require(FileManager.default.contents(atPath: path), "vector file missing: \(path)")
            let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path) is not a JSON object")
            #expect(root["format"] as? String == "oss-signing-vectors/1", "\(path): unknown format")
            let vectors = try #require(root["vectors"] as? [[String: Any]], "\(path) has no vectors")
            if let count = root["count"] as? Int {
                #expect(vectors.count == count, "\(path): count says \(count), file holds \(vectors.count)")
            }
            #expect(!vectors.isEmpty, "\(path) holds no vectors")
            for vector in vectors {
                try check(vector, file: path)
            }
        }
    }

    @Test("the project's vector file holds the 44 documented vectors of all four kinds")
    func bundledFileShape() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.bundledVectors), "missing: \(Self.bundledVectors)")
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let vectors = try #require(root["vectors"] as? [[String: Any]])
        #expect(vectors.count >= 44)
        let kinds = Set(vectors.compactMap { $0["kind"] as? String })
        #expect(kinds == ["v4-header", "v4-presign", "v1-header", "v1-presign"])
    }

    func check(_ vector: [String: Any], file: String) throws {
        let id = vector["id"] as? String ?? "?"
        let kind = try #require(vector["kind"] as? String, "\(id): no kind")
        let input = try #require(vector["input"] as? [String: Any], "\(id): no input")
        var output = try #require(vector["output"] as? [String: Any], "\(id): no output")
        // We trim header values, as an HTTP server sees them; the vectors record that variant.
        let trimmedVariant = vector["output_if_header_values_trimmed"] as? [String: Any]
        if let trimmedVariant {
            output.merge(trimmedVariant) { _, new in new }
        }

        let credentials = Credentials(accessKeyId: input["access_key_id"] as! String,
                                      accessKeySecret: input["access_key_secret"] as! String,
                                      securityToken: input["security_token"] as? String)
        let time = SigningTime(unixSeconds: Int64(input["signing_time_unix"] as! Int))
        #expect(SigningTime(iso8601Basic: Self.basic(input["signing_time"] as! String)) == time, "\(id): time parse")
        let request = SignableRequest(
            method: input["method"] as! String,
            bucket: input["bucket"] as? String,
            key: input["key"] as? String,
            query: (input["query"] as! [[String]]).map { QueryItem($0[0], $0[1]) },
            headers: (input["headers"] as! [[String]]).map { HTTPHeaderField($0[0], $0[1]) })
        let configuration = Configuration(
            region: input["region"] as? String,
            endpoint: input["endpoint"] as? String,
            addressStyle: input["address_style"] as? String == "path" ? .path : .virtualHosted,
            signatureVersion: kind.hasPrefix("v1") ? .v1 : .v4,
            credentialsProvider: StaticCredentialsProvider(credentials),
            additionalSignedHeaders: input["additional_headers"] as? [String] ?? [])

        let prepared: PreparedRequest
        if kind.hasSuffix("presign") {
            prepared = try configuration.presign(request, credentials: credentials,
                                                 expiresIn: Int64(input["expires_seconds"] as! Int), at: time)
        } else {
            prepared = try configuration.prepare(request, credentials: credentials, at: time)
        }
        let signing = try #require(prepared.signing, "\(id): not signed")

        // URL: exact for the V4 reference (alibabacloud-oss-v2). The V1 reference, oss2, writes `/`
        // in keys as %2F and spaces in query values as `+`; the README beside the vectors says both
        // forms are valid on the wire, so V1 URLs are compared after decoding each component.
        let expectedURL = output["url"] as! String
        if kind.hasPrefix("v1") {
            #expect(Self.decodedURL(prepared.url) == Self.decodedURL(expectedURL), "\(id): url\n ours: \(prepared.url)\n want: \(expectedURL)")
        } else {
            #expect(prepared.url == expectedURL, "\(id): url")
        }
        if let canonical = output["canonical_request"] as? String {
            #expect(signing.canonicalRequest == canonical, "\(id): canonical request\n ours: \(signing.canonicalRequest ?? "nil")\n want: \(canonical)")
        }
        #expect(signing.stringToSign == output["string_to_sign"] as? String, "\(id): string to sign")
        #expect(signing.signature == output["signature"] as? String, "\(id): signature")
        if let authorization = output["authorization"] as? String {
            #expect(signing.authorization == authorization, "\(id): authorization")
        }
        if let expectedHeaders = output["headers_to_send"] as? [[String]] {
            // Header names are case-insensitive in HTTP; values are compared as sent (trimmed).
            // For the trimmed variant, the Authorization sent is the trimmed variant's.
            let want = expectedHeaders.map { field -> [String] in
                let name = field[0].lowercased()
                guard trimmedVariant != nil else { return [name, field[1]] }
                if name == "authorization", let authorization = output["authorization"] as? String { return [name, authorization] }
                return [name, field[1].trimmingCharacters(in: .whitespaces)]
            }
            let ours = prepared.headers.map { [$0.name.lowercased(), $0.value] }
            #expect(ours == want, "\(id): headers to send\n ours: \(ours)\n want: \(want)")
        }
        if let names = output["signed_header_names"] as? [String] {
            #expect(Self.signedHeaderNames(signing.canonicalRequest ?? "") == names, "\(id): signed header names")
        }
        if let items = output["query_items"] as? [[Any]] {
            let want = items.map { EncodedQueryItem(name: $0[0] as! String, value: $0[1] as? String) }
            #expect(signing.encodedQuery == want, "\(id): query items\n ours: \(signing.encodedQuery)\n want: \(want)")
        }
    }

    static func basic(_ iso: String) -> String {
        iso.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    /// The header names on line 4 of a canonical request.
    static func signedHeaderNames(_ canonical: String) -> [String] {
        let lines = canonical.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 3 else { return [] }
        var names: [String] = []
        for line in lines[3...] {
            if line.isEmpty { break }
            names.append(String(line.prefix { $0 != ":" }))
        }
        return names
    }

    /// Scheme, host, decoded path and decoded query items: what a server reads from a URL.
    static func decodedURL(_ url: String) -> [String] {
        let parts = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var result = [OSSPercentEncoding.decode(parts[0], plusIsSpace: false) ?? "<bad>"]
        if parts.count > 1 {
            for item in parts[1].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = OSSPercentEncoding.decode(pair[0], plusIsSpace: true) ?? "<bad>"
                let value = pair.count > 1 ? OSSPercentEncoding.decode(pair[1], plusIsSpace: true) ?? "<bad>" : ""
                result.append("\(name)=\(value)")
            }
        }
        return result
    }
}
