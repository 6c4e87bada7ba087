import Foundation

/// What a `connect` event handler may say in a 200 answer's JSON body (protocol reference §8.4):
/// the user, groups to join, roles and the subprotocol. Read from bytes the app server sent, so
/// every member is checked for its type and every group name for validity.
///
/// ```swift
/// let answer = try ConnectAnswer(json: Data(#"{"userId":"alice","groups":["g1"]}"#.utf8))
/// answer.userId  // .some("alice")
/// ```
public struct ConnectAnswer: Sendable, Equatable {
    /// The user the connection becomes: nil when the answer does not name one (the token's
    /// stays); `.some(nil)` for an empty string (no user).
    public var userId: String??
    /// Groups to join, in addition to the token's.
    public var groups: [String] = []
    /// Roles granted, in addition to the token's; unknown role strings grant nothing, as in tokens.
    public var roles: [Role] = []
    /// The subprotocol the handler chose, when it chose one.
    public var subprotocol: String?

    /// Why an answer cannot be used: what it holds, in the words of "answered 200 with …".
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads the answer's body.
    /// - Throws: ``Problem`` naming the member that is wrong.
    public init(json body: some DataProtocol) throws(Problem) {
        guard let object = JSONValue.parseObject(Data(body)) else {
            throw Problem(description: "a body that is not a JSON object (expected {\"userId\":…,\"groups\":[…],\"roles\":[…],\"subprotocol\":…})")
        }
        if let value = object["userId"], value != .null {
            guard let user = value.stringValue else { throw Problem(description: "a userId that is not a string") }
            userId = .some(user.isEmpty ? nil : user)
        }
        if let value = object["groups"], value != .null {
            let names = try Self.strings(value, "groups that are not an array of strings")
            for name in names {
                if let problem = GroupName.problem(with: name) { throw Problem(description: "the group \"\(name)\": \(problem)") }
            }
            groups = names
        }
        if let value = object["roles"], value != .null {
            roles = try Self.strings(value, "roles that are not an array of strings").compactMap { try? Role(parsing: $0) }
        }
        if let value = object["subprotocol"], value != .null {
            guard let name = value.stringValue, !name.isEmpty else {
                throw Problem(description: "a subprotocol that is not a non-empty string (omit it to keep the negotiated one)")
            }
            subprotocol = name
        }
    }

    private static func strings(_ value: JSONValue, _ problem: String) throws(Problem) -> [String] {
        guard case .array(let values) = value else { throw Problem(description: problem) }
        var names: [String] = []
        names.reserveCapacity(values.count)
        for item in values {
            guard let name = item.stringValue else { throw Problem(description: problem) }
            names.append(name)
        }
        return names
    }
}
