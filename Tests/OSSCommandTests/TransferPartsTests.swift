import Testing

@testable import OSSCommand

/// The pure parts of the bulk commands: keys to paths, the transfer line, the debug line.
@Suite("Keys to paths, the transfer line, the debug line")
struct TransferPartsTests {
    @Test("a key maps to a path below the folder only when every segment is a plain name")
    func keysToPaths() throws {
        #expect(try ObjectPaths.relativePath(forKey: "p/a/b.jpg", prefix: "p/") == "a/b.jpg")
        #expect(try ObjectPaths.relativePath(forKey: "a..b/..c", prefix: "") == "a..b/..c")
        for (key, reason) in [("p/../x", "climb out"), ("p/a/../../x", "climb out"), ("p/..", "climb out"), ("p//x", "empty path segment"),
                              ("p/x/", "empty path segment"), ("p/./x", ". segment"), ("p/", "the prefix itself"),
                              ("/etc/passwd", "absolute"), ("q/x", "not under the prefix"), ("p/a\u{0}b", "NUL")] {
            let prefix = key.hasPrefix("/") ? "" : "p/"
            #expect(throws: ObjectPaths.UnsafeKey.self, "\(key)") { try ObjectPaths.relativePath(forKey: key, prefix: prefix) }
            do {
                _ = try ObjectPaths.relativePath(forKey: key, prefix: prefix)
            } catch {
                #expect(error.description.contains(reason), "\(key): \(error)")
            }
        }
        #expect(ObjectPaths.folderPrefix("photos") == "photos/")
        #expect(ObjectPaths.folderPrefix("photos/") == "photos/")
        #expect(ObjectPaths.folderPrefix("") == "")
    }

    @Test("the transfer line for ordinary, empty and nonsensical counts")
    func transferLine() {
        #expect(TransferProgress.line(1, 4, 512, 1024, width: 10) == "\r[#####     ]  50%  1/4 objects  512 B of 1.0 KiB\u{1B}[K")
        #expect(TransferProgress.line(0, 0, 0, 0, width: 4) == "\r[    ]   0%  0/0 objects  0 B of 0 B\u{1B}[K")
        // More bytes than listed (a processed object is larger than its source): held at 100%.
        #expect(TransferProgress.line(2, 2, .max, 10, width: 4).hasPrefix("\r[####] 100%"))
        #expect(TransferProgress.line(0, 3, -5, 10, width: 4).hasPrefix("\r[    ]   0%"))
        #expect(TransferProgress.byteCount(5 * 1024 * 1024 + 512 * 1024) == "5.5 MiB")
        #expect(Int64.max.addingClamped(1) == .max)
        #expect(Int64.min.addingClamped(-1) == .min)
    }

    @Test("the debug line leads with the request and masks anything shaped like a credential")
    func debugLine() {
        let line = DebugLogHandler.line(message: "OSS request succeeded", fields: [
            "http.method": "GET", "http.host": "b.oss-cn-hangzhou.aliyuncs.com", "http.path": "/k.jpg?x-oss-signature=abc&x=1",
            "http.status": "200", "duration_ms": "12", "oss.request_id": "RID", "oss.attempt": "1", "oss.operation": "GetObject",
        ])
        #expect(line == "oss debug: GET b.oss-cn-hangzhou.aliyuncs.com/k.jpg -> 200 in 12 ms, request id RID, attempt 1, oss.operation GetObject (OSS request succeeded)")
        #expect(DebugLogHandler.redacted("Authorization: OSS4-HMAC-SHA256 Credential=ak/x, Signature=0123abcd")
            == "Authorization:*** OSS4-HMAC-SHA256 Credential=ak/x, Signature=***")
        #expect(DebugLogHandler.redacted("a?x-oss-security-token=TOKEN&b=1") == "a?x-oss-security-token=***&b=1")
        #expect(DebugLogHandler.redacted("nothing here") == "nothing here")
    }
}
