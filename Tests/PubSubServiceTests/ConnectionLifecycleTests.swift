import NIOConcurrencyHelpers
import NIOEmbedded
import PubSubCore
import Testing

@testable import PubSubService

@Suite("Connection lifecycle")
struct ConnectionLifecycleTests {
    /// A clock the test moves.
    final class ManualClock: Sendable {
        let offset = NIOLockedValueBox<Duration>(.zero)
        let start = ContinuousClock.now
        var clock: ServiceClock { ServiceClock { self.start + self.offset.withLockedValue { $0 } } }
    }

    static func lifecycle(_ configure: (inout ServiceConfiguration) -> Void = { _ in }) -> ConnectionLifecycle {
        var configuration = ServiceConfiguration(port: 0)
        configure(&configuration)
        return ConnectionLifecycle(configuration: configuration, tracer: Tracer(), events: nil)
    }

    static func admission(user: String?, recovery: Bool = false) -> ClientAdmission {
        ClientAdmission(
            hub: "chat", connectionId: "c", wireProtocol: .reliableJSON, userId: user, roles: [], groups: [],
            recovery: recovery ? (connectionId: "c", token: "t") : nil
        )
    }

    @Test("the service's socket limit refuses 503 and the per-user limit 429; a recovery is not counted against its user")
    func capacity() throws {
        let lifecycle = Self.lifecycle {
            $0.maxConnections = 2
            $0.maxConnectionsPerUser = 1
        }
        #expect(throws: Never.self) { try lifecycle.checkCapacity(Self.admission(user: "alice")) { _ in 0 }.get() }
        let perUser = lifecycle.checkCapacity(Self.admission(user: "alice")) { _ in 1 }
        #expect(throws: Refusal.self) { try perUser.get() }
        if case .failure(let refusal) = perUser { #expect(refusal.status == .tooManyRequests) }
        #expect(throws: Never.self) { try lifecycle.checkCapacity(Self.admission(user: "alice", recovery: true)) { _ in 1 }.get() }

        lifecycle.socketOpened()
        lifecycle.socketOpened()
        #expect(lifecycle.openSocketCount == 2)
        if case .failure(let refusal) = lifecycle.checkCapacity(Self.admission(user: nil), userConnections: { _ in 0 }) {
            #expect(refusal.status == .serviceUnavailable)
        } else {
            Issue.record("a third socket was admitted past --max-connections 2")
        }
        lifecycle.socketClosed()
        #expect(throws: Never.self) { try lifecycle.checkCapacity(Self.admission(user: nil)) { _ in 0 }.get() }
    }

    @Test("a detached reliable session waits out the retention, then expires; one that recovered or ended is forgotten")
    func detachedSessions() {
        let manual = ManualClock()
        var configuration = ServiceConfiguration(port: 0)
        configuration.sessionRetention = .seconds(30)
        configuration.clock = manual.clock
        let lifecycle = ConnectionLifecycle(configuration: configuration, tracer: Tracer(), events: nil)
        func session(_ id: String) -> ClientConnection {
            let connection = ClientConnection(
                id: id, hub: "chat", userId: nil, wireProtocol: .reliableJSON, mailbox: LoopMailbox(loop: EmbeddedEventLoop()), roles: [],
                simpleSendGroup: nil, limits: configuration
            )
            let (_, writer) = try! Outbound.writer()
            _ = connection.attach(Transport(frames: writer, close: { _ in }, id: 1))
            #expect(connection.transportClosed(1) == .detached)
            return connection
        }
        let waiting = session("waiting")
        let ended = session("ended")
        lifecycle.detached(waiting)
        lifecycle.detached(ended)
        ended.end(CloseRequest(code: .normalClosure, reason: "closed"))
        #expect(lifecycle.takeExpiredSessions().isEmpty)
        #expect(lifecycle.detachedCount == 1)
        manual.offset.withLockedValue { $0 = .seconds(31) }
        #expect(lifecycle.takeExpiredSessions().map(\.id) == ["waiting"])
        #expect(lifecycle.detachedCount == 0)
    }
}
