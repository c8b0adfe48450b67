// swift-tools-version:6.1
// 6.1 for package traits (SwiftCrypto).
import PackageDescription

/// Apple's platforms: the client uses CryptoKit, a pure-Swift CRC-64 and URLSession, and its
/// closure holds no C target and links no C library (ManifestTests proves it).
let applePlatforms: [Platform] = [.macOS, .macCatalyst, .iOS, .tvOS, .watchOS, .visionOS]
/// Everywhere else: OpenSSL's libcrypto (or swift-crypto), liblzma's CRC-64 and libcurl.
let otherPlatforms: [Platform] = [.linux, .android, .windows]

let package = Package(
    name: "swift-oss",
    // As low as the code allows: `Duration`, `ContinuousClock` and `Task.sleep(for:)`, which the
    // public API uses for timeouts and limits, need macOS 13, iOS 16, tvOS 16 and watchOS 9.
    // Nothing uses `Synchronization` (macOS 15): every module locks with `OSSLocking.LockedValue`.
    // One API above these targets is fenced with `@available`: `LocalOSSServer.run()` needs a
    // discarding task group (macOS 14), so `oss serve` needs macOS 14 on a Mac.
    platforms: [.macOS(.v13), .iOS(.v16), .tvOS(.v16), .watchOS(.v9), .visionOS(.v1)],
    products: [
        .library(name: "OSS", targets: ["OSS"]),
        .library(name: "OSSURLSessionTransport", targets: ["OSSURLSessionTransport"]),
        .library(name: "OSSImage", targets: ["OSSImage"]),
        .library(name: "OSSOffline", targets: ["OSSOffline"]),
        .library(name: "OSSLocalService", targets: ["OSSLocalService"]),
        .library(name: "OSSLocalServer", targets: ["OSSLocalServer"]),
        .library(name: "OSSTestSupport", targets: ["OSSTestSupport"]),
        .executable(name: "oss", targets: ["OSSCommand"]),
    ],
    traits: [
        .default(enabledTraits: ["SystemCrypto", "LocalServerTLS"]),
        .trait(
            name: "SystemCrypto",
            description: "Off Apple platforms: HMAC and digests from the system's OpenSSL libcrypto, CRC-64 from liblzma. The default; Apple platforms always use CryptoKit."),
        .trait(
            name: "SwiftCrypto",
            description: "Off Apple platforms: HMAC and digests from swift-crypto (its own BoringSSL, no system libcrypto) and CRC-64 in pure Swift, the code path of Apple platforms. Enable it without the defaults: `--traits SwiftCrypto`, or `traits: [\"SwiftCrypto\"]`."),
        .trait(
            name: "LocalServerTLS",
            description: "HTTPS for the local OSS (`oss serve --tls-cert`, `LocalOSSServer.bind(tls:)`), from swift-nio-ssl. On by default. Without it swift-nio-ssl and its BoringSSL are not built and `ServerTLS` refuses every certificate; the client never needs it."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // TLS for `oss serve --tls-cert/--tls-key`: the local OSS only, never the client, and only
        // with the LocalServerTLS trait (a default).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Only with the SwiftCrypto trait, and only off Apple platforms (its Crypto module has
        // CryptoKit's API). 3.12.3 is the oldest release tested; 4.x has the same API.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // `swift package generate-documentation` (scripts/docs.sh builds the public products' DocC
        // documentation with warnings as errors); a plugin, so nothing of it is linked into a product.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // The package's one lock (`LockedValue`, on pthreads). No dependencies; every module may use it.
        .target(name: "OSSLocking"),
        // The bottom of the client: the request and header model, the one base64, percent-encoding,
        // signing times, the bucket and key naming rules, the MIME table. Depends on nothing and links
        // nothing (ManifestTests proves it), so every module, on every platform, can share it.
        .target(name: "OSSCore"),
        // OpenSSL libcrypto's headers. Only HMAC and digests are used, and the library is loaded
        // on first use (shim.h says why), so no pkg-config: it would link it. Not on Apple platforms.
        .systemLibrary(
            name: "COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        // The tiny crypto interface (HMAC-SHA256, HMAC-SHA1, SHA-256, MD5, CRC-64) the rest of the
        // package sees. CryptoKit and pure-Swift CRC-64 on Apple platforms and with SwiftCrypto;
        // OpenSSL and liblzma otherwise.
        .target(name: "OSSCrypto", dependencies: [
            .target(name: "COpenSSL", condition: .when(platforms: otherPlatforms, traits: ["SystemCrypto"])),
            .target(name: "CLZMA", condition: .when(platforms: otherPlatforms, traits: ["SystemCrypto"])),
            .product(name: "Crypto", package: "swift-crypto", condition: .when(platforms: otherPlatforms, traits: ["SwiftCrypto"])),
        ]),
        // liblzma, for its fast CRC-64/ECMA-182 (the checksum OSS returns as x-oss-hash-crc64ecma). Not on Apple platforms.
        .systemLibrary(
            name: "CLZMA",
            pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]
        ),
        // zlib, for the gzip transfer encoding the local OSS applies where OSS does (GetObject with
        // Accept-Encoding: gzip on text, JSON and script objects).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Pure V4/V1 request signing. Depends only on the crypto interface, so the local OSS can
        // verify signatures without depending on the client.
        .target(name: "OSSSigner", dependencies: ["OSSCore", "OSSCrypto"]),
        // The transport contract: requests, streamed responses, transport errors. Only the core below it.
        .target(name: "OSSHTTP", dependencies: ["OSSCore"]),
        // libcurl with typed shims for its variadic setopt calls. Not linked: loaded with dlopen on
        // the first transfer, so that oss image and oss serve never load libcurl's TLS stack.
        .target(name: "CCurlShim"),
        // The default transport on Linux: libcurl's multi interface on a thread of its own.
        .target(name: "OSSCurlTransport", dependencies: ["OSSHTTP", "CCurlShim", "OSSLocking"]),
        // URLSession: the default on Apple platforms, selectable on Linux.
        .target(name: "OSSURLSessionTransport", dependencies: ["OSSHTTP", "OSSLocking"]),
        // The x-oss-process language for images: parse, validate, build. No codecs.
        .target(name: "OSSImageProcess", dependencies: ["OSSCore"]),
        // FreeType and HarfBuzz for watermark text: FreeType found with pkg-config, HarfBuzz's
        // headers as <harfbuzz/...> (its library is loaded when text is drawn). Only CImageCodecs's
        // Text.c uses them.
        .systemLibrary(
            name: "CFreeType",
            pkgConfig: "freetype2",
            providers: [.apt(["libharfbuzz-dev", "libfreetype-dev"])]
        ),
        // libjpeg-turbo, libpng, libwebp and ISA-L (igzip) behind a small C layer (libjpeg's longjmp
        // stays in C); giflib, libtiff, libheif (x265 for HEVC) and libavif (aom for AV1); FreeType
        // and HarfBuzz render watermark text. libheif, libavif, libtiff, libwebp, ISA-L and HarfBuzz
        // are not linked: they and the forty-odd libraries they bring are loaded with dlopen when a
        // HEIC, AVIF, TIFF or WebP is met, a PNG is encoded or text is drawn (lazy_library.h), so
        // that no command pays for them at start-up.
        .target(name: "CImageCodecs", dependencies: ["CFreeType"], linkerSettings: [
            .linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z"), .linkedLibrary("gif"),
        ]),
        // OSS image processing done locally: codecs, kernels with OSS semantics, verification.
        .target(name: "OSSImage", dependencies: ["OSSImageProcess", "CImageCodecs", "OSSLocking"]),
        // The client: credentials, configuration, endpoints, validation, operations.
        .target(name: "OSS", dependencies: [
            "OSSCore", "OSSSigner", "OSSCrypto", "OSSHTTP", "OSSFileIO", "OSSImageProcess", "OSSLocking",
            .target(name: "OSSCurlTransport", condition: .when(platforms: otherPlatforms)),
            .target(name: "OSSURLSessionTransport", condition: .when(platforms: applePlatforms)),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Blocking file I/O kept off Swift's cooperative pool, and atomic temp-fsync-rename writes.
        .target(name: "OSSFileIO"),
        // openat2(2) for Swift: syscall() is variadic and Glibc does not declare struct open_how.
        .target(name: "CFileIOShim"),
        // Directories whose files are opened without following symbolic links out of them: the
        // local OSS's storage. Apart from OSSFileIO so that the client's closure holds no C.
        .target(name: "OSSConfinedFiles", dependencies: ["OSSFileIO", "CFileIOShim"]),
        // OSS semantics on a folder, transport-independent: request in, response out.
        .target(name: "OSSLocalService", dependencies: ["OSSCore", "OSSSigner", "OSSCrypto", "OSSFileIO", "OSSConfinedFiles", "OSSLocking", "CZlib"]),
        // The SwiftNIO HTTP/1.1 front door of the local OSS.
        .target(name: "OSSLocalServer", dependencies: [
            "OSSLocalService", "OSSLocking",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl", condition: .when(traits: ["LocalServerTLS"])),
        ]),
        // Offline mode: the local OSS and the image kernels in-process, behind the client's Transport.
        .target(name: "OSSOffline", dependencies: ["OSS", "OSSLocalService", "OSSImage", "OSSImageProcess", "OSSHTTP", "OSSFileIO", "OSSLocking"]),
        // The `oss` command-line tool.
        .executableTarget(name: "OSSCommand", dependencies: [
            "OSS", "OSSLocalServer", "OSSOffline", "OSSImage", "OSSConfinedFiles", "OSSLocking", "OSSCrypto",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // `--debug` hands the client a swift-log Logger of its own.
            .product(name: "Logging", package: "swift-log"),
        ]),
        // For users' tests: a local OSS in-process on a temporary folder, with a client bound to it.
        // A product apart, so the client never links NIO.
        .target(name: "OSSTestSupport", dependencies: ["OSS", "OSSHTTP", "OSSLocalService", "OSSLocalServer"]),
        .testTarget(name: "OSSLocalServiceTests", dependencies: ["OSSTestSupport", "OSSLocalService", "OSSLocalServer", "OSS", "OSSURLSessionTransport", "OSSHTTP", "OSSCrypto", "OSSImage", "OSSOffline", "OSSFileIO", "OSSConfinedFiles", "OSSLocking",
                                                                      .product(name: "Logging", package: "swift-log")]),
        // Benchmarks that print figures (run by scripts/benchmark-*.sh, never as tests). No product: nothing
        // here ships; SwiftPM still builds a root package's executable target by name (`--product OSSBenchmarks`).
        .executableTarget(name: "OSSBenchmarks", dependencies: [
            "OSS", "OSSImage", "OSSImageProcess", "OSSCrypto",
            // liblzma directly, to print its CRC-64 throughput beside the pure-Swift one.
            .target(name: "CLZMA", condition: .when(platforms: otherPlatforms)),
        ]),
        // Runs the built `oss` binary; imports the command module for the parts tested directly (the progress bar).
        .testTarget(name: "OSSCommandTests", dependencies: ["OSSCommand"]),
        .testTarget(name: "OSSImageTests", dependencies: ["OSSImageProcess", "OSSImage", "OSSLocking"]),
        .testTarget(name: "OSSCoreTests", dependencies: ["OSSCore"]),
        .testTarget(name: "OSSSignerTests", dependencies: [
            "OSSCore", "OSSSigner", "OSSCrypto",
            // liblzma directly, as the reference the pure-Swift CRC-64 is checked against.
            .target(name: "CLZMA", condition: .when(platforms: otherPlatforms)),
        ]),
        .testTarget(name: "OSSTests", dependencies: ["OSS", "OSSCore", "OSSHTTP", "OSSLocking", "OSSURLSessionTransport",
                                                 .target(name: "OSSCurlTransport", condition: .when(platforms: otherPlatforms))], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (Fuzz/README.md): one executable, `OSSFuzz`, holds every target, so each build links
// one fuzz binary. Its ordinary build replays a seed corpus (`OSSFuzz xml`, `OSSFuzz all`) through
// the same function libFuzzer drives in a `scripts/fuzz.sh` build (-sanitize=fuzzer with
// AddressSanitizer, -DOSS_FUZZ, scratch path .build-fuzz; `OSS_FUZZ_TARGET` picks the target).
// No product: nothing here ships.
package.targets.append(.target(name: "FuzzHarness", dependencies: [
    "OSS", "OSSCore", "OSSCrypto", "OSSHTTP", "OSSImage", "OSSImageProcess", "OSSLocalService", "OSSLocking", "OSSOffline", "OSSSigner",
], path: "Fuzz/Harness"))
package.targets.append(.executableTarget(name: "OSSFuzz", dependencies: ["FuzzHarness"], path: "Fuzz/Entry"))
