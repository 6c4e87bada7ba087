/// The one error type `pubsub` shows to its users.
///
/// Every error names what went wrong in the user's terms (`message`), optionally says what to do
/// about it (`hint`), and carries the process exit status the command ends with. Errors never carry
/// secrets: access keys and tokens are redacted with ``redact(_:)`` before they reach a message.
///
/// Each distinct failure has its own ``Code`` so that callers and tests can tell them apart without
/// matching on prose.
public struct PubSubError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A stable identifier for one kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The identifier, in camelCase (`connectionStringMissingEndpoint`).
        public let rawValue: String

        /// Creates a code. Codes are declared as static members next to the constructors that use them.
        package init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }

    /// Which failure this is.
    public let code: Code
    /// What went wrong, naming the offending value (never a secret).
    public let message: String
    /// What the user can do about it, if there is something useful to say.
    public let hint: String?
    /// The status the process exits with when this error ends a command.
    public let exitStatus: ExitStatus

    /// Creates an error. Prefer the static constructors grouped by area (`PubSubError+Token.swift`, …).
    package init(_ code: Code, _ message: String, hint: String? = nil, exitStatus: ExitStatus) {
        self.code = code
        self.message = message
        self.hint = hint
        self.exitStatus = exitStatus
    }

    public var description: String {
        guard let hint else { return message }
        return "\(message)\nHint: \(hint)"
    }
}

extension PubSubError {
    /// Shortens a secret to its first four characters followed by an ellipsis, so that a message can
    /// say *which* key or token it means without disclosing it.
    public static func redact(_ secret: some StringProtocol) -> String {
        if secret.count <= 4 { return "…" }
        return "\(secret.prefix(4))…"
    }
}
