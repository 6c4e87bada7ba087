import Foundation
import Histogram
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PubSubClient
import PubSubCore
import Synchronization

/// Opens many bench connections, `concurrency` at a time.
struct ConnectionOpener: Sendable {
    let endpoint: BenchEndpoint
    let counters: BenchCounters
    let registry: LoopStatsRegistry
    let concurrency: Int
    /// Called with the number opened so far, now and then.
    let progress: @Sendable (Int) -> Void

    /// One connection to open: its protocol, the group it joins (with an acked `joinGroup`, or
    /// through its token for a simple client), and the group index it expects messages for.
    struct Plan: Sendable {
        var kind: BenchProtocol
        var group: String?
        var groupIndex: Int?
        /// A publisher (a raw server's connection sends the publisher preamble).
        var publisher = false
    }

    /// Opens every planned connection; the time each took (connect, upgrade and join) goes into
    /// `timings`. The first failure closes what was opened and is thrown.
    func open(_ plans: [Plan], timings: NIOLockedValueBox<Histogram<UInt64>>? = nil) async throws -> [BenchClient] {
        // Parsed and resolved once, not per connection.
        var targets: [String?: WebSocketClient.Target] = [:]
        for plan in plans where targets[plan.group] == nil {
            targets[plan.group] = try endpoint.target(groups: plan.kind == .simple ? plan.group.map { [$0] } ?? [] : [])
        }
        // A raw server's connections subscribe with their preamble, not with joinGroup.
        let joins = endpoint.raw == nil
        let address = try endpoint.resolvedAddress()
        let resolvedTargets = targets
        let window = OpeningWindow(count: plans.count)
        let finished = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Void.self)
        // `concurrency` chains of future callbacks, each opening its next connection when one is
        // done: no task per connection, so the load generator's CPU goes to the connections.
        // Connection i runs on loop i mod loops (an even split, which deliveries measured later
        // need), and its futures and join run there too, with no hop between loops.
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        @Sendable func startNext() {
            guard let index = window.claim() else { return }
            let eventLoop = loops[index % loops.count]
            let plan = plans[index]
            let started = NIODeadline.now()
            endpoint.open(
                plan.kind,
                target: resolvedTargets[plan.group]!,
                address: address,
                index: index,
                group: plan.group,
                groupIndex: plan.groupIndex,
                publisher: plan.publisher,
                counters: counters,
                registry: registry,
                on: eventLoop
            )
            .flatMap { client in
                window.opened(client, at: index)
                guard joins, let group = plan.group, plan.kind != .simple else { return client.channel.eventLoop.makeSucceededVoidFuture() }
                return client.join(group)
            }
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    window.stop()
                    finished.fail(error)
                case .success:
                    let elapsed = NIODeadline.now().uptimeNanoseconds - started.uptimeNanoseconds
                    timings?.withLockedValue { $0.recordNanoseconds(elapsed) }
                    let done = window.finished()
                    if done % 500 == 0 { progress(done) }
                    if done == plans.count { finished.succeed() }
                    startNext()
                }
            }
        }
        if plans.isEmpty { finished.succeed() }
        for _ in 0..<min(concurrency, plans.count) { startNext() }
        do {
            try await finished.futureResult.get()
        } catch {
            window.stop()
            for client in window.clients() { await client.close() }
            let count = window.finishedCount
            if let failure = error as? PubSubError {
                throw PubSubError(
                    failure.code,
                    "connection \(count + 1) of \(plans.count) failed: \(failure.message)",
                    hint: failure.hint,
                    exitStatus: failure.exitStatus
                )
            }
            throw PubSubError(
                .benchConnectFailed,
                "connection \(count + 1) of \(plans.count) failed: \(error)",
                hint: "the service may be out of file descriptors or memory; try fewer connections",
                exitStatus: .unavailable
            )
        }
        progress(plans.count)
        return window.clients()
    }
}

/// Which connection opens next, which are open, and how many are done.
private final class OpeningWindow: Sendable {
    private struct State {
        var next = 0
        var finished = 0
        var stopped = false
        var opened: [BenchClient?]
    }

    private let count: Int
    private let state: Mutex<State>

    init(count: Int) {
        self.count = count
        state = Mutex(State(opened: Array(repeating: nil, count: count)))
    }

    /// The index of the next connection to open, or nil when all are started (or a failure stopped it).
    func claim() -> Int? {
        state.withLock { state in
            guard !state.stopped, state.next < count else { return nil }
            defer { state.next += 1 }
            return state.next
        }
    }

    func opened(_ client: BenchClient, at index: Int) {
        state.withLock { $0.opened[index] = client }
    }

    /// Counts one more connection done (opened and joined); returns how many are.
    func finished() -> Int {
        state.withLock { state in
            state.finished += 1
            return state.finished
        }
    }

    var finishedCount: Int { state.withLock { $0.finished } }

    func stop() { state.withLock { $0.stopped = true } }

    func clients() -> [BenchClient] { state.withLock { $0.opened.compactMap { $0 } } }
}

/// Closes connections, many at a time.
func closeAll(_ clients: [BenchClient]) async {
    await withTaskGroup(of: Void.self) { tasks in
        for chunk in stride(from: 0, to: clients.count, by: 500) {
            let slice = clients[chunk..<min(chunk + 500, clients.count)]
            tasks.addTask {
                for client in slice { await client.close() }
            }
        }
    }
}

/// The process's open-file limit, raised to its hard limit; an error when `needed` will not fit.
public func ensureFileDescriptors(_ needed: Int) throws(PubSubError) {
    guard let limit = OpenFilesLimit.raisedToMaximum() else { return }
    // Room for the runtime's own descriptors (event loops, stdio, the HTTP client).
    let available = limit.current - 64
    guard needed <= available else {
        throw PubSubError(
            .benchTooManyFiles,
            "\(needed) connections need \(needed + 64) open files; this process may have \(limit.current) (ulimit -n)",
            hint: "raise the limit (ulimit -n) or run fewer connections; the service needs as many too",
            exitStatus: .usage
        )
    }
}
