// CryptoKit on Apple platforms; swift-crypto's `Crypto` (the same API) with the SwiftCrypto trait.
// One source for both, so the Linux SwiftCrypto build compiles and tests what Apple builds run.
#if canImport(CryptoKit)
internal import CryptoKit
#elseif SwiftCrypto
internal import Crypto
#endif

#if canImport(CryptoKit) || SwiftCrypto
enum CryptoBackend {
    #if canImport(CryptoKit)
    static let name = "CryptoKit"
    #else
    static let name = "swift-crypto"
    #endif

    static func hmac(_ hash: HMACHash, key: [UInt8], data: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch hash {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        }
    }

    /// A running MD5 (`Insecure`: OSS uses it for Content-MD5 and ETags, not for security) or SHA-256.
    struct Digest {
        private enum Hasher {
            case md5(Insecure.MD5)
            case sha256(SHA256)
        }

        private var hasher: Hasher

        init(_ algorithm: StreamingDigest.Algorithm) {
            switch algorithm {
            case .md5: hasher = .md5(Insecure.MD5())
            case .sha256: hasher = .sha256(SHA256())
            }
        }

        mutating func update(_ buffer: UnsafeRawBufferPointer) {
            guard !buffer.isEmpty else { return }
            switch hasher {
            case var .md5(md5):
                md5.update(bufferPointer: buffer)
                hasher = .md5(md5)
            case var .sha256(sha256):
                sha256.update(bufferPointer: buffer)
                hasher = .sha256(sha256)
            }
        }

        func finalize() -> [UInt8] {
            switch hasher {
            case let .md5(md5): Array(md5.finalize())
            case let .sha256(sha256): Array(sha256.finalize())
            }
        }
    }
}
#endif
