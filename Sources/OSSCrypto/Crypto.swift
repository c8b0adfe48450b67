import COpenSSL

/// The package's whole view of cryptography: two HMACs and two digests.
///
/// Everything that signs or checks a request goes through here, so that the OpenSSL backend can be
/// swapped for CommonCrypto on Apple platforms without touching the signer or the client.
package enum Crypto {
    /// HMAC-SHA256, the primitive of OSS V4 signing and key derivation.
    package static func hmacSHA256(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        hmac(which: 256, key: key, data: data)
    }

    /// HMAC-SHA1, the primitive of OSS V1 signing.
    package static func hmacSHA1(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        hmac(which: 1, key: key, data: data)
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

    private static func hmac(which: Int32, key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        let keyBytes = Array(key)
        let dataBytes = Array(data)
        var out = [UInt8](repeating: 0, count: 64)
        let length = keyBytes.withUnsafeBytes { k in
            dataBytes.withUnsafeBytes { d in
                out.withUnsafeMutableBufferPointer { o in
                    swift_oss_hmac(which, k.baseAddress, k.count, d.baseAddress, d.count, o.baseAddress)
                }
            }
        }
        precondition(length > 0, "OpenSSL HMAC failed")
        return Array(out.prefix(Int(length)))
    }
}

/// An incremental MD5 or SHA-256, for bodies that are streamed rather than held in memory.
///
/// A value type over an OpenSSL context that it owns; it is consumed by `finalize()`.
package struct StreamingDigest: ~Copyable {
    /// The digests the OSS protocol needs.
    package enum Algorithm: Sendable {
        case md5
        case sha256
    }

    private let context: OpaquePointer

    package init(_ algorithm: Algorithm) {
        guard let ctx = swift_oss_digest_new(algorithm == .md5 ? 5 : 256) else {
            fatalError("OpenSSL could not create a digest context")
        }
        context = ctx
    }

    package mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            swift_oss_digest_update(context, buffer.baseAddress, buffer.count) == 1
        }
        if let done {
            precondition(done, "OpenSSL digest update failed")
        } else {
            let copy = Array(bytes)
            copy.withUnsafeBytes { buffer in
                precondition(swift_oss_digest_update(context, buffer.baseAddress, buffer.count) == 1)
            }
        }
    }

    package mutating func update(_ buffer: UnsafeRawBufferPointer) {
        precondition(swift_oss_digest_update(context, buffer.baseAddress, buffer.count) == 1)
    }

    package consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        let length = out.withUnsafeMutableBufferPointer { swift_oss_digest_final_free(context, $0.baseAddress) }
        discard self
        precondition(length > 0, "OpenSSL digest final failed")
        return Array(out.prefix(Int(length)))
    }

    deinit {
        swift_oss_digest_free(context)
    }
}

extension Collection<UInt8> {
    /// Lowercase hex, as V4 writes hashes and signatures.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
