import Foundation

/// The query parameters and small JSON bodies of the REST data plane (protocol reference §7.2),
/// read and range-checked in one place: every value from the request is checked here, and a bad
/// one is a 400 with Azure's error shape that names the parameter, its range and what was sent.
public struct RESTParameters: Sendable {
    public let query: RequestQuery

    public init(_ query: RequestQuery) {
        self.query = query
    }

    /// The api-versions this service answers (any other is a 400 InvalidApiVersion).
    public static let supportedAPIVersions: Set<String> = [
        "2020-10-01", "2021-01-01", "2021-05-01-preview", "2021-08-01-preview", "2021-10-01",
        "2022-10-01-preview", "2022-11-01", "2023-07-01", "2024-01-01", "2024-12-01",
    ]

    /// Longest value quoted back in an error message.
    static let quoteLimit = 40

    private static func quoted(_ text: String) -> String {
        text.count > quoteLimit ? String(text.prefix(quoteLimit)) + "…" : text
    }

    /// Checks `api-version` when present (absent is taken, as the SDKs always send one).
    public func checkAPIVersion() throws(Refusal) {
        if let version = query.value("api-version"), !Self.supportedAPIVersions.contains(version) {
            throw Refusal(
                .badRequest,
                "InvalidApiVersion",
                "api-version '\(Self.quoted(version))' is not supported; use 2024-01-01 or 2024-12-01"
            )
        }
    }

    /// `messageTtlSeconds` of a send: 0 to 300, 0 meaning the message never expires (nil).
    public func messageTTL() throws(Refusal) -> Duration? {
        guard let text = query.value("messageTtlSeconds") else { return nil }
        guard let seconds = Int(text), (0...300).contains(seconds) else {
            throw Refusal(.badRequest, "InvalidMessageTtl", "messageTtlSeconds must be an integer from 0 to 300 (got '\(Self.quoted(text))')")
        }
        return seconds == 0 ? nil : .seconds(seconds)
    }

    /// The OData `filter` of a send or a group change, when not empty (§7.3).
    public func filter() throws(Refusal) -> ConnectionFilter? {
        try Self.filter(query.value("filter"))
    }

    /// Parses a filter from a parameter or a body; nil or empty means none.
    public static func filter(_ text: String?) throws(Refusal) -> ConnectionFilter? {
        guard let text, !text.isEmpty else { return nil }
        do {
            return try ConnectionFilter(parsing: text)
        } catch {
            throw Refusal(.badRequest, "InvalidFilter", error.message)
        }
    }

    /// The connection ids in `excluded` (repeatable).
    public var excluded: Set<String> { Set(query.values("excluded")) }

    /// The `reason` of a close, or the service's default.
    public var closeReason: String {
        query.value("reason").flatMap { $0.isEmpty ? nil : $0 } ?? "Closed by app server"
    }

    /// `targetName` of a permission call: a group, or nil for every group.
    public func permissionTarget() throws(Refusal) -> String? {
        guard let target = query.value("targetName"), !target.isEmpty else { return nil }
        return try Self.group(target)
    }

    /// A group name from a path or a parameter.
    public static func group(_ group: String) throws(Refusal) -> String {
        if let problem = GroupName.problem(with: group) {
            throw Refusal(.badRequest, "InvalidGroupName", problem)
        }
        return group
    }

    /// A permission name from a path.
    public static func permission(_ name: String) throws(Refusal) -> GroupPermission {
        guard let permission = GroupPermission(rawValue: name) else {
            throw Refusal(.badRequest, "InvalidPermission", "permission '\(quoted(name))' is not sendToGroup or joinLeaveGroup")
        }
        return permission
    }

    // MARK: :generateToken

    /// What `:generateToken` is asked to mint.
    public struct TokenRequest: Sendable {
        public var userId: String?
        public var roles: [Role]
        public var groups: [String]
        /// `minutesToExpire` in minutes: 1 to Int32.max (the REST spec types it as a 32-bit
        /// integer; its lifetime in seconds cannot overflow), 60 when absent.
        public var minutes: Int64
        public var clientProtocol: ClientProtocol
    }

    public func tokenRequest() throws(Refusal) -> TokenRequest {
        var minutes: Int64 = 60
        if let text = query.value("minutesToExpire") {
            guard let value = Int64(text), (1...Int64(Int32.max)).contains(value) else {
                throw Refusal(
                    .badRequest,
                    "InvalidMinutesToExpire",
                    "minutesToExpire must be an integer from 1 to \(Int32.max) (got '\(Self.quoted(text))')"
                )
            }
            minutes = value
        }
        var roles: [Role] = []
        for text in query.values("role") {
            do {
                roles.append(try Role(parsing: text))
            } catch {
                // A pattern role says what is wrong with its pattern (the reason only: the role
                // itself is quoted short).
                let why = error.message.range(of: GroupPattern.whyMarker).map { ": its group pattern" + String(error.message[$0.lowerBound...]) } ?? ""
                throw Refusal(.badRequest, "InvalidRole", "role '\(Self.quoted(text))' is not a Web PubSub role\(why)")
            }
        }
        let groups = query.values("group")
        for group in groups { _ = try Self.group(group) }
        let clientProtocol: ClientProtocol
        switch query.value("clientType")?.lowercased() {
        case nil, "default": clientProtocol = .default
        case "mqtt": clientProtocol = .mqtt
        case "socketio": clientProtocol = .socketio
        case let other?:
            throw Refusal(.badRequest, "InvalidClientType", "clientType '\(Self.quoted(other))' is not Default, MQTT or SocketIO")
        }
        return TokenRequest(
            userId: query.value("userId").flatMap { $0.isEmpty ? nil : $0 },
            roles: roles,
            groups: groups,
            minutes: minutes,
            clientProtocol: clientProtocol
        )
    }

    // MARK: Paging (2024-12-01 list of a group's connections)

    /// A page of a listing: where it starts, how long it is, and the `top` bound on the whole.
    public struct Page: Sendable, Equatable {
        /// 1 to 200 (`maxpagesize`, 200 when absent).
        public var size: Int
        /// At most this many items over all pages (`top`), Int.max when absent.
        public var top: Int
        /// Where the page starts (`continuationToken`, which this service issues as an offset).
        public var offset: Int

        /// The range of the page in a listing of `count` items, and whether a next page follows.
        /// Safe for any offset (clamped before the page size is added).
        public func range(in count: Int) -> (range: Range<Int>, hasMore: Bool) {
            let end = min(count, top)
            let start = min(offset, end)
            let pageEnd = min(end, start + size)
            return (start..<pageEnd, pageEnd < end)
        }
    }

    public func page() throws(Refusal) -> Page {
        var page = Page(size: 200, top: .max, offset: 0)
        if let text = query.value("maxpagesize") {
            guard let value = Int(text), (1...200).contains(value) else {
                throw Refusal(.badRequest, "InvalidMaxPageSize", "maxpagesize must be from 1 to 200 (got '\(Self.quoted(text))')")
            }
            page.size = value
        }
        if let text = query.value("top") {
            guard let value = Int(text), value >= 1 else {
                throw Refusal(.badRequest, "InvalidTop", "top must be a positive integer (got '\(Self.quoted(text))')")
            }
            page.top = value
        }
        if let token = query.value("continuationToken") {
            guard let value = Int(token), value >= 0 else {
                throw Refusal(.badRequest, "InvalidContinuationToken", "continuationToken '\(Self.quoted(token))' was not issued by this service")
            }
            page.offset = value
        }
        return page
    }

    // MARK: :addToGroups / :removeFromGroups

    /// The body of `:addToGroups` and `:removeFromGroups`: `{"groups": [...], "filter": "..."}`.
    public struct GroupsChange: Sendable {
        public var groups: [String]
        public var filter: ConnectionFilter?
    }

    /// Parses that body (already bounded in size by the caller).
    public static func groupsChange(_ body: some Collection<UInt8>) throws(Refusal) -> GroupsChange {
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body)),
            case .array(let rawGroups)? = object["groups"]
        else {
            throw Refusal(.badRequest, "InvalidRequest", "the body must be {\"groups\":[…],\"filter\":\"…\"}")
        }
        var groups: [String] = []
        for raw in rawGroups {
            guard case .string(let group) = raw else { throw Refusal(.badRequest, "InvalidGroupName", "groups must be strings") }
            groups.append(try Self.group(group))
        }
        var filter: ConnectionFilter?
        if case .string(let text)? = object["filter"] { filter = try Self.filter(text) }
        return GroupsChange(groups: groups, filter: filter)
    }
}
