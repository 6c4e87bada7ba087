import Foundation
import Histogram
import NIOConcurrencyHelpers
import NIOCore
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
    }

    /// Opens every planned connection; the time each took (connect, upgrade and join) goes into
    /// `timings`. The first failure closes what was opened and is thrown.
    func open(_ plans: [Plan], timings: NIOLockedValueBox<Histogram<UInt64>>? = nil) async throws -> [BenchClient] {
        // Parsed and resolved once, not per connection.
        var targets: [String?: WebSocketClient.Target] = [:]
        for plan in plans where targets[plan.group] == nil {
            targets[plan.group] = try WebSocketClient.Target(endpoint.clientURL(groups: plan.kind == .simple ? plan.group.map { [$0] } ?? [] : []))
        }
        let address = try endpoint.resolvedAddress()
        let opened = NIOLockedValueBox<[BenchClient?]>(Array(repeating: nil, count: plans.count))
        let count = NIOLockedValueBox(0)
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                var next = 0
                func start() {
                    let index = next
                    next += 1
                    let plan = plans[index]
                    let target = targets[plan.group]!
                    tasks.addTask {
                        let started = NIODeadline.now()
                        let client = try await endpoint.open(
                            plan.kind,
                            target: target,
                            address: address,
                            index: index,
                            groupIndex: plan.groupIndex,
                            counters: counters,
                            registry: registry
                        )
                        opened.withLockedValue { $0[index] = client }
                        if let group = plan.group, plan.kind != .simple { try await client.join(group) }
                        let elapsed = NIODeadline.now().uptimeNanoseconds - started.uptimeNanoseconds
                        timings?.withLockedValue { $0.recordNanoseconds(elapsed) }
                        let done = count.withLockedValue { count in
                            count += 1
                            return count
                        }
                        if done % 500 == 0 { progress(done) }
                    }
                }
                while next < min(concurrency, plans.count) { start() }
                while try await tasks.next() != nil {
                    if next < plans.count { start() }
                }
            }
        } catch {
            for client in opened.withLockedValue({ $0 }).compactMap({ $0 }) { await client.close() }
            if let failure = error as? PubSubError {
                throw PubSubError(
                    failure.code,
                    "connection \(count.withLockedValue { $0 } + 1) of \(plans.count) failed: \(failure.message)",
                    hint: failure.hint,
                    exitStatus: failure.exitStatus
                )
            }
            throw PubSubError(
                .benchConnectFailed,
                "connection \(count.withLockedValue { $0 } + 1) of \(plans.count) failed: \(error)",
                hint: "the service may be out of file descriptors or memory; try fewer connections",
                exitStatus: .unavailable
            )
        }
        progress(plans.count)
        return opened.withLockedValue { $0.compactMap { $0 } }
    }
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
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    // Room for the runtime's own descriptors (event loops, stdio, the HTTP client).
    let available = Int(clamping: limit.rlim_cur) - 64
    guard needed <= available else {
        throw PubSubError(
            .benchTooManyFiles,
            "\(needed) connections need \(needed + 64) open files; this process may have \(limit.rlim_cur) (ulimit -n)",
            hint: "raise the limit (ulimit -n) or run fewer connections; the service needs as many too",
            exitStatus: .usage
        )
    }
}
