import Foundation
import Testing

/// Runs the built `pubsub` executable the way a user does, capturing stdout, stderr and the exit
/// status. Output goes to temporary files, not pipes, so a chatty child can never block on a full pipe.
struct PubSubBinary {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The executable next to the test bundle (`.build/<config>/pubsub`).
    static var url: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = bundle.deletingLastPathComponent()
        // On Linux the test runner is `.build/debug/pubsubPackageTests.xctest`; on macOS it is inside
        // the bundle's Contents/MacOS directory.
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("pubsub").path),
            directory.pathComponents.count > 1
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("pubsub")
    }

    /// The environment tests start from: the caller's, minus everything that would change what
    /// `pubsub` reads.
    static var cleanEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["WebPubSubConnectionString", "PUBSUB_HUB", "PUBSUB_LOG_LEVEL", "NO_COLOR"] {
            environment.removeValue(forKey: name)
        }
        return environment
    }

    /// Runs `pubsub` with arguments and optional standard input; kills it after `timeout`.
    static func run(
        _ arguments: [String],
        stdin: String? = nil,
        environment: [String: String] = cleanEnvironment,
        timeout: Duration = .seconds(30)
    ) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pubsub-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        let inURL = directory.appendingPathComponent("stdin")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inURL.path, contents: Data((stdin ?? "").utf8))

        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = environment
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
            try? inHandle.close()
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle

        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in exited.stream {}
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !finished {
            process.terminate()
            Issue.record("pubsub \(arguments.joined(separator: " ")) did not exit within \(timeout)")
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        )
    }
}
