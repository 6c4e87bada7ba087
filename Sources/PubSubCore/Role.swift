/// What a connection may do with groups.
public enum GroupPermission: String, Sendable, CaseIterable {
    /// Join and leave.
    case joinLeaveGroup
    /// Publish with `sendToGroup`.
    case sendToGroup
}

/// A Web PubSub role (protocol reference §3.4): the literal, group-scoped and wildcard forms.
///
/// Only these forms exist; anything else starting with `webpubsub.` is refused when a token is
/// minted, because the service would silently grant nothing for a misspelt role.
public struct Role: Sendable, Hashable, CustomStringConvertible {
    /// Which groups the role covers.
    public enum Scope: Sendable, Hashable {
        /// Every group.
        case anyGroup
        /// Exactly this group.
        case group(String)
        /// Groups matching a wildcard pattern.
        case pattern(GroupPattern)
    }

    /// The permission granted.
    public let permission: GroupPermission
    /// The groups it is granted for.
    public let scope: Scope
    /// The role string as written (put into tokens unchanged).
    public let description: String

    /// Creates a role from its parts.
    public init(_ permission: GroupPermission, _ scope: Scope) {
        self.permission = permission
        self.scope = scope
        switch scope {
        case .anyGroup: description = "webpubsub.\(permission.rawValue)"
        case .group(let group): description = "webpubsub.\(permission.rawValue).\(group)"
        case .pattern(let pattern): description = "webpubsub.\(permission.rawValue)s.\(pattern)"
        }
    }

    /// Parses a role string. The `webpubsub.` names are matched case-insensitively; the group or
    /// pattern after them is kept exactly.
    /// - Throws: ``PubSubError`` `invalidRole` naming the role and listing the valid forms.
    public init(parsing text: String) throws(PubSubError) {
        for permission in GroupPermission.allCases {
            let literal = "webpubsub.\(permission.rawValue)"
            if text.lowercased() == literal.lowercased() {
                self.permission = permission
                scope = .anyGroup
                description = text
                return
            }
            if let group = Self.suffix(of: text, after: literal + ".") {
                guard !group.isEmpty else { break }
                self.permission = permission
                scope = .group(group)
                description = text
                return
            }
            if let pattern = Self.suffix(of: text, after: literal + "s.") {
                guard !pattern.isEmpty else { break }
                self.permission = permission
                scope = .pattern(try GroupPattern(parsing: pattern))
                description = text
                return
            }
        }
        throw PubSubError(
            .invalidRole,
            "role \"\(text)\" is not a Web PubSub role",
            hint: "use webpubsub.joinLeaveGroup, webpubsub.sendToGroup, webpubsub.joinLeaveGroup.<group>, "
                + "webpubsub.sendToGroup.<group>, webpubsub.joinLeaveGroups.<pattern> or webpubsub.sendToGroups.<pattern>",
            exitStatus: .usage
        )
    }

    /// Whether this role grants `permission` on `group`.
    public func grants(_ permission: GroupPermission, on group: String) -> Bool {
        guard permission == self.permission else { return false }
        switch scope {
        case .anyGroup: return true
        case .group(let scoped): return scoped == group
        case .pattern(let pattern): return pattern.matches(group)
        }
    }

    private static func suffix(of text: String, after prefix: String) -> String? {
        guard text.count >= prefix.count, text.prefix(prefix.count).lowercased() == prefix.lowercased() else { return nil }
        return String(text.dropFirst(prefix.count))
    }
}

extension PubSubError.Code {
    public static let invalidRole = Self("invalidRole")
}
