// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-oss",
    products: [
        .library(name: "OSS", targets: ["OSS"]),
    ],
    targets: [
        // OpenSSL libcrypto, found with pkg-config. Only HMAC and digests are used.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // The tiny crypto interface (HMAC-SHA256, HMAC-SHA1, SHA-256, MD5) the rest of the package
        // sees, so that a CommonCrypto path can replace OpenSSL on Apple platforms.
        .target(name: "OSSCrypto", dependencies: ["COpenSSL"]),
        // Pure V4/V1 request signing. Depends only on the crypto interface, so the local OSS can
        // verify signatures without depending on the client.
        .target(name: "OSSSigner", dependencies: ["OSSCrypto"]),
        // The client: credentials, configuration, endpoints, validation.
        .target(name: "OSS", dependencies: ["OSSSigner", "OSSCrypto"]),
        .testTarget(name: "OSSSignerTests", dependencies: ["OSSSigner", "OSSCrypto"]),
        .testTarget(name: "OSSTests", dependencies: ["OSS"]),
    ],
    swiftLanguageModes: [.v6]
)
