/// A wildcard group pattern of the `webpubsub.joinLeaveGroups.<pattern>` and
/// `webpubsub.sendToGroups.<pattern>` roles (protocol reference §3.4).
///
/// `.` separates levels; `?` is one character other than `.`; `*` is any run of characters without
/// `.`; `**` is any run including `.`; `\` escapes `\`, `*` and `?`. At most five `*` per pattern.
/// So `tenant1.*` matches `tenant1.a` but not `tenant1.a.b`, and `tenant1.**` matches both.
public struct GroupPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Element: Sendable, Hashable {
        case literal(Character)
        case anyOne
        case anyInLevel
        case anyAcrossLevels
    }

    private let elements: [Element]
    /// The pattern as written.
    public let description: String

    /// The most `*` characters a pattern may hold.
    public static let maximumStars = 5
    /// The longest pattern, in elements: a group name has at most 1024 characters, so a pattern
    /// with more elements than that plus its stars can match nothing; refusing it keeps every
    /// match at most 1029 × 1024 steps, whatever a token holds.
    public static let maximumLength = 1024 + maximumStars

    /// What separates the pattern from the reason in a parse error's message: a caller that must not
    /// echo the whole pattern (a REST refusal) gives the reason after it.
    public static let whyMarker = " is not valid: "

    /// Parses a pattern.
    /// - Throws: ``PubSubError`` `invalidRole` for an empty pattern, a dangling or unknown escape,
    ///   or more than five `*`.
    public init(parsing text: String) throws(PubSubError) {
        func invalid(_ why: String) -> PubSubError {
            PubSubError(
                .invalidRole,
                "group pattern \"\(text)\"\(Self.whyMarker)\(why)",
                hint: "patterns use ? (one character), * (within a level), ** (across levels) and \\ to escape",
                exitStatus: .usage
            )
        }
        guard !text.isEmpty else { throw invalid("it is empty") }
        var elements: [Element] = []
        var stars = 0
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            index = text.index(after: index)
            switch character {
            case "\\":
                guard index < text.endIndex else { throw invalid("it ends with a lone \\") }
                let escaped = text[index]
                guard escaped == "\\" || escaped == "*" || escaped == "?" else {
                    throw invalid("\\\(escaped) is not an escape; only \\\\, \\* and \\? are")
                }
                elements.append(.literal(escaped))
                index = text.index(after: index)
            case "?":
                elements.append(.anyOne)
            case "*":
                stars += 1
                if index < text.endIndex, text[index] == "*" {
                    stars += 1
                    index = text.index(after: index)
                    elements.append(.anyAcrossLevels)
                } else {
                    elements.append(.anyInLevel)
                }
            default:
                elements.append(.literal(character))
            }
            guard elements.count <= Self.maximumLength else {
                throw invalid("it is longer than any group name it could match (at most \(Self.maximumLength) characters)")
            }
        }
        guard stars <= Self.maximumStars else {
            throw invalid("it has \(stars) '*'; at most \(Self.maximumStars) are allowed")
        }
        self.elements = elements
        description = text
    }

    /// Whether a group name matches the pattern.
    public func matches(_ group: String) -> Bool {
        let characters = Array(group)
        // reachable[j]: the elements consumed so far can match characters[..<j].
        var reachable = [Bool](repeating: false, count: characters.count + 1)
        reachable[0] = true
        for element in elements {
            var next = [Bool](repeating: false, count: characters.count + 1)
            switch element {
            case .literal(let literal):
                for j in 0..<characters.count where reachable[j] && characters[j] == literal { next[j + 1] = true }
            case .anyOne:
                for j in 0..<characters.count where reachable[j] && characters[j] != "." { next[j + 1] = true }
            case .anyInLevel, .anyAcrossLevels:
                let crossesLevels = element == .anyAcrossLevels
                for j in 0...characters.count {
                    if reachable[j] {
                        next[j] = true
                    } else if j > 0, next[j - 1], crossesLevels || characters[j - 1] != "." {
                        next[j] = true
                    }
                }
            }
            reachable = next
            if !reachable.contains(true) { return false }
        }
        return reachable[characters.count]
    }
}
