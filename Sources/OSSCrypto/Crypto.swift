/// The package's whole view of cryptography: two HMACs and two digests.
///
/// Everything that signs or checks a request goes through here, so the backend can differ by
/// platform without touching the signer or the client: CryptoKit on Apple platforms, swift-crypto
/// (the same API) with the `SwiftCrypto` trait, OpenSSL's libcrypto otherwise. The backends live
/// in `CryptoBackend+*.swift`; exactly one of them is compiled.
package enum Crypto {
    /// HMAC-SHA256, the primitive of OSS V4 signing and key derivation.
    package static func hmacSHA256(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        CryptoBackend.hmac(.sha256, key: Array(key), data: Array(data))
    }

    /// HMAC-SHA1, the primitive of OSS V1 signing.
    package static func hmacSHA1(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        CryptoBackend.hmac(.sha1, key: Array(key), data: Array(data))
    }

    /// SHA-256 of a whole buffer; V4 hashes the canonical request with it.
    package static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        var hasher = StreamingDigest(.sha256)
        hasher.update(data)
        return hasher.finalize()
    }

    /// MD5 of a whole buffer, for `Content-MD5`.
    package static func md5(_ data: some Collection<UInt8>) -> [UInt8] {
        var hasher = StreamingDigest(.md5)
        hasher.update(data)
        return hasher.finalize()
    }

    /// The backend this build uses, for test and benchmark output.
    package static var backendName: String { CryptoBackend.name }
}

/// The hash functions an HMAC is built on here.
enum HMACHash {
    case sha1
    case sha256
}

/// An incremental MD5 or SHA-256, for bodies that are streamed rather than held in memory.
///
/// Consumed by `finalize()`, so a finished digest cannot be fed again.
package struct StreamingDigest: ~Copyable {
    /// The digests the OSS protocol needs.
    package enum Algorithm: Sendable {
        case md5
        case sha256
    }

    private var state: CryptoBackend.Digest

    package init(_ algorithm: Algorithm) {
        state = CryptoBackend.Digest(algorithm)
    }

    package mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { state.update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { state.update($0) }
        }
    }

    package mutating func update(_ buffer: UnsafeRawBufferPointer) {
        state.update(buffer)
    }

    package consuming func finalize() -> [UInt8] {
        state.finalize()
    }
}

extension Collection<UInt8> {
    /// Lowercase hex, as V4 writes hashes and signatures.
    package var hexString: String {
        // Written straight into the string's storage: a signature makes two of these per request.
        String(unsafeUninitializedCapacity: count * 2) { buffer in
            var index = 0
            for byte in self {
                let high = byte >> 4, low = byte & 0x0F
                buffer[index] = high < 10 ? 0x30 + high : 0x57 + high
                buffer[index + 1] = low < 10 ? 0x30 + low : 0x57 + low
                index += 2
            }
            return index
        }
    }
}
