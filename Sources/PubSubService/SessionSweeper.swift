import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTPTypesHTTP1
import PubSubCore
import ServiceLifecycle

/// Ends reliable sessions whose client did not recover within the retention, and removes SSE
/// brokers nobody read for five minutes, once a second.
struct SessionSweeper: Service {
    let registry: HubRegistry
    let sse: SSEHubs

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: .seconds(1))
                registry.sweepExpiredSessions()
                sse.removeIdle()
                sse.leaveLingeringGroups()
            }
        }
    }
}
