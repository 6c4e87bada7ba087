// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "pubsub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pubsub", targets: ["pubsub"]),
        .library(name: "PubSubCore", targets: ["PubSubCore"]),
        .library(name: "PubSubService", targets: ["PubSubService"]),
        .library(name: "PubSubClient", targets: ["PubSubClient"]),
        .library(name: "PubSubGateway", targets: ["PubSubGateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Pure protocol logic: connection strings, HS256 tokens, roles, URLs, messages, filters, and the
        // decisions on a request (admission, authorisation, REST parameters, refusals). No networking.
        .target(
            name: "PubSubCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The local Web PubSub-compatible service on Hummingbird. Depends on Core only.
        .target(
            name: "PubSubService",
            dependencies: [
                "PubSubCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Network clients of a Web PubSub service (local or Azure). Depends on Core only.
        .target(
            name: "PubSubClient",
            dependencies: [
                "PubSubCore",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // `pubsub serve-sse` as a library: the SSE gateway with its upstream client connection.
        .target(
            name: "PubSubGateway",
            dependencies: [
                "PubSubClient",
                "PubSubCore",
                "PubSubService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What `pubsub bench` reads and writes on the wire without a socket (the payload it finds in
        // any server's frames, raw frame templates): apart so that the fuzz build can take it.
        .target(
            name: "PubSubBenchWire",
            dependencies: ["PubSubCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // `pubsub bench`: load generation and measurement against any Web PubSub endpoint.
        .target(
            name: "PubSubBench",
            dependencies: [
                "PubSubBenchWire",
                "PubSubCore",
                "PubSubClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "pubsub",
            dependencies: [
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                "PubSubBench",
                "PubSubBenchWire",
                "PubSubCore",
                "PubSubClient",
                "PubSubGateway",
                "PubSubService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The parsers' fuzz entry points (FuzzTarget), and `pubsub-fuzz`, which runs them under
        // libFuzzer when built by scripts/fuzz.sh (-sanitize=fuzzer) and replays files otherwise.
        .target(
            name: "PubSubFuzzTargets",
            dependencies: ["PubSubBenchWire", "PubSubCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .executableTarget(
            name: "pubsub-fuzz",
            dependencies: ["PubSubFuzzTargets"]
        ),
        .testTarget(
            name: "PubSubCoreTests",
            dependencies: ["PubSubCore", "PubSubFuzzTargets", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(
            name: "PubSubServiceTests",
            dependencies: [
                "PubSubClient",
                "PubSubCore",
                "PubSubService",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "PubSubBenchTests",
            dependencies: [
                "PubSubBench",
                "PubSubBenchWire",
                "PubSubCore",
                "PubSubService",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "PubSubCLITests",
            dependencies: ["PubSubCore"]
        ),
    ]
)
