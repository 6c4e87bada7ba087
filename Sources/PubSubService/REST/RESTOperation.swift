import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PubSubCore

/// One authenticated REST call on a hub: the operations of §7.2.
struct RESTOperation {
    let registry: HubRegistry
    let context: ServiceContext
    var request: Request
    let hub: String
    /// Connections a send was queued for, for the trace's `rest` record.
    private(set) var recipients: Int?

    /// The query, read and range-checked by Core.
    let parameters: RESTParameters

    init(registry: HubRegistry, context: ServiceContext, request: Request, hub: String, parameters: RESTParameters) {
        self.registry = registry
        self.context = context
        self.request = request
        self.hub = hub
        self.parameters = parameters
    }

    mutating func dispatch(_ path: [String]) async throws(Refusal) -> Response {
        let method = request.method
        switch (method, path.count, path.first) {
        case (.post, 1, ":send"):
            return try await send(to: .hub, source: .server, excluded: parameters.excluded, filtered: true)
        case (.post, 3, "groups") where path[2] == ":send":
            let group = try validGroup(path[1])
            return try await send(to: .group(group), source: .group(group, fromUserId: nil), excluded: parameters.excluded, filtered: true)
        case (.post, 3, "users") where path[2] == ":send":
            return try await send(to: .user(path[1]), source: .server, filtered: true)
        case (.post, 3, "connections") where path[2] == ":send":
            return try await send(to: .connection(path[1]), source: .server)
        case (.post, 1, ":closeConnections"):
            return close(registry.connections(hub: hub))
        case (.post, 3, "groups") where path[2] == ":closeConnections":
            return close(registry.connections(hub: hub, group: try validGroup(path[1])))
        case (.post, 3, "users") where path[2] == ":closeConnections":
            return close(registry.connections(hub: hub, user: path[1]))
        case (.delete, 2, "connections"):
            if let connection = registry.connection(hub: hub, id: path[1]) {
                registry.close(connection, reason: parameters.closeReason)
            }
            return Response(status: .noContent)
        case (.head, 2, "connections"):
            return exists(registry.connection(hub: hub, id: path[1]) != nil)
        case (.head, 2, "groups"):
            return exists(registry.groupExists(hub: hub, group: try validGroup(path[1])))
        case (.head, 2, "users"):
            return exists(registry.userExists(hub: hub, user: path[1]))
        case (.put, 4, "groups") where path[2] == "connections":
            let group = try validGroup(path[1])
            let member = try connection(path[3])
            guard registry.join(member, group: group) else {
                throw Refusal(
                    .badRequest,
                    "TooManyGroups",
                    "connection '\(member.id)' is already in \(context.configuration.maxGroupsPerConnection) groups, the most the service allows"
                )
            }
            traceMembership(joining: true, connection: member, group: group)
            return Response(status: .ok)
        case (.delete, 4, "groups") where path[2] == "connections":
            let group = try validGroup(path[1])
            if let member = registry.connection(hub: hub, id: path[3]) {
                registry.leave(member, group: group)
                traceMembership(joining: false, connection: member, group: group)
            }
            return Response(status: .noContent)
        case (.delete, 3, "connections") where path[2] == "groups":
            if let member = registry.connection(hub: hub, id: path[1]) {
                if context.tracer.isActive {
                    for group in registry.groups(of: member).sorted() { traceMembership(joining: false, connection: member, group: group) }
                }
                registry.leaveAll(member)
            }
            return Response(status: .noContent)
        case (.put, 4, "users") where path[2] == "groups":
            let group = try validGroup(path[3])
            guard registry.addUser(hub: hub, user: path[1], group: group) else {
                throw Refusal(.notFound, "UserNotFound", "user '\(path[1])' has no connection in hub '\(hub)'")
            }
            traceMembership(joining: true, user: path[1], group: group)
            return Response(status: .ok)
        case (.delete, 4, "users") where path[2] == "groups":
            let group = try validGroup(path[3])
            registry.removeUser(hub: hub, user: path[1], group: group)
            traceMembership(joining: false, user: path[1], group: group)
            return Response(status: .noContent)
        case (.delete, 3, "users") where path[2] == "groups":
            registry.removeUser(hub: hub, user: path[1], group: nil)
            traceMembership(joining: false, user: path[1], group: nil)
            return Response(status: .noContent)
        case (.post, 1, ":addToGroups"), (.post, 1, ":removeFromGroups"):
            return try await changeGroupsByFilter(adding: path[0] == ":addToGroups")
        case (.put, 4, "permissions") where path[2] == "connections",
            (.delete, 4, "permissions") where path[2] == "connections",
            (.head, 4, "permissions") where path[2] == "connections":
            return try permission(path[1], connectionId: path[3])
        case (.post, 1, ":generateToken"):
            return try generateToken()
        case (.get, 3, "groups") where path[2] == "connections":
            return try listConnections(group: try validGroup(path[1]))
        default:
            throw Refusal(.notFound, "NotFound", "no operation \(method.rawValue) /api/hubs/\(hub)/\(path.joined(separator: "/"))")
        }
    }

    // MARK: Sends

    private mutating func send(
        to target: Publication.Target,
        source: Publication.Source,
        excluded: Set<String> = [],
        filtered: Bool = false
    ) async throws(Refusal) -> Response {
        // The parameters are checked before the body is read.
        let filter = filtered ? try parameters.filter() : nil
        let deadline = try parameters.messageTTL().map { context.configuration.clock.now() + $0 }
        var publication = Publication(hub: hub, origin: .rest, target: target, payload: try await readPayload(), source: source)
        publication.excluded = excluded
        publication.filter = filter
        publication.deadline = deadline
        let (delivered, wait) = registry.publish(publication)
        self.recipients = delivered
        context.logger.debug("REST send", metadata: ["pubsub.hub": "\(hub)", "recipients": "\(delivered)"])
        // The message is accepted: every recipient's loop has it. Only when a loop has more
        // waiting than it should does the 202 wait for it to catch up (back-pressure, LoopMailbox).
        if let wait { try? await wait.get() }
        return Response(status: .accepted)
    }

    private mutating func readPayload() async throws(Refusal) -> Message {
        try await Message.read(from: request, limit: context.configuration.maxRESTBodySize)
    }

    // MARK: Connections and groups

    private func close(_ connections: [ClientConnection]) -> Response {
        let excluded = parameters.excluded
        for connection in connections where !excluded.contains(connection.id) {
            registry.close(connection, reason: parameters.closeReason)
        }
        return Response(status: .noContent)
    }

    /// A `join` or `leave` record for a REST membership change of a connection or a user.
    private func traceMembership(joining: Bool, connection: ClientConnection? = nil, user: String? = nil, group: String?) {
        context.tracer.record {
            var record = TraceRecord(joining ? .join : .leave, hub: HubRegistry.key(hub), userId: user, group: group, details: [("via", .string("rest"))])
            if let connection {
                record.connectionId = connection.id
                record.userId = connection.userId
            }
            return record
        }
    }

    private func exists(_ found: Bool) -> Response {
        Response(status: found ? .ok : .notFound)
    }

    private func connection(_ id: String) throws(Refusal) -> ClientConnection {
        guard let connection = registry.connection(hub: hub, id: id) else {
            throw Refusal(.notFound, "ConnectionNotFound", "connection '\(id)' does not exist in hub '\(hub)'")
        }
        return connection
    }

    private func validGroup(_ group: String) throws(Refusal) -> String {
        try RESTParameters.group(group)
    }

    private mutating func changeGroupsByFilter(adding: Bool) async throws(Refusal) -> Response {
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: context.configuration.maxRESTBodySize)
        } catch {
            throw Refusal(.contentTooLarge, "PayloadTooLarge", "the request body is too large")
        }
        let change = try RESTParameters.groupsChange(body.readableBytesView)
        var connections = registry.connections(hub: hub)
        if let filter = change.filter {
            connections = connections.filter { filter.matches(registry.subject(of: $0)) }
        }
        for connection in connections {
            for group in change.groups {
                if adding { registry.join(connection, group: group) } else { registry.leave(connection, group: group) }
                traceMembership(joining: adding, connection: connection, group: group)
            }
        }
        return Response(status: .ok)
    }

    private func permission(_ name: String, connectionId: String) throws(Refusal) -> Response {
        let permission = try RESTParameters.permission(name)
        let target = try parameters.permissionTarget()
        switch request.method {
        case .head:
            guard let connection = registry.connection(hub: hub, id: connectionId) else { return Response(status: .notFound) }
            let allowed: Bool
            if let target {
                allowed = connection.isAllowed(permission, on: target)
            } else {
                // Without a target: does the connection hold the permission for every group?
                allowed = connection.isAllowed(permission, on: "\u{0}.every-group-probe")
            }
            return exists(allowed)
        case .put:
            try connection(connectionId).setPermission(permission, group: target, allowed: true)
            return Response(status: .ok)
        default:
            registry.connection(hub: hub, id: connectionId)?.setPermission(permission, group: target, allowed: false)
            return Response(status: .noContent)
        }
    }

    private func generateToken() throws(Refusal) -> Response {
        let asked = try parameters.tokenRequest()
        let authority = request.head.authority ?? "localhost"
        guard let endpoint = try? ServiceEndpoint(parsing: "http://\(authority)") else {
            throw Refusal(.badRequest, "InvalidHost", "the Host header '\(authority)' is not a host name")
        }
        let minter = TokenMinter(connectionString: ConnectionString(endpoint: endpoint, accessKey: context.configuration.accessKeys[0]))
        let access = minter.clientAccess(
            ClientTokenRequest(
                hub: hub,
                userId: asked.userId,
                roles: asked.roles,
                groups: asked.groups,
                lifetime: .seconds(asked.minutes * 60),
                clientProtocol: asked.clientProtocol
            )
        )
        return jsonResponse(JSONValue.render(orderedObject: [("token", .string(access.token))]))
    }

    private func listConnections(group: String) throws(Refusal) -> Response {
        let page = try parameters.page()
        let members = registry.connections(hub: hub, group: group).sorted { $0.id < $1.id }
        let (range, hasMore) = page.range(in: members.count)
        var document: [(String, JSONValue)] = [
            (
                "value",
                .array(
                    members[range].map { connection in
                        var item: [String: JSONValue] = ["connectionId": .string(connection.id)]
                        if let user = connection.userId { item["userId"] = .string(user) }
                        return .object(item)
                    }
                )
            )
        ]
        if hasMore {
            var components = URLComponents()
            components.path = request.uri.path
            var items = [URLQueryItem(name: "continuationToken", value: String(range.upperBound)), URLQueryItem(name: "maxpagesize", value: String(page.size))]
            if page.top != Int.max { items.append(URLQueryItem(name: "top", value: String(page.top))) }
            if let version = parameters.query.value("api-version") { items.append(URLQueryItem(name: "api-version", value: version)) }
            components.queryItems = items
            document.append(("nextLink", .string(components.string ?? request.uri.path)))
        }
        return jsonResponse(JSONValue.render(orderedObject: document))
    }

    private func jsonResponse(_ body: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }
}
