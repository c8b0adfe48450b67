import OSSCore
import OSSSigner

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends an upload callback's POST and returns the reply's status and body (at most 3 MiB read).
/// The local service's one outgoing request stands behind this protocol so that the service
/// depends on no HTTP client: `oss serve` plugs in the client's transport
/// (`TransportCallbackSender` in OSSOffline), tests plug in what they like.
public protocol CallbackSender: Sendable {
    func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) async throws -> (status: Int, body: [UInt8])
}

/// Upload callbacks: `x-oss-callback` (base64 JSON: `callbackUrl`, `callbackBody`,
/// `callbackBodyType`, `callbackHost`) and `x-oss-callback-var` (base64 JSON of `x:NAME` values)
/// on PutObject and CompleteMultipartUpload.
///
/// Once the object is stored, the body, with `${bucket}`, `${object}`, `${etag}`, `${size}`,
/// `${mimeType}`, `${crc64}`, `${contentMd5}`, `${reqId}`, `${operation}`, `${clientIp}` and the
/// `${x:NAME}` variables put in (URL-encoded for a form body, JSON-escaped for a JSON one), is
/// POSTed to the URL. A 200 with a JSON body is the reply the client gets, with status 200; any
/// other outcome is 203 CallbackFailed, and the object stays stored, as OSS answers.
///
/// Callbacks go only to loopback (`127.0.0.0/8`, `::1`, `localhost`) unless
/// ``LocalOSSConfiguration/allowRemoteCallbacks`` is set: a test double must not be made to
/// reach out to other hosts. Redirects are not followed. OSS signs its callbacks with a key
/// behind `x-oss-pub-key-url`; this server sends them unsigned.
struct UploadCallback: Sendable {
    var urls: [String]
    var body: String
    var bodyType: String
    var host: String?
    var variables: [String: String]

    private struct Parameters: Decodable {
        var callbackUrl: String
        var callbackBody: String
        var callbackBodyType: String?
        var callbackHost: String?
    }

    static func invalid(_ message: String, header: String) -> ServiceError {
        .invalidArgument(message, name: header, ec: "0007-00000101")
    }

    /// The request's callback, nil when it asks for none.
    static func parse(_ request: ParsedRequest) throws(ServiceError) -> UploadCallback? {
        guard let header = request.header("x-oss-callback") ?? request.queryValue("callback") else { return nil }
        guard let json = Base64.decodeURLSafe((header.trimmingWhitespace()).utf8),
              let parameters = try? JSONDecoder().decode(Parameters.self, from: Data(json)) else {
            throw invalid("The callback configuration is not base64-encoded JSON with callbackUrl and callbackBody.", header: "x-oss-callback")
        }
        let urls = parameters.callbackUrl.split(separator: ";").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        guard (1...5).contains(urls.count), urls.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else {
            throw invalid("callbackUrl must be 1 to 5 http or https URLs separated by ';'.", header: "x-oss-callback")
        }
        let bodyType = parameters.callbackBodyType ?? "application/x-www-form-urlencoded"
        guard bodyType == "application/x-www-form-urlencoded" || bodyType == "application/json" else {
            throw invalid("callbackBodyType must be application/x-www-form-urlencoded or application/json.", header: "x-oss-callback")
        }
        var variables: [String: String] = [:]
        if let varHeader = request.header("x-oss-callback-var") ?? request.queryValue("callback-var") {
            guard let varJSON = Base64.decodeURLSafe((varHeader.trimmingWhitespace()).utf8),
                  let decoded = try? JSONDecoder().decode([String: String].self, from: Data(varJSON)),
                  decoded.keys.allSatisfy({ $0.hasPrefix("x:") }) else {
                throw invalid("x-oss-callback-var must be base64-encoded JSON of \"x:NAME\": \"value\" pairs.", header: "x-oss-callback-var")
            }
            variables = decoded
        }
        return UploadCallback(urls: urls, body: parameters.callbackBody, bodyType: bodyType, host: parameters.callbackHost, variables: variables)
    }

    /// The host of an `http(s)://HOST[:PORT]/...` URL, without brackets.
    static func host(of url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        if hostPort.hasPrefix("[") { return hostPort.dropFirst().split(separator: "]").first.map(String.init) }
        return hostPort.split(separator: ":").first.map(String.init)
    }

    static func isLoopback(_ host: String) -> Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" { return true }
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The body with the variables put in.
    func renderedBody(_ values: [String: String]) -> String {
        var all = values
        for (name, value) in variables { all[name] = value }
        var out = ""
        var rest = Substring(body)
        while let start = rest.firstRange(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                out += rest[start.lowerBound...]
                rest = ""
                break
            }
            let name = String(rest[start.upperBound..<end])
            let value = all[name] ?? ""
            out += bodyType == "application/json" ? jsonEscape(value) : OSSPercentEncoding.encodeQueryComponent(value)
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    /// Sends the callback and returns the reply the client gets: the callback server's JSON with
    /// 200, or 203 CallbackFailed. `stored` is the upload's own reply, whose headers are kept.
    func answer(for service: LocalOSSService, bucket: String, record: ObjectRecord, request: ParsedRequest, response stored: ServiceResponse) async -> ServiceResponse {
        let values: [String: String] = [
            "bucket": bucket, "object": record.key, "etag": record.etag, "size": String(record.size), "mimeType": record.contentType,
            "crc64": record.crc64, "contentMd5": record.parts == nil ? Base64.encode(hexBytes(record.etag)) : "",
            "operation": record.parts == nil ? "PutObject" : "CompleteMultipartUpload", "clientIp": "127.0.0.1", "vpcId": "",
            "reqId": request.requestId,
        ]
        let payload = Array(renderedBody(values).utf8)
        var failure = "The callback was not sent."
        for url in urls {
            guard let host = Self.host(of: url), service.configuration.allowRemoteCallbacks || Self.isLoopback(host) else {
                failure = "This local OSS sends callbacks only to loopback addresses; \(Self.host(of: url) ?? url) is not one (see --allow-remote-callbacks)."
                continue
            }
            guard let sender = service.configuration.callbackSender else {
                failure = "This local OSS has no HTTP client configured for callbacks."
                break
            }
            var headers: [(name: String, value: String)] = [("Content-Type", bodyType), ("Content-Length", String(payload.count))]
            if let callbackHost = self.host { headers.append(("Host", callbackHost)) }
            do {
                let reply = try await sender.post(url: url, headers: headers, body: payload, timeout: .seconds(5))
                let bytes = reply.body
                guard reply.status == 200 else {
                    failure = "Error status : \(reply.status)."
                    continue
                }
                guard (try? JSONDecoder().decode(AnyJSON.self, from: Data(bytes))) != nil else {
                    failure = "Response body is not valid json format."
                    continue
                }
                var headersOut = stored.headers.filter { !["content-type", "content-length"].contains($0.name.lowercased()) }
                headersOut.append(("Content-Type", "application/json"))
                return ServiceResponse(status: 200, headers: headersOut, body: ByteChunks(bytes), contentLength: Int64(bytes.count))
            } catch {
                failure = "Error status : -1 (the callback server could not be reached: \(error))."
            }
        }
        let error = ServiceError(status: 203, code: "CallbackFailed", message: failure, ec: "0007-00000203")
        var reply = service.errorResponse(error, requestId: request.requestId, isHead: false)
        reply.headers += stored.headers.filter { ["etag", "x-oss-hash-crc64ecma", "content-md5"].contains($0.name.lowercased()) }
        return reply
    }
}

/// Any JSON value: decoding it checks that a callback server's reply is JSON, as OSS requires.
private enum AnyJSON: Decodable {
    case value

    init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            while !array.isAtEnd { _ = try array.decode(AnyJSON.self) }
        } else if let object = try? decoder.container(keyedBy: AnyKey.self) {
            for key in object.allKeys { _ = try object.decode(AnyJSON.self, forKey: key) }
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .value; return }
            if (try? single.decode(Bool.self)) != nil || (try? single.decode(Double.self)) != nil || (try? single.decode(String.self)) != nil {
                self = .value
                return
            }
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "not JSON")
        }
        self = .value
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
