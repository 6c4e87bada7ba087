import Foundation
import PubSubCore
import ServiceLifecycle
import UnixSignals

/// Ctrl-C (SIGINT) for a long-running command (`serve`, `serve-sse`, `subscribe`, `trace`): the
/// first asks it to stop gracefully; a second, while it is stopping (a client that never answers
/// the close, a reader that never leaves), ends the process at once with exit 130, as the README
/// promises. service-lifecycle ignores a repeated graceful-shutdown signal, so SIGINT is trapped
/// here rather than given to a `ServiceGroup`.
enum Interrupts {
    /// Traps SIGINT from now on, for the rest of the process; the stream yields once, at the first.
    static func watch() async -> AsyncStream<Void> {
        let signals = await UnixSignalsSequence(trapping: .sigint)
        let (first, continuation) = AsyncStream.makeStream(of: Void.self)
        Task {
            var seen = 0
            for await _ in signals {
                seen += 1
                if seen == 1 {
                    continuation.yield()
                    continuation.finish()
                } else {
                    Terminal.diagnostic("Interrupted again: stopping at once (exit \(ExitStatus.forcedStop.rawValue)).")
                    exit(ExitStatus.forcedStop.rawValue)
                }
            }
        }
        return first
    }

    /// Runs `group` (which handles SIGTERM itself) until it returns; the first SIGINT triggers its
    /// graceful shutdown, a second exits 130.
    static func run(_ group: ServiceGroup) async throws {
        let interrupts = await watch()
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            tasks.addTask {
                for await _ in interrupts { await group.triggerGracefulShutdown() }
                return false
            }
            while let groupEnded = try await tasks.next() {
                if groupEnded { break }
            }
            tasks.cancelAll()
        }
    }
}
