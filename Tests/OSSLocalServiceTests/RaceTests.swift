import Foundation
import OSS
import OSSCrypto
import OSSLocking
import Testing

/// GETs racing PUTs of the same key see the old object or the new one, whole: its bytes, its
/// length, its ETag and its metadata all from one version.
@Suite("GET racing PUT")
struct RaceTests {
    /// Sizes across several of the 256 KiB chunks a GET streams in, and one tiny.
    static let versions: [(byte: UInt8, size: Int, type: String)] = [(0xAA, 600 << 10, "application/x-a"), (0xBB, 300 << 10, "application/x-b"), (0xCC, 100, "application/x-c")]
    static let bodies: [UInt8: [UInt8]] = Dictionary(uniqueKeysWithValues: versions.map { ($0.byte, [UInt8](repeating: $0.byte, count: $0.size)) })

    @Test("readers never see a mix of two versions", arguments: TransportKind.allCases)
    func getRacingPut(transport: TransportKind) async throws {
        let fixture = try await LocalOSSFixture()
        let bucket = fixture.client(transport: transport.transport, retry: .none).bucket("examplebucket")
        let first = Self.versions[0]
        try await bucket.putObject("race.bin", data: Self.bodies[first.byte]!,
                                   options: PutObjectOptions(contentType: first.type, metadata: ["byte": String(first.byte)]))
        let reads = Counter(0)
        let seen = Seen()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 0..<60 {
                    let version = Self.versions[round % Self.versions.count]
                    try await bucket.putObject("race.bin", data: Self.bodies[version.byte]!,
                                               options: PutObjectOptions(contentType: version.type, metadata: ["byte": String(version.byte)]))
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<40 {
                        // The client checks the CRC-64 of the whole body against the header.
                        let (info, data) = try await bucket.getObjectData("race.bin")
                        let byte = try #require(data.first)
                        let version = try #require(Self.versions.first { $0.byte == byte }, "unknown first byte \(byte)")
                        #expect(data == Self.bodies[byte], "a body of \(data.count) bytes starting with \(byte), not exactly version \(version.type)")
                        #expect(info.contentType == version.type, "metadata of another version")
                        #expect(info.metadata["byte"] == String(byte))
                        #expect(info.etag == Crypto.md5(data).hexString.uppercased())
                        reads.add(1)
                        seen.insert(byte)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(reads.value == 160)
        // The race was real: the readers saw more than one version.
        #expect(seen.count > 1)
    }
}

/// The versions readers saw.
final class Seen: Sendable {
    private let bytes = LockedValue<Set<UInt8>>([])
    func insert(_ byte: UInt8) { _ = bytes.withLock { $0.insert(byte) } }
    var count: Int { bytes.withLock { $0.count } }
}
