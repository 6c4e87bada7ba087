import PubSubCore
import Synchronization

/// Who gets a message in one hub: its connections, its groups and its users, behind a lock of the
/// hub's own, so that nothing done in one hub waits on another (a publish to one hub never waits on
/// a connect to another).
///
/// A publish takes the lock once to take the recipients (``recipients(for:)``), which a group and
/// the hub keep between publishes, partitioned by event loop (``RecipientSet``), so that a steady
/// fan-out copies nothing; membership changes rebuild them on the next publish.
final class HubRoutes: Sendable {
    private struct Table {
        var connections = GroupMembers()
        var groups: [String: GroupMembers] = [:]
        var connectionGroups: [String: Set<String>] = [:]
        var users: [String: [String: ClientConnection]] = [:]

        /// Adds `connection` to `group`; false when it is already in `limit` other groups.
        mutating func join(_ connection: ClientConnection, _ group: String, limit: Int) -> Bool {
            if let current = connectionGroups[connection.id], current.count >= limit, !current.contains(group) { return false }
            groups[group, default: GroupMembers()][connection.id] = connection
            connectionGroups[connection.id, default: []].insert(group)
            return true
        }

        mutating func leave(_ id: String, _ group: String) {
            groups[group]?[id] = nil
            if groups[group]?.isEmpty == true { groups[group] = nil }
            connectionGroups[id]?.remove(group)
        }

        func isMember(_ connection: ClientConnection) -> Bool {
            connections[connection.id] === connection
        }
    }

    /// Lower-cased hub key.
    let key: String
    /// ``ServiceConfiguration/maxGroupsPerConnection``.
    let maxGroupsPerConnection: Int
    private let table = Mutex(Table())

    init(key: String, maxGroupsPerConnection: Int) {
        self.key = key
        self.maxGroupsPerConnection = maxGroupsPerConnection
    }

    // MARK: Connections

    /// Adds a new connection and joins its initial groups (the token's).
    func add(_ connection: ClientConnection, groups initialGroups: [String]) {
        let limit = maxGroupsPerConnection
        table.withLock { table in
            table.connections[connection.id] = connection
            if let user = connection.userId {
                table.users[user, default: [:]][connection.id] = connection
            }
            for group in initialGroups { _ = table.join(connection, group, limit: limit) }
        }
    }

    /// Removes a connection from every map; false when it was not (or no longer) there.
    @discardableResult
    func remove(_ connection: ClientConnection) -> Bool {
        table.withLock { table in
            guard table.isMember(connection) else { return false }
            table.connections[connection.id] = nil
            for group in table.connectionGroups.removeValue(forKey: connection.id) ?? [] {
                table.groups[group]?[connection.id] = nil
                if table.groups[group]?.isEmpty == true { table.groups[group] = nil }
            }
            if let user = connection.userId {
                table.users[user]?[connection.id] = nil
                if table.users[user]?.isEmpty == true { table.users[user] = nil }
            }
            return true
        }
    }

    func connection(id: String) -> ClientConnection? {
        table.withLock { $0.connections[id] }
    }

    /// Every connection of the hub.
    func connections() -> [ClientConnection] {
        table.withLock { $0.connections.members }
    }

    func connections(user: String) -> [ClientConnection] {
        table.withLock { $0.users[user].map { Array($0.values) } ?? [] }
    }

    func connections(group: String) -> [ClientConnection] {
        table.withLock { $0.groups[group]?.members ?? [] }
    }

    /// How many connections `user` holds here.
    func connectionCount(user: String) -> Int {
        table.withLock { $0.users[user]?.count ?? 0 }
    }

    func groups(of connection: ClientConnection) -> Set<String> {
        table.withLock { $0.connectionGroups[connection.id] ?? [] }
    }

    func groupExists(_ group: String) -> Bool {
        table.withLock { $0.groups[group]?.isEmpty == false }
    }

    func userExists(_ user: String) -> Bool {
        table.withLock { $0.users[user]?.isEmpty == false }
    }

    // MARK: Groups

    /// Adds a connection to a group.
    /// - Returns: false when the connection is already in ``maxGroupsPerConnection`` other groups
    ///   (it is not added); true otherwise, also when it is gone or already a member.
    func join(_ connection: ClientConnection, group: String) -> Bool {
        let limit = maxGroupsPerConnection
        return table.withLock { table in
            guard table.isMember(connection) else { return true }
            return table.join(connection, group, limit: limit)
        }
    }

    func leave(_ connection: ClientConnection, group: String) {
        table.withLock { $0.leave(connection.id, group) }
    }

    func leaveAll(_ connection: ClientConnection) {
        table.withLock { table in
            for group in table.connectionGroups[connection.id] ?? [] { table.leave(connection.id, group) }
        }
    }

    /// Adds the user's connections to a group; false when the user has none here (REST answers
    /// 404, as Azure does). Membership is the connections', not the user's: a connection the user
    /// opens later starts in no group but its token's, as in Azure. A connection already in
    /// ``maxGroupsPerConnection`` groups is skipped.
    func addUser(_ user: String, group: String) -> Bool {
        let limit = maxGroupsPerConnection
        return table.withLock { table in
            guard let connections = table.users[user], !connections.isEmpty else { return false }
            for connection in connections.values { _ = table.join(connection, group, limit: limit) }
            return true
        }
    }

    /// Removes the user's connections from one group, or from all when `group` is nil.
    func removeUser(_ user: String, group: String?) {
        table.withLock { table in
            guard let ids = table.users[user]?.keys else { return }
            for id in ids {
                for member in group.map({ [$0] }) ?? Array(table.connectionGroups[id] ?? []) {
                    table.leave(id, member)
                }
            }
        }
    }

    // MARK: Publishing

    /// The connections a publication to `target` reaches, before exclusions and filters.
    func recipients(for target: Publication.Target) -> RecipientSet {
        switch target {
        case .hub: return table.withLock { $0.connections.recipients() }
        case .group(let group): return table.withLock { $0.groups[group]?.recipients() } ?? RecipientSet()
        case .user(let user): return RecipientSet(connections(user: user))
        case .connection(let id): return RecipientSet(connection(id: id).map { [$0] } ?? [])
        }
    }

    /// What an OData filter sees of a connection (§7.3).
    func subject(of connection: ClientConnection) -> ConnectionFilter.Subject {
        ConnectionFilter.Subject(connectionId: connection.id, userId: connection.userId, groups: groups(of: connection))
    }
}
