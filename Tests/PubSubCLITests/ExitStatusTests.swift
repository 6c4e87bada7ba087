import Foundation
import PubSubCore
import Testing

/// The README's exit-code table, the `ExitStatus` type and the codes the commands return, in step:
/// no documented code that nothing returns, no returned code that the table lacks.
@Suite("Exit statuses")
struct ExitStatusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The codes in the README's "Exit codes" table.
    static func documentedCodes() throws -> [Int32] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Exit codes").dropFirst().first)
        let table = section.components(separatedBy: "\n## ")[0]
        return table.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: true)
            guard line.hasPrefix("|"), let first = cells.first else { return nil }
            return Int32(first.trimmingCharacters(in: .whitespaces))
        }
    }

    /// Every Swift source of `pubsub` and its libraries, but the type itself (and not `pubsub-fuzz`,
    /// the fuzzing runner, which exits as libFuzzer drivers do).
    static func sources() throws -> String {
        let folder = root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
        var text = ""
        for case let file as URL in files
        where file.pathExtension == "swift" && file.lastPathComponent != "ExitStatus.swift" && !file.path.contains("/Sources/pubsub-fuzz/") {
            text += try String(contentsOf: file, encoding: .utf8)
        }
        return text
    }

    @Test("the README's table documents exactly the ExitStatus cases, each once")
    func tableMatchesType() throws {
        let documented = try Self.documentedCodes()
        #expect(documented.count == Set(documented).count, "a code is documented twice: \(documented)")
        #expect(Set(documented) == Set(ExitStatus.allCases.map(\.rawValue)), "README \(documented.sorted()) vs ExitStatus \(ExitStatus.allCases.map(\.rawValue))")
    }

    @Test("every status but success is returned by some command (named where an error or exit is made)")
    func everyStatusIsReturned() throws {
        let text = try Self.sources()
        for status in ExitStatus.allCases where status != .success {
            let name = "\(status)"
            let used = text.contains("exitStatus: .\(name)") || text.contains("ExitStatus.\(name)") || text.contains(": .\(name)\n")
            #expect(used, "ExitStatus.\(name) (\(status.rawValue)) is documented but nothing returns it")
        }
    }

    @Test("no command exits with a bare number: every status comes from ExitStatus")
    func noBareExitCodes() throws {
        let text = try Self.sources()
        let bare = try Regex(#"ExitCode\(\d+\)|exit\(\d+\)"#)
        let found = text.matches(of: bare).map { String(text[$0.range]) }
        #expect(found.isEmpty, "bare exit statuses: \(found)")
    }
}
