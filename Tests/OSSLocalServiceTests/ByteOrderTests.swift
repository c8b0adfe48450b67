import Foundation
import OSSLocalService
import Testing

/// Keys are compared and sorted as UTF-8 bytes, as OSS does. Swift's `String` compares canonical
/// equivalence, under which NFC "café" (`caf\u{E9}`) and NFD "café" (`cafe\u{301}`) are equal,
/// so a service that compares strings lets one twin hide the other.
@Suite("Keys as bytes")
struct ByteOrderTests {
    static let nfc = "caf\u{E9}"
    static let nfd = "cafe\u{301}"

    func twins() async throws -> InProcessService {
        let service = try InProcessService()
        #expect(Self.nfc == Self.nfd, "the premise: Swift calls them equal")
        #expect(Array(Self.nfc.utf8) != Array(Self.nfd.utf8))
        for (key, body) in [(Self.nfc, "nfc"), (Self.nfd, "nfd"), (Self.nfc + "-dir/x", "nfc dir"), (Self.nfd + "-dir/x", "nfd dir"), ("cafe", "plain")] {
            #expect(try await service.put(key, Array(body.utf8)).status == 200)
        }
        return service
    }

    /// Byte order: "cafe" < "cafe\u{301}..." (0x65 0xCC) < "caf\u{E9}..." (0xC3 0xA9).
    static let expected = ["cafe", nfd, nfd + "-dir/x", nfc, nfc + "-dir/x"]

    @Test("twins are distinct objects")
    func distinctObjects() async throws {
        let service = try await twins()
        #expect(try await service.get(Self.nfc).text == "nfc")
        #expect(try await service.get(Self.nfd).text == "nfd")
        #expect(try await service.get(Self.nfc + "-dir/x").text == "nfc dir")
        #expect(try await service.get(Self.nfd + "-dir/x").text == "nfd dir")
    }

    @Test("listings sort by bytes and page without losing a twin", arguments: [1, 2, 1000])
    func paging(maxKeys: Int) async throws {
        let service = try await twins()
        let listed = try await service.listKeys(maxKeys: maxKeys)
        #expect(listed.map { Array($0.utf8) } == Self.expected.map { Array($0.utf8) })
    }

    @Test("marker, start-after and prefix compare bytes")
    func markers() async throws {
        let service = try await twins()
        // V1 marker: everything after the NFD twin, in bytes.
        let v1 = try await service.send("GET", "examplebucket", query: "marker=\(Self.nfd.percentEncoded)&encoding-type=url")
        #expect(v1.status == 200)
        #expect(decodedKeys(v1.text).map { Array($0.utf8) } == [Self.nfd + "-dir/x", Self.nfc, Self.nfc + "-dir/x"].map { Array($0.utf8) })
        let v2 = try await service.send("GET", "examplebucket", query: "list-type=2&start-after=\(Self.nfd.percentEncoded)&encoding-type=url")
        #expect(decodedKeys(v2.text).map { Array($0.utf8) } == [Self.nfd + "-dir/x", Self.nfc, Self.nfc + "-dir/x"].map { Array($0.utf8) })
        // A prefix matches its own bytes only.
        let nfcOnly = try await service.listKeys(prefix: Self.nfc)
        #expect(nfcOnly.map { Array($0.utf8) } == [Self.nfc, Self.nfc + "-dir/x"].map { Array($0.utf8) })
        let nfdOnly = try await service.listKeys(prefix: Self.nfd + "-")
        #expect(nfdOnly.map { Array($0.utf8) } == [Self.nfd + "-dir/x"].map { Array($0.utf8) })
    }

    @Test("delimiters roll up by bytes: each twin is its own common prefix")
    func delimiters() async throws {
        let service = try await twins()
        for maxKeys in [1, 1000] {
            var prefixes: [String] = []
            var keys: [String] = []
            var token: String?
            repeat {
                var query = "list-type=2&delimiter=%2F&encoding-type=url&max-keys=\(maxKeys)"
                if let token { query += "&continuation-token=" + token.percentEncoded }
                let reply = try await service.send("GET", "examplebucket", query: query)
                prefixes += InProcessService.elements("Prefix", in: reply.text).filter { !$0.isEmpty }.map { $0.removingPercentEncoding ?? $0 }
                keys += decodedKeys(reply.text)
                token = InProcessService.elements("NextContinuationToken", in: reply.text).first
            } while token != nil
            #expect(keys.map { Array($0.utf8) } == ["cafe", Self.nfd, Self.nfc].map { Array($0.utf8) }, "max-keys \(maxKeys)")
            #expect(prefixes.map { Array($0.utf8) } == [Self.nfd + "-dir/", Self.nfc + "-dir/"].map { Array($0.utf8) }, "max-keys \(maxKeys)")
        }
    }

    func decodedKeys(_ xml: String) -> [String] {
        InProcessService.elements("Key", in: xml).map { $0.removingPercentEncoding ?? $0 }
    }
}

extension String {
    var percentEncoded: String { addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self }
}
