import UnixSignals

/// How a command that streams until told otherwise (`subscribe`, `trace`) ended.
enum StreamEnd: Sendable {
    /// The stream ended, a signal (SIGINT/SIGTERM) asked to stop, or a stop condition was met.
    case finished
    /// `--timeout` passed first.
    case timedOut
}

/// Runs `work` until it returns, SIGINT or SIGTERM arrives (SIGINT is trapped by Interrupts), `timeout` passes, or `stop` (if any)
/// returns; then cancels the rest.
func runStream(
    timeout: Duration?,
    stop: (@Sendable () async throws -> Void)? = nil,
    _ work: @escaping @Sendable () async throws -> Void
) async throws -> StreamEnd {
    let interrupts = await Interrupts.watch()
    return try await withThrowingTaskGroup(of: StreamEnd.self) { tasks in
        tasks.addTask {
            try await work()
            return .finished
        }
        tasks.addTask {
            for await _ in await UnixSignalsSequence(trapping: .sigterm) { return .finished }
            return .finished
        }
        // The first SIGINT stops the stream; a second, during the close, exits 130 (Interrupts).
        tasks.addTask {
            for await _ in interrupts { return .finished }
            return .finished
        }
        if let timeout {
            tasks.addTask {
                try await Task.sleep(for: timeout)
                return .timedOut
            }
        }
        if let stop {
            tasks.addTask {
                try await stop()
                return .finished
            }
        }
        defer { tasks.cancelAll() }
        return try await tasks.next() ?? .finished
    }
}
