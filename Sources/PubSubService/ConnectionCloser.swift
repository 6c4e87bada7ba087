import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTPTypesHTTP1
import PubSubCore
import ServiceLifecycle

/// On graceful shutdown, closes every client connection with a `disconnected` message and 1001,
/// and waits (at most five seconds) for their sockets to finish and their `disconnected` events to
/// reach the event handler.
struct ConnectionCloser: Service {
    let registry: HubRegistry
    let context: ServiceContext

    func run() async throws {
        try? await gracefulShutdown()
        context.sse.finishAll()
        context.tracer.finishAll()
        for connection in registry.allConnections() {
            registry.close(connection, code: .goingAway, reason: "the service is shutting down")
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while registry.lifecycle.openSocketCount > 0 || context.events?.hasCallsUnderWay == true, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
