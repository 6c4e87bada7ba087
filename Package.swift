// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "pubsub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pubsub", targets: ["pubsub"]),
        .library(name: "PubSubCore", targets: ["PubSubCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // Pure protocol logic: connection strings, HS256 tokens, roles, URLs, messages. No networking.
        .target(
            name: "PubSubCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        .executableTarget(
            name: "pubsub",
            dependencies: [
                "PubSubCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PubSubCoreTests",
            dependencies: ["PubSubCore"]
        ),
        .testTarget(
            name: "PubSubCLITests",
            dependencies: ["PubSubCore"]
        ),
    ]
)
