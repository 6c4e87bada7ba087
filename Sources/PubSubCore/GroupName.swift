/// Group name rules (protocol reference §7.1, §9): 1 to 1024 characters, not only whitespace.
public enum GroupName {
    /// The longest group name the service accepts.
    public static let maximumLength = 1024

    /// The reason a group name is refused, or nil if it is valid.
    public static func problem(with group: String) -> String? {
        if group.isEmpty { return "group name is empty" }
        if group.count > maximumLength {
            return "group name is \(group.count) characters long; the limit is \(maximumLength)"
        }
        if group.allSatisfy(\.isWhitespace) { return "group name is only whitespace" }
        return nil
    }

    /// Checks a group name.
    /// - Throws: ``PubSubError`` `invalidGroupName` (exit 64).
    public static func validate(_ group: String) throws(PubSubError) {
        if let problem = problem(with: group) {
            throw PubSubError(
                .invalidGroupName,
                "\(problem) (got \"\(group.prefix(40))\(group.count > 40 ? "…" : "")\")",
                hint: "group names are 1 to 1024 characters and not only spaces",
                exitStatus: .usage
            )
        }
    }
}

extension PubSubError.Code {
    public static let invalidGroupName = Self("invalidGroupName")
}
