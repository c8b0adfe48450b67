// OpenSSL's libcrypto: the default off Apple platforms (the SystemCrypto trait).
#if !canImport(CryptoKit) && !SwiftCrypto
#if SystemCrypto
internal import COpenSSL

enum CryptoBackend {
    static let name = "OpenSSL"

    static func hmac(_ hash: HMACHash, key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        let length = key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                out.withUnsafeMutableBufferPointer { o in
                    swift_oss_hmac(hash == .sha1 ? 1 : 256, k.baseAddress, k.count, d.baseAddress, d.count, o.baseAddress)
                }
            }
        }
        precondition(length > 0, "OpenSSL HMAC failed")
        return Array(out.prefix(Int(length)))
    }

    /// A running digest over an OpenSSL context that it owns.
    struct Digest: ~Copyable {
        private let context: OpaquePointer

        init(_ algorithm: StreamingDigest.Algorithm) {
            guard let ctx = swift_oss_digest_new(algorithm == .md5 ? 5 : 256) else {
                fatalError("OpenSSL could not create a digest context")
            }
            context = ctx
        }

        mutating func update(_ buffer: UnsafeRawBufferPointer) {
            precondition(swift_oss_digest_update(context, buffer.baseAddress, buffer.count) == 1, "OpenSSL digest update failed")
        }

        consuming func finalize() -> [UInt8] {
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
}
#else
#error("OSSCrypto needs a crypto backend off Apple platforms: the SystemCrypto trait (default, OpenSSL) or SwiftCrypto")
#endif
#endif
