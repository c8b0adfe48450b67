import OSSCore
import OSSCrypto
import OSSImageProcess
import OSSLocalService
import OSSSigner

extension ServiceFuzzing {
    /// Requests for every route, unsigned and signed (V4 and V1, by header and presigned) with the
    /// target's fixed key and clock. Each signed seed is checked to be accepted before it is written.
    package static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        let photo = "/\(publicBucket)/photo.jpg"
        func get(_ target: String, _ headers: [(String, String)] = []) -> RawHTTPRequest {
            RawHTTPRequest(method: "GET", target: target, headers: [("Host", host)] + headers)
        }
        let saveAs = "x-oss-process=image/resize,w_8|sys/saveas,o_\(Base64URL.encode(Array("out/small.jpg".utf8))),b_\(Base64URL.encode(Array(targetBucket.utf8)))"
        let note = Array("a note\n".utf8)
        let unsigned: [(String, RawHTTPRequest)] = [
            ("get", get(photo)),
            ("head", RawHTTPRequest(method: "HEAD", target: photo, headers: [("Host", host)])),
            ("range", get(photo, [("Range", "bytes=0-9")])),
            ("range-suffix-standard", get(photo, [("Range", "bytes=-5"), ("x-oss-range-behavior", "standard")])),
            ("range-unsatisfiable", get(photo, [("Range", "bytes=5000-"), ("x-oss-range-behavior", "standard")])),
            ("conditions", get(photo, [("If-None-Match", "*"), ("If-Modified-Since", "Mon, 15 Jan 2024 08:00:00 GMT")])),
            ("if-match", get(photo, [("If-Match", "\"0123\""), ("If-Unmodified-Since", "Sun, 14 Jan 2024 08:00:00 GMT")])),
            ("process-info", get(photo + "?x-oss-process=image/info")),
            ("process-overrides", get(photo + "?x-oss-process=image%2Fresize%2Cw_8%2Fformat%2Cpng&response-content-type=text%2Fplain&response-cache-control=no-cache")),
            ("process-auto-orient", get(photo + "?x-oss-process=image/auto-orient,1/crop,w_10,h_10,g_center/circle,r_4")),
            ("list-v2", get("/\(publicBucket)?list-type=2&prefix=notes%2F&delimiter=%2F&encoding-type=url&max-keys=2")),
            ("list-v2-token", get("/\(publicBucket)?list-type=2&continuation-token=\(Base64URL.encode(Array("K:notes/".utf8)))&start-after=a")),
            ("list-v1", get("/\(publicBucket)?marker=folder%2F&max-keys=1000")),
            ("list-buckets", get("/")),
            ("virtual-host", RawHTTPRequest(method: "GET", target: "/photo.jpg", headers: [("Host", "\(publicBucket).localhost:9000")])),
            ("put", RawHTTPRequest(method: "PUT", target: "/\(publicBucket)/new%2Fkey.txt",
                                   headers: [("Host", host), ("Content-Length", "\(note.count)"), ("Content-Type", "text/plain"),
                                             ("Content-MD5", Base64.encode(Crypto.md5(note))), ("x-oss-meta-a", "b"), ("Cache-Control", "no-cache")],
                                   body: note)),
            ("put-expect", RawHTTPRequest(method: "PUT", target: "/\(publicBucket)/e.txt",
                                          headers: [("Host", host), ("Expect", "100-continue"), ("Content-Length", "\(note.count)")], body: note)),
            ("put-folder", RawHTTPRequest(method: "PUT", target: "/\(publicBucket)/new-folder/", headers: [("Host", host), ("Content-Length", "0")])),
            ("put-bucket", RawHTTPRequest(method: "PUT", target: "/new-bucket", headers: [("Host", host)])),
            ("delete", RawHTTPRequest(method: "DELETE", target: "/\(publicBucket)/notes/a%20b.txt", headers: [("Host", host)])),
            ("delete-bucket", RawHTTPRequest(method: "DELETE", target: "/\(targetBucket)", headers: [("Host", host)])),
            ("save-as", RawHTTPRequest(method: "POST", target: photo + "?x-oss-process", headers: [("Host", host)], body: Array(saveAs.utf8))),
            ("copy", RawHTTPRequest(method: "PUT", target: "/\(publicBucket)/copy.jpg", headers: [("Host", host), ("x-oss-copy-source", photo)])),
        ]

        let key = Credentials(accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret)
        let v4 = SignerV4(region: region, clock: { ServiceFuzzing.time })
        let v1 = SignerV1(clock: { ServiceFuzzing.time })
        func wire(_ signed: SignedRequest, body: [UInt8] = []) -> RawHTTPRequest {
            let query = signed.encodedQuery.queryString
            return RawHTTPRequest(method: signed.request.method, target: signed.request.canonicalURI + (query.isEmpty ? "" : "?" + query),
                                  headers: signed.request.headers.map { ($0.name, $0.value) }, body: body)
        }
        let privateGet = SignableRequest(method: "GET", bucket: privateBucket, key: "photo.jpg", headers: [HTTPHeaderField("Host", host)])
        let privateProcess = SignableRequest(method: "GET", bucket: privateBucket, key: "photo.jpg", query: [QueryItem("x-oss-process", "image/rotate,90")],
                                             headers: [HTTPHeaderField("Host", host)])
        let privatePut = SignableRequest(method: "PUT", bucket: privateBucket, key: "dir/uploaded.txt",
                                         headers: [HTTPHeaderField("Host", host), HTTPHeaderField("Content-Type", "text/plain"),
                                                   HTTPHeaderField("Content-Length", "\(note.count)")])
        let privateSaveAs = SignableRequest(method: "POST", bucket: privateBucket, key: "photo.jpg", query: [QueryItem("x-oss-process")],
                                            headers: [HTTPHeaderField("Host", host)])
        let privateList = SignableRequest(method: "GET", bucket: privateBucket, query: [QueryItem("list-type", "2"), QueryItem("prefix", "p")],
                                          headers: [HTTPHeaderField("Host", host)])
        let signed: [(String, RawHTTPRequest)] = [
            ("v4-get", wire(try v4.signHeaders(privateGet, credentials: key, at: time))),
            ("v4-process", wire(try v4.signHeaders(privateProcess, credentials: key, additionalHeaders: ["host"], at: time))),
            ("v4-put", wire(try v4.signHeaders(privatePut, credentials: key, at: time), body: note)),
            ("v4-save-as", wire(try v4.signHeaders(privateSaveAs, credentials: key, at: time),
                                body: Array("x-oss-process=image/circle,r_5|sys/saveas,o_\(Base64URL.encode(Array("c.jpg".utf8)))".utf8))),
            ("v4-list", wire(try v4.signHeaders(privateList, credentials: key, at: time))),
            ("v4-presign", wire(try v4.presign(privateProcess, credentials: key, expiresIn: 3600, at: time))),
            ("v1-get", wire(v1.signHeaders(privateGet, credentials: key, at: time))),
            ("v1-put", wire(v1.signHeaders(privatePut, credentials: key, at: time), body: note)),
            ("v1-presign", wire(try v1.presign(privateProcess, credentials: key, expiresIn: 3600, at: time))),
        ]
        // A seed that fails authentication would teach the fuzzer nothing about the signed paths.
        for (name, request) in signed {
            world = nil
            let status = runBlocking { await currentWorld().authenticated.handle(request.serviceRequest()).status }
            guard (200..<300).contains(status) else { throw FuzzSetupError(message: "signed seed \(name) answered \(status)") }
        }
        world = nil
        return (unsigned + signed).map { ("seed-\($0.0).http", $0.1.serialized) }
    }
}
