/// Hub name rules (protocol reference §7.1, §9): a letter, then up to 127 letters, digits or
/// `` _`,.[] ``. Hub names are case-insensitive on the service.
public enum HubName {
    /// Checks a hub name.
    /// - Throws: ``PubSubError`` `invalidHubName` (exit 64: it comes from a flag or a URL the user wrote).
    public static func validate(_ hub: String) throws(PubSubError) {
        func isLetter(_ character: Character) -> Bool {
            character.isASCII && character.isLetter
        }
        func isAllowed(_ character: Character) -> Bool {
            isLetter(character) || (character.isASCII && character.isNumber) || "_`,.[]".contains(character)
        }
        let problem: String?
        if hub.isEmpty {
            problem = "it is empty"
        } else if hub.count > 128 {
            problem = "it is \(hub.count) characters long; the limit is 128"
        } else if !isLetter(hub.first!) {
            problem = "it must start with a letter"
        } else if let bad = hub.first(where: { !isAllowed($0) }) {
            problem = "it contains \"\(bad)\"; use letters, digits and _`,.[]"
        } else {
            problem = nil
        }
        if let problem {
            throw PubSubError(
                .invalidHubName,
                "hub name \"\(hub)\" is not valid: \(problem)",
                hint: "hub names look like chat or Orders_2",
                exitStatus: .usage
            )
        }
    }
}

extension PubSubError.Code {
    public static let invalidHubName = Self("invalidHubName")
}
