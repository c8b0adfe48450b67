// swift-tools-version:6.0
// Swift twins of the OSS documentation's circle-crop samples (Python, Java, Go, PHP).
// Each executable takes credentials from the environment, as the docs do, and the region,
// endpoint, bucket, key and destination from flags or the environment.
import PackageDescription

let package = Package(
    name: "swift-oss-examples",
    // The same floor as the package (macOS 13, iOS 16): the examples use nothing newer.
    platforms: [.macOS(.v13), .iOS(.v16)],
    dependencies: [
        .package(name: "swift-oss", path: ".."),
    ],
    targets: [
        .target(name: "ExampleSupport", dependencies: [.product(name: "OSS", package: "swift-oss")]),
        .executableTarget(name: "GetObjectCircle", dependencies: ["ExampleSupport", .product(name: "OSS", package: "swift-oss")]),
        .executableTarget(name: "GetObjectCirclePNG", dependencies: ["ExampleSupport", .product(name: "OSS", package: "swift-oss")]),
        .executableTarget(name: "PresignCircle", dependencies: ["ExampleSupport", .product(name: "OSS", package: "swift-oss")]),
        .executableTarget(name: "SaveProcessedImage", dependencies: ["ExampleSupport", .product(name: "OSS", package: "swift-oss")]),
        .executableTarget(name: "VerifyCircle", dependencies: [
            "ExampleSupport", .product(name: "OSS", package: "swift-oss"), .product(name: "OSSImage", package: "swift-oss"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
