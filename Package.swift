// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-oss",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "OSS", targets: ["OSS"]),
        .library(name: "OSSURLSessionTransport", targets: ["OSSURLSessionTransport"]),
        .library(name: "OSSImage", targets: ["OSSImage"]),
        .library(name: "OSSOffline", targets: ["OSSOffline"]),
        .library(name: "OSSLocalService", targets: ["OSSLocalService"]),
        .library(name: "OSSLocalServer", targets: ["OSSLocalServer"]),
        .executable(name: "oss", targets: ["OSSCommand"]),
        .executable(name: "oss-benchmarks", targets: ["OSSBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
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
        .target(name: "OSSCrypto", dependencies: ["COpenSSL", "CLZMA"]),
        // liblzma, for its fast CRC-64/ECMA-182 (the checksum OSS returns as x-oss-hash-crc64ecma).
        .systemLibrary(
            name: "CLZMA",
            pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]
        ),
        // Pure V4/V1 request signing. Depends only on the crypto interface, so the local OSS can
        // verify signatures without depending on the client.
        .target(name: "OSSSigner", dependencies: ["OSSCrypto"]),
        // The transport abstraction: requests, streamed responses, transport errors. No dependencies.
        .target(name: "OSSHTTP"),
        // libcurl with typed shims for its variadic setopt calls.
        .target(name: "CCurlShim", linkerSettings: [.linkedLibrary("curl")]),
        // The default transport on Linux: libcurl's multi interface on a thread of its own.
        .target(name: "OSSCurlTransport", dependencies: ["OSSHTTP", "CCurlShim"]),
        // URLSession: the default on Apple platforms, selectable on Linux.
        .target(name: "OSSURLSessionTransport", dependencies: ["OSSHTTP"]),
        // The x-oss-process language for images: parse, validate, build. No codecs.
        .target(name: "OSSImageProcess"),
        // FreeType and HarfBuzz for watermark text, found with pkg-config (harfbuzz's flags name
        // FreeType's headers too). Only CImageCodecs's Text.c uses them.
        .systemLibrary(
            name: "CFreeType",
            pkgConfig: "harfbuzz",
            providers: [.apt(["libharfbuzz-dev", "libfreetype-dev"])]
        ),
        // libjpeg-turbo, libpng, libwebp and ISA-L (igzip) behind a small C layer (libjpeg's longjmp
        // stays in C); FreeType and HarfBuzz render watermark text.
        .target(name: "CImageCodecs", dependencies: ["CFreeType"], linkerSettings: [
            .linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("webp"), .linkedLibrary("isal"), .linkedLibrary("z"),
            .linkedLibrary("freetype"), .linkedLibrary("harfbuzz"),
        ]),
        // OSS image processing done locally: codecs, kernels with OSS semantics, verification.
        .target(name: "OSSImage", dependencies: ["OSSImageProcess", "CImageCodecs"]),
        // The client: credentials, configuration, endpoints, validation, operations.
        .target(name: "OSS", dependencies: [
            "OSSSigner", "OSSCrypto", "OSSHTTP", "OSSFileIO", "OSSImageProcess",
            .target(name: "OSSCurlTransport", condition: .when(platforms: [.linux, .android, .windows])),
            .target(name: "OSSURLSessionTransport", condition: .when(platforms: [.macOS, .iOS, .tvOS, .watchOS, .visionOS])),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // openat2(2) for Swift: syscall() is variadic and Glibc does not declare struct open_how.
        .target(name: "CFileIOShim"),
        // Blocking file I/O kept off Swift's cooperative pool, atomic temp-fsync-rename writes, and
        // directories whose files are opened without following symbolic links out of them.
        .target(name: "OSSFileIO", dependencies: ["CFileIOShim"]),
        // OSS semantics on a folder, transport-independent: request in, response out.
        .target(name: "OSSLocalService", dependencies: ["OSSSigner", "OSSCrypto", "OSSFileIO", "OSSHTTP", "OSSImageProcess"]),
        // The SwiftNIO HTTP/1.1 front door of the local OSS.
        .target(name: "OSSLocalServer", dependencies: [
            "OSSLocalService",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Offline mode: the local OSS and the image kernels in-process, behind the client's Transport.
        .target(name: "OSSOffline", dependencies: ["OSS", "OSSLocalService", "OSSImage", "OSSImageProcess", "OSSHTTP", "OSSFileIO"]),
        // The `oss` command-line tool.
        .executableTarget(name: "OSSCommand", dependencies: [
            "OSS", "OSSLocalServer", "OSSOffline", "OSSImage",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "OSSLocalServiceTests", dependencies: ["OSSLocalService", "OSSLocalServer", "OSS", "OSSURLSessionTransport", "OSSHTTP", "OSSCrypto", "OSSImage", "OSSOffline", "OSSFileIO",
                                                                      .product(name: "Logging", package: "swift-log")]),
        // Benchmarks that print figures (run by scripts/benchmark-*.sh, never as tests).
        .executableTarget(name: "OSSBenchmarks", dependencies: ["OSS", "OSSImage", "OSSImageProcess"]),
        // Runs the built `oss` binary; imports the command module for the parts tested directly (the progress bar).
        .testTarget(name: "OSSCommandTests", dependencies: ["OSSCommand"]),
        .testTarget(name: "OSSImageTests", dependencies: ["OSSImageProcess", "OSSImage"]),
        .testTarget(name: "OSSSignerTests", dependencies: ["OSSSigner", "OSSCrypto"]),
        .testTarget(name: "OSSTests", dependencies: ["OSS", "OSSHTTP"]),
    ],
    swiftLanguageModes: [.v6]
)
