import Foundation

/// The environment variables `pubsub` reads.
enum Environment {
    static let logLevel = "PUBSUB_LOG_LEVEL"
    static let hub = "PUBSUB_HUB"
    static let accessKey = "PUBSUB_ACCESS_KEY"

    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static var all: [String: String] { ProcessInfo.processInfo.environment }
}
