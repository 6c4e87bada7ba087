import AsyncHTTPClient
import Foundation
import NIOCore
import PubSubCore

/// The REST data plane's management operations (protocol reference §7.2): group membership,
/// connections, users, permissions and the health check, for the local service and Azure alike.
/// Each call is signed, retried and reported as ``RESTClient/send(_:as:to:options:)`` is.
extension RESTClient {
    /// Connections to close all at once.
    public enum Scope: Sendable, Equatable {
        case hub
        case group(String)
        case user(String)
    }

    /// A group permission a connection holds.
    public enum Permission: String, Sendable, CaseIterable {
        case sendToGroup
        case joinLeaveGroup
    }

    /// One entry of a group's connection listing.
    public struct GroupMember: Sendable, Equatable {
        public var connectionId: String
        public var userId: String?
    }

    private var hubPath: String { "/api/hubs/\(Self.encode(hub))" }
    private func query(_ extra: [(String, String)] = []) -> [(String, String)] { extra + [("api-version", apiVersion)] }

    // MARK: Groups

    public func addConnection(_ connectionId: String, toGroup group: String) async throws(PubSubError) {
        try await execute(.PUT, path: "\(hubPath)/groups/\(Self.encode(group))/connections/\(Self.encode(connectionId))", query: query())
    }

    public func removeConnection(_ connectionId: String, fromGroup group: String) async throws(PubSubError) {
        try await execute(.DELETE, path: "\(hubPath)/groups/\(Self.encode(group))/connections/\(Self.encode(connectionId))", query: query())
    }

    /// Adds a user to a group: their connections now, and those they open later.
    public func addUser(_ user: String, toGroup group: String) async throws(PubSubError) {
        try await execute(.PUT, path: "\(hubPath)/users/\(Self.encode(user))/groups/\(Self.encode(group))", query: query())
    }

    /// Removes a user from one group, or from every group when `group` is nil.
    public func removeUser(_ user: String, fromGroup group: String?) async throws(PubSubError) {
        let path = "\(hubPath)/users/\(Self.encode(user))/groups" + (group.map { "/\(Self.encode($0))" } ?? "")
        try await execute(.DELETE, path: path, query: query())
    }

    /// Adds (or removes) the connections an OData filter selects to (or from) several groups.
    public func changeGroups(adding: Bool, groups: [String], filter: String?) async throws(PubSubError) {
        var body: [(String, JSONValue)] = [("groups", .array(groups.map(JSONValue.string)))]
        if let filter { body.append(("filter", .string(filter))) }
        try await execute(
            .POST,
            path: "\(hubPath)/\(adding ? ":addToGroups" : ":removeFromGroups")",
            query: query(),
            body: Array(JSONValue.render(orderedObject: body).utf8),
            contentType: "application/json"
        )
    }

    /// Whether the group has any connection.
    public func groupExists(_ group: String) async throws(PubSubError) -> Bool {
        try await execute(.HEAD, path: "\(hubPath)/groups/\(Self.encode(group))", query: query(), absentIs404: true) != nil
    }

    /// A group's connections, following `nextLink` page by page (api-version 2024-12-01).
    /// - Parameter top: at most this many in all.
    public func connections(inGroup group: String, top: Int? = nil, pageSize: Int = 200) async throws(PubSubError) -> [GroupMember] {
        var members: [GroupMember] = []
        var extra: [(String, String)] = [("maxpagesize", String(pageSize))]
        if let top { extra.append(("top", String(top))) }
        var path = "\(hubPath)/groups/\(Self.encode(group))/connections"
        var pageQuery = query(extra)
        // Bounded: a service that keeps answering with a nextLink cannot keep this loop going.
        for _ in 0..<100_000 {
            guard let body = try await execute(.GET, path: path, query: pageQuery) else { break }
            guard let page = try? JSONValue.parse(Array(body.readableBytesView), what: "the listing").objectValue,
                case .array(let values)? = page["value"]
            else {
                throw PubSubError(.serviceRejected, "the service's listing of group \(group) is not {\"value\":[…]}", exitStatus: .serviceError)
            }
            for value in values {
                guard let object = value.objectValue, let id = object["connectionId"]?.stringValue else { continue }
                members.append(GroupMember(connectionId: id, userId: object["userId"]?.stringValue))
                if let top, members.count >= top { return members }
            }
            guard let next = page["nextLink"]?.stringValue, let link = URLComponents(string: next) else { return members }
            path = link.path.isEmpty ? path : link.path
            pageQuery = (link.queryItems ?? []).map { ($0.name, $0.value ?? "") }
            if !pageQuery.contains(where: { $0.0 == "api-version" }) { pageQuery.append(("api-version", apiVersion)) }
        }
        return members
    }

    // MARK: Connections

    /// Closes one connection (a JSON client is told `reason` in its `disconnected` message).
    public func closeConnection(_ connectionId: String, reason: String? = nil) async throws(PubSubError) {
        try await execute(.DELETE, path: "\(hubPath)/connections/\(Self.encode(connectionId))", query: query(reason.map { [("reason", $0)] } ?? []))
    }

    public func connectionExists(_ connectionId: String) async throws(PubSubError) -> Bool {
        try await execute(.HEAD, path: "\(hubPath)/connections/\(Self.encode(connectionId))", query: query(), absentIs404: true) != nil
    }

    /// Closes every connection of the hub, a group or a user, but the excluded ones.
    public func closeConnections(of scope: Scope, excluding excluded: [String] = [], reason: String? = nil) async throws(PubSubError) {
        let path: String
        switch scope {
        case .hub: path = "\(hubPath)/:closeConnections"
        case .group(let group): path = "\(hubPath)/groups/\(Self.encode(group))/:closeConnections"
        case .user(let user): path = "\(hubPath)/users/\(Self.encode(user))/:closeConnections"
        }
        var extra = excluded.map { ("excluded", $0) }
        if let reason { extra.append(("reason", reason)) }
        try await execute(.POST, path: path, query: query(extra), expecting: 204)
    }

    // MARK: Users

    /// Whether the user has any connection.
    public func userExists(_ user: String) async throws(PubSubError) -> Bool {
        try await execute(.HEAD, path: "\(hubPath)/users/\(Self.encode(user))", query: query(), absentIs404: true) != nil
    }

    // MARK: Permissions

    private func permissionPath(_ permission: Permission, _ connectionId: String) -> String {
        "\(hubPath)/permissions/\(permission.rawValue)/connections/\(Self.encode(connectionId))"
    }

    /// Grants a permission for one group (`targetName`), or for every group when `group` is nil.
    public func grant(_ permission: Permission, to connectionId: String, group: String?) async throws(PubSubError) {
        try await execute(.PUT, path: permissionPath(permission, connectionId), query: query(group.map { [("targetName", $0)] } ?? []))
    }

    public func revoke(_ permission: Permission, from connectionId: String, group: String?) async throws(PubSubError) {
        try await execute(.DELETE, path: permissionPath(permission, connectionId), query: query(group.map { [("targetName", $0)] } ?? []))
    }

    /// Whether the connection holds the permission for the group (or for every group).
    public func has(_ permission: Permission, connectionId: String, group: String?) async throws(PubSubError) -> Bool {
        try await execute(.HEAD, path: permissionPath(permission, connectionId), query: query(group.map { [("targetName", $0)] } ?? []), absentIs404: true) != nil
    }

    // MARK: The service

    /// `HEAD /api/health`: true when the service answers 200. Not retried (a readiness probe
    /// retries itself); an unreachable service is an error.
    public func healthy() async throws(PubSubError) -> Bool {
        var client = self
        client.retries = 0
        return try await client.execute(.HEAD, path: "/api/health", query: [], absentIs404: true) != nil
    }
}
