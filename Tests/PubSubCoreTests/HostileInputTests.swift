import Foundation
import PubSubCore
import PubSubFuzzTargets
import Testing

/// Inputs built to break the parsers: each must be refused with a specific error (or accepted),
/// never trap or exhaust the stack. The fuzz corpus and every input a fuzzer crashed on are
/// replayed here too, so a fixed crash stays fixed without the fuzzing build.
@Suite("Hostile input")
struct HostileInputTests {
    /// `Fuzz/` at the top of the repository.
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(of target: FuzzTarget) -> [URL] {
        ["corpus", "regressions"].flatMap { folder -> [URL] in
            let directory = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.sorted().map { directory.appendingPathComponent($0) }
        }
    }

    @Test("every fuzz target has seeds, and replays its corpus and regressions", arguments: FuzzTarget.allCases)
    func replaysCorpus(target: FuzzTarget) throws {
        let files = Self.inputs(of: target)
        #expect(!files.isEmpty, "Fuzz/corpus/\(target.rawValue) has no seeds")
        for file in files {
            let data = try Data(contentsOf: file)
            data.withUnsafeBytes { target.run($0) }
        }
    }

    @Test("a filter nested 5,000 parentheses deep is refused for its depth (it overflowed the stack)")
    func deepFilter() {
        let text = String(repeating: "(", count: 5000) + "userId eq 'a'" + String(repeating: ")", count: 5000)
        #expect {
            try ConnectionFilter(parsing: text)
        } throws: { error in
            (error as? PubSubError)?.message.contains("more than \(ConnectionFilter.maximumDepth) deep") == true
        }
        let nots = String(repeating: "not ", count: 5000) + "true"
        #expect(throws: PubSubError.self) { try ConnectionFilter(parsing: nots) }
        let calls = String(repeating: "tolower(", count: 5000) + "userId" + String(repeating: ")", count: 5000) + " eq 'a'"
        #expect(throws: PubSubError.self) { try ConnectionFilter(parsing: calls) }
    }

    @Test("a filter of 100,000 terms is refused: no clause is counted, but evaluation would recurse once per 'and'")
    func longFilter() {
        let text = Array(repeating: "true", count: 100_000).joined(separator: " and ")
        #expect {
            try ConnectionFilter(parsing: text)
        } throws: { error in
            (error as? PubSubError)?.message.contains("terms") == true
        }
        // At the limits it parses and evaluates.
        let nested = String(repeating: "(", count: ConnectionFilter.maximumDepth - 1) + "userId eq 'u'" + String(repeating: ")", count: ConnectionFilter.maximumDepth - 1)
        let filter = try? ConnectionFilter(parsing: nested)
        #expect(filter?.matches(.init(connectionId: "c", userId: "u", groups: [])) == true)
    }

    @Test("substring with a length near Int64.max does not overflow")
    func substringLength() throws {
        let filter = try ConnectionFilter(parsing: "substring(userId, 1, 9223372036854775807) eq 'lice'")
        #expect(filter.matches(.init(connectionId: "c", userId: "alice", groups: [])))
    }

    @Test("durations beyond 100 years are refused with exit 64, and the limit itself is accepted")
    func durationBounds() throws {
        #expect(try DurationText.parse("36500d", option: "--timeout") == DurationText.maximum)
        for text in ["36501d", "9223372036854775807ms", "99999999999999999999s"] {
            #expect {
                try DurationText.parse(text, option: "--timeout")
            } throws: { error in
                (error as? PubSubError)?.exitStatus == .usage
            }
        }
    }

    @Test("token times at the ends of Int64 are shown and compared without overflow")
    func tokenTimes() {
        #expect(TokenTime.relative(.max, now: -1).hasPrefix("in more than"))
        #expect(TokenTime.relative(.min, now: 1).hasSuffix("ago"))
        #expect(TokenTime.iso8601(.max).contains("outside years 1 to 9999"))
        #expect(TokenTime.iso8601(0) == "1970-01-01T00:00:00Z")
    }

    @Test("a token whose exp is Int64.max verifies as unexpired; one whose exp is Int64.min is expired")
    func extremeExpiry() throws {
        let key = "a-key-for-this-test"
        let verifier = TokenVerifier(accessKeys: [key])
        for (exp, expired) in [(Int64.max, false), (Int64.min, true)] {
            let token = Self.sign(#"{"aud":"http://h/client/hubs/x","exp":\#(exp)}"#, key: key)
            let decoded = try DecodedToken(parsing: token)
            do {
                try verifier.verify(decoded, audience: .resource("http://h/client/hubs/x"))
                #expect(!expired)
            } catch {
                #expect(expired, "\(error)")
            }
        }
    }

    @Test("a wildcard role pattern longer than any group name is refused (each check cost its length times the name's)")
    func longRolePattern() throws {
        let long = "webpubsub.sendToGroups." + String(repeating: "a", count: 5000) + "*"
        #expect(throws: PubSubError.self) { try Role(parsing: long) }
        let longest = "webpubsub.sendToGroups." + String(repeating: "a", count: 1024) + "*"
        #expect(try Role(parsing: longest).grants(.sendToGroup, on: String(repeating: "a", count: 1024)))
    }

    @Test("JSON nested 100,000 deep in a client frame is refused, not recursed into")
    func deepJSON() {
        let frame = #"{"type":"sendToGroup","group":"g","dataType":"json","data":"# + String(repeating: "[", count: 100_000)
            + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: MessageDecodingProblem.self) { try ClientMessage.decode(Data(frame.utf8)) }
    }

    @Test("an SSE stream that never ends a line is held to the parser's event limit")
    func endlessSSELine() {
        var parser = SSEParser(maxEventBytes: 1024)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        for _ in 0..<256 { #expect(parser.feed(chunk).isEmpty) }
        #expect(parser.oversizedEvents == 1)
        // The next event after the blank line is read normally.
        #expect(parser.feed("\n\ndata: after\n\n".utf8) == [SSEParser.Event(id: nil, name: "message", data: "after")])
    }

    static func sign(_ claims: String, key: String) -> String {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let input = encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8)) + "." + encode(Data(claims.utf8))
        return input + "." + encode(HS256Key(accessKey: key).signature(for: Data(input.utf8)))
    }
}

@Suite("CPU lists")
struct CPUListTests {
    @Test("a CPU list counts its CPUs", arguments: [
        ("0", 1), ("0-1", 2), ("0,2,4-7", 6), ("3", 1), ("0-3,8-11", 8), ("0-999999", 65_536), ("0-65535,0-65535", 65_536),
    ])
    func counts(text: String, expected: Int) {
        #expect(CPUList.count(Substring(text)) == expected)
    }

    @Test("what is not a CPU list counts as nothing", arguments: ["", "a", "1-", "-1", "3-1", "0,,1", "1-2-3", "٣", "9999999", "0 - 1"])
    func refuses(text: String) {
        #expect(CPUList.count(Substring(text)) == nil)
    }

    @Test("the allowed CPUs are read from a status text")
    func status() {
        #expect(CPUList.allowedCount(status: "Name:\tpubsub\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed:\t1\n") == 2)
        #expect(CPUList.allowedCount(status: "Name:\tpubsub\n") == nil)
    }
}
