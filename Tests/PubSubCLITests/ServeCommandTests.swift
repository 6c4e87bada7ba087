import Foundation
import PubSubCore
import Testing

/// `pubsub serve` as a child process, with its stdout lines as they arrive.
final class ServeProcess: Sendable {
    let process: Process
    let lines: AsyncStream<String>

    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = PubSubBinary.url
        process.arguments = ["serve"] + arguments
        process.environment = PubSubBinary.cleanEnvironment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let buffer = LineBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
                return
            }
            for line in buffer.append(data) { continuation.yield(line) }
        }
        try process.run()
        self.process = process
        self.lines = lines
    }

    /// Reads lines until one starts with `prefix`.
    func line(startingWith prefix: String) async -> String? {
        for await line in lines where line.hasPrefix(prefix) { return line }
        return nil
    }

    /// Sends SIGTERM and returns the exit status.
    func terminate() async -> Int32 {
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        process.terminate()
        if process.isRunning { for await _ in exited.stream {} }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}

/// Splits a byte stream into lines; used only from the pipe's serial readability handler.
final class LineBuffer: @unchecked Sendable {
    // Safe: FileHandle calls one readabilityHandler at a time on its own serial queue, and this
    // buffer is touched only from that handler.
    private var pending = Data()

    func append(_ data: Data) -> [String] {
        pending.append(data)
        var lines: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
            pending.removeSubrange(pending.startIndex...newline)
        }
        return lines
    }
}

@Suite("pubsub serve (the built binary)")
struct ServeCommandTests {
    @Test("--port 0 reports the port and a connection string that pubsub token can use; SIGTERM exits 0")
    func startsAndStops() async throws {
        let serve = try ServeProcess(["--port", "0"])
        let connectionLine = try #require(await serve.line(startingWith: "Connection string: "))
        let connectionString = String(connectionLine.dropFirst("Connection string: ".count))
        let parsed = try ConnectionString(parsing: connectionString)
        #expect(parsed.accessKey == ConnectionString.developmentAccessKey)
        #expect(parsed.endpoint.port != 8080 && parsed.endpoint.port != 0)
        let urlLine = try #require(await serve.line(startingWith: "Client URL: "))
        #expect(urlLine.contains("/client/hubs/<hub>?access_token=<token>"))

        let minted = try await PubSubBinary.run(["token", "--hub", "chat", "--connection-string", connectionString])
        #expect(minted.status == 0)
        #expect(minted.stdout.hasPrefix("ws://localhost:\(parsed.endpoint.port!)/client/hubs/chat?access_token="))
        #expect(await serve.terminate() == 0)
    }

    @Test("with a custom key it prints the connection string without the key")
    func customKeyIsRedacted() async throws {
        let serve = try ServeProcess(["--port", "0", "--access-key", "my-very-secret-key"])
        let connectionLine = try #require(await serve.line(startingWith: "Connection string: "))
        #expect(!connectionLine.contains("my-very-secret-key"))
        #expect(connectionLine.contains("AccessKey=my-v…"))
        #expect(await serve.terminate() == 0)
    }

    @Test("it refuses to listen beyond loopback with the public development key")
    func refusesPublicBindWithDevelopmentKey() async throws {
        let result = try await PubSubBinary.run(["serve", "--host", "0.0.0.0", "--port", "0"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("refusing to listen on 0.0.0.0 with the public development key"))
        #expect(result.stderr.contains("--access-key"))
    }

    @Test("a port in use exits 69 with a hint")
    func portInUse() async throws {
        let first = try ServeProcess(["--port", "0"])
        let line = try #require(await first.line(startingWith: "pubsub serve: listening on "))
        let port = try #require(line.split(separator: ":").last.map(String.init))
        let second = try await PubSubBinary.run(["serve", "--port", port])
        #expect(second.status == 69)
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(port): the port is already in use"))
        #expect(second.stderr.contains("--port"))
        #expect(await first.terminate() == 0)
    }
}
