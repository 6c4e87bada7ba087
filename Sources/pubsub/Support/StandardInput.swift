import Foundation

/// Reads standard input off the cooperative pool: a dedicated `Thread` does the blocking reads and
/// hands the results over (the one documented bridge; `FileHandle.bytes` does not exist on Linux).
enum StandardInput {
    /// Every line, without its newline (`\r\n` is accepted), as they arrive. The reading thread
    /// stays at most `readAhead` lines ahead of the consumer, so a producer faster than the
    /// network is held back by the pipe instead of filling memory.
    static func lines(readAhead: Int = 64) -> BoundedLines {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        // Made at 0 and signalled up: libdispatch traps when a semaphore is freed below the value
        // it was made with, and this one ends one below its start (the read that found the end).
        let slots = DispatchSemaphore(value: 0)
        for _ in 0..<readAhead { slots.signal() }
        let thread = Thread {
            while true {
                slots.wait()
                guard let line = readLine(strippingNewline: true) else { break }
                continuation.yield(line.hasSuffix("\r") ? String(line.dropLast()) : line)
            }
            continuation.finish()
        }
        thread.start()
        return BoundedLines(stream: stream, slots: slots)
    }

    /// Lines from the reading thread; taking one frees a slot for the next read.
    struct BoundedLines: AsyncSequence {
        let stream: AsyncStream<String>
        let slots: DispatchSemaphore

        struct AsyncIterator: AsyncIteratorProtocol {
            var base: AsyncStream<String>.AsyncIterator
            let slots: DispatchSemaphore

            mutating func next() async -> String? {
                let line = await base.next()
                if line != nil { slots.signal() }
                return line
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: stream.makeAsyncIterator(), slots: slots)
        }
    }

    /// All of standard input.
    static func readAll() async -> Data {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: FileHandle.standardInput.readDataToEndOfFile())
            }
            thread.start()
        }
    }
}
