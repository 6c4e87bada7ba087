import Foundation

/// Reads standard input off the cooperative pool: a dedicated `Thread` does the blocking reads and
/// hands the results over (the one documented bridge; `FileHandle.bytes` does not exist on Linux).
enum StandardInput {
    /// Every line, without its newline (`\r\n` is accepted), as they arrive.
    static func lines() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(line.hasSuffix("\r") ? String(line.dropLast()) : line)
            }
            continuation.finish()
        }
        thread.start()
        return stream
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
