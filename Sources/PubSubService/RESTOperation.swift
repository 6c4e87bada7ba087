import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PubSubCore

/// One authenticated REST call on a hub: the operations of §7.2.
struct RESTOperation {
    let registry: HubRegistry
    var request: Request
    let hub: String
    let keys: [String]
    let logger: Logger
    /// Connections a send was queued for, for the trace's `rest` record.
    private(set) var recipients: Int?

    private var query: Parameters { request.uri.queryParameters }
    private func parameter(_ name: String) -> String? { query.get(name) }
    private func parameters(_ name: String) -> [String] { query.getAll(name) }

    mutating func dispatch(_ path: [String]) async throws(RESTFailure) -> Response {
        let method = request.method
        switch (method, path.count, path.first) {
        case (.post, 1, ":send"):
            let recipients = try filtered(registry.connections(hub: hub))
            return try await send(to: recipients, source: .server, excluded: Set(parameters("excluded")), target: .hub, sse: .server)
        case (.post, 3, "groups") where path[2] == ":send":
            let group = try validGroup(path[1])
            let recipients = try filtered(registry.connections(hub: hub, group: group))
            return try await send(
                to: recipients,
                source: .group(group, fromUserId: nil),
                excluded: Set(parameters("excluded")),
                target: .group(group),
                sse: .group(group)
            )
        case (.post, 3, "users") where path[2] == ":send":
            let recipients = try filtered(registry.connections(hub: hub, user: path[1]))
            return try await send(to: recipients, source: .server, excluded: [], target: .user(path[1]))
        case (.post, 3, "connections") where path[2] == ":send":
            let recipients = registry.connection(hub: hub, id: path[1]).map { [$0] } ?? []
            return try await send(to: recipients, source: .server, excluded: [], target: .connection(path[1]))
        case (.post, 1, ":closeConnections"):
            return close(registry.connections(hub: hub))
        case (.post, 3, "groups") where path[2] == ":closeConnections":
            return close(registry.connections(hub: hub, group: try validGroup(path[1])))
        case (.post, 3, "users") where path[2] == ":closeConnections":
            return close(registry.connections(hub: hub, user: path[1]))
        case (.delete, 2, "connections"):
            if let connection = registry.connection(hub: hub, id: path[1]) {
                registry.close(connection, reason: closeReason)
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
                throw RESTFailure(
                    .badRequest,
                    "TooManyGroups",
                    "connection '\(member.id)' is already in \(registry.configuration.maxGroupsPerConnection) groups, the most the service allows"
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
                if registry.tracer.isActive {
                    for group in registry.groups(of: member).sorted() { traceMembership(joining: false, connection: member, group: group) }
                }
                registry.leaveAll(member)
            }
            return Response(status: .noContent)
        case (.put, 4, "users") where path[2] == "groups":
            let group = try validGroup(path[3])
            registry.addUser(hub: hub, user: path[1], group: group)
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
            throw RESTFailure(.notFound, "NotFound", "no operation \(method.rawValue) /api/hubs/\(hub)/\(path.joined(separator: "/"))")
        }
    }

    // MARK: Sends

    private mutating func send(
        to recipients: [ClientConnection],
        source: PreparedMessage.Source,
        excluded: Set<String>,
        target: PublishTrace.Target,
        sse: SSEStream? = nil
    ) async throws(RESTFailure) -> Response {
        var deadline: ContinuousClock.Instant?
        if let ttl = parameter("messageTtlSeconds") {
            guard let seconds = Int(ttl), (0...300).contains(seconds) else {
                throw RESTFailure(.badRequest, "InvalidMessageTtl", "messageTtlSeconds must be an integer from 0 to 300 (got '\(ttl)')")
            }
            // 0 means the message never expires.
            if seconds > 0 { deadline = .now + .seconds(seconds) }
        }
        let payload = try await readPayload()
        var prepared = PreparedMessage(source: source, payload: payload)
        prepared.deadline = deadline
        let delivered = registry.publish(
            prepared,
            to: recipients,
            excluding: excluded,
            trace: PublishTrace(hub: hub, origin: .rest, target: target, payload: payload)
        )
        self.recipients = delivered
        // SSE readers are not connections: a filtered send is for the connections it selects only.
        if let sse, parameter("filter")?.isEmpty ?? true { registry.sse.publish(payload, hub: hub, to: sse) }
        logger.debug("REST send", metadata: ["pubsub.hub": "\(hub)", "recipients": "\(delivered)"])
        return Response(status: .accepted)
    }

    private mutating func readPayload() async throws(RESTFailure) -> Payload {
        try await Payload.read(from: request, limit: registry.configuration.maxRESTBodySize)
    }

    private func filtered(_ connections: [ClientConnection]) throws(RESTFailure) -> [ClientConnection] {
        guard let text = parameter("filter"), !text.isEmpty else { return connections }
        let filter = try parseFilter(text)
        return connections.filter { filter.matches(subject(of: $0)) }
    }

    private func parseFilter(_ text: String) throws(RESTFailure) -> ConnectionFilter {
        do {
            return try ConnectionFilter(parsing: text)
        } catch {
            throw RESTFailure(.badRequest, "InvalidFilter", error.message)
        }
    }

    private func subject(of connection: ClientConnection) -> ConnectionFilter.Subject {
        ConnectionFilter.Subject(connectionId: connection.id, userId: connection.userId, groups: registry.groups(of: connection))
    }

    // MARK: Connections and groups

    private var closeReason: String {
        parameter("reason").flatMap { $0.isEmpty ? nil : $0 } ?? "Closed by app server"
    }

    private func close(_ connections: [ClientConnection]) -> Response {
        let excluded = Set(parameters("excluded"))
        for connection in connections where !excluded.contains(connection.id) {
            registry.close(connection, reason: closeReason)
        }
        return Response(status: .noContent)
    }

    /// A `join` or `leave` record for a REST membership change of a connection or a user.
    private func traceMembership(joining: Bool, connection: ClientConnection? = nil, user: String? = nil, group: String?) {
        registry.tracer.record {
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

    private func connection(_ id: String) throws(RESTFailure) -> ClientConnection {
        guard let connection = registry.connection(hub: hub, id: id) else {
            throw RESTFailure(.notFound, "ConnectionNotFound", "connection '\(id)' does not exist in hub '\(hub)'")
        }
        return connection
    }

    private func validGroup(_ group: String) throws(RESTFailure) -> String {
        if let problem = GroupName.problem(with: group) {
            throw RESTFailure(.badRequest, "InvalidGroupName", problem)
        }
        return group
    }

    private mutating func changeGroupsByFilter(adding: Bool) async throws(RESTFailure) -> Response {
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: registry.configuration.maxRESTBodySize)
        } catch {
            throw RESTFailure(.contentTooLarge, "PayloadTooLarge", "the request body is too large")
        }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)),
            case .array(let rawGroups)? = object["groups"]
        else {
            throw RESTFailure(.badRequest, "InvalidRequest", "the body must be {\"groups\":[…],\"filter\":\"…\"}")
        }
        var groups: [String] = []
        for raw in rawGroups {
            guard case .string(let group) = raw else { throw RESTFailure(.badRequest, "InvalidGroupName", "groups must be strings") }
            groups.append(try validGroup(group))
        }
        var connections = registry.connections(hub: hub)
        if case .string(let text)? = object["filter"], !text.isEmpty {
            let filter = try parseFilter(text)
            connections = connections.filter { filter.matches(subject(of: $0)) }
        }
        for connection in connections {
            for group in groups {
                if adding { registry.join(connection, group: group) } else { registry.leave(connection, group: group) }
                traceMembership(joining: adding, connection: connection, group: group)
            }
        }
        return Response(status: .ok)
    }

    private func permission(_ name: String, connectionId: String) throws(RESTFailure) -> Response {
        guard let permission = GroupPermission(rawValue: name) else {
            throw RESTFailure(.badRequest, "InvalidPermission", "permission '\(name)' is not sendToGroup or joinLeaveGroup")
        }
        let target = parameter("targetName").flatMap { $0.isEmpty ? nil : $0 }
        if let target { _ = try validGroup(target) }
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

    private func generateToken() throws(RESTFailure) -> Response {
        var minutes: Int64 = 60
        if let text = parameter("minutesToExpire") {
            // The REST spec types it as a 32-bit integer; anything from 1 to its maximum (about 4,000
            // years) is taken, and the lifetime in seconds cannot overflow.
            guard let value = Int64(text), (1...Int64(Int32.max)).contains(value) else {
                throw RESTFailure(
                    .badRequest,
                    "InvalidMinutesToExpire",
                    "minutesToExpire must be an integer from 1 to \(Int32.max) (got '\(text.prefix(40))')"
                )
            }
            minutes = value
        }
        var roles: [Role] = []
        for text in parameters("role") {
            guard let role = try? Role(parsing: text) else {
                throw RESTFailure(.badRequest, "InvalidRole", "role '\(text)' is not a Web PubSub role")
            }
            roles.append(role)
        }
        let groups = parameters("group")
        for group in groups { _ = try validGroup(group) }
        let clientProtocol: ClientProtocol
        switch parameter("clientType")?.lowercased() {
        case nil, "default": clientProtocol = .default
        case "mqtt": clientProtocol = .mqtt
        case "socketio": clientProtocol = .socketio
        case let other?:
            throw RESTFailure(.badRequest, "InvalidClientType", "clientType '\(other)' is not Default, MQTT or SocketIO")
        }
        let authority = request.head.authority ?? "localhost"
        guard let endpoint = try? ServiceEndpoint(parsing: "http://\(authority)") else {
            throw RESTFailure(.badRequest, "InvalidHost", "the Host header '\(authority)' is not a host name")
        }
        let minter = TokenMinter(connectionString: ConnectionString(endpoint: endpoint, accessKey: keys[0]))
        let access = minter.clientAccess(
            ClientTokenRequest(
                hub: hub,
                userId: parameter("userId").flatMap { $0.isEmpty ? nil : $0 },
                roles: roles,
                groups: groups,
                lifetime: .seconds(minutes * 60),
                clientProtocol: clientProtocol
            )
        )
        return jsonResponse(JSONValue.render(orderedObject: [("token", .string(access.token))]))
    }

    private func listConnections(group: String) throws(RESTFailure) -> Response {
        var pageSize = 200
        if let text = parameter("maxpagesize") {
            guard let value = Int(text), (1...200).contains(value) else {
                throw RESTFailure(.badRequest, "InvalidMaxPageSize", "maxpagesize must be from 1 to 200 (got '\(text)')")
            }
            pageSize = value
        }
        var top = Int.max
        if let text = parameter("top") {
            guard let value = Int(text), value >= 1 else {
                throw RESTFailure(.badRequest, "InvalidTop", "top must be a positive integer (got '\(text)')")
            }
            top = value
        }
        var offset = 0
        if let token = parameter("continuationToken") {
            guard let value = Int(token), value >= 0 else {
                throw RESTFailure(.badRequest, "InvalidContinuationToken", "continuationToken '\(token)' was not issued by this service")
            }
            offset = value
        }
        let members = registry.connections(hub: hub, group: group).sorted { $0.id < $1.id }
        let end = min(members.count, top)
        // `offset` may be anything up to Int.max: clamp it before adding the page size.
        let pageEnd = min(end, min(offset, end) + pageSize)
        let page = offset < pageEnd ? Array(members[offset..<pageEnd]) : []
        var document: [(String, JSONValue)] = [
            (
                "value",
                .array(
                    page.map { connection in
                        var item: [String: JSONValue] = ["connectionId": .string(connection.id)]
                        if let user = connection.userId { item["userId"] = .string(user) }
                        return .object(item)
                    }
                )
            )
        ]
        if pageEnd < end {
            var components = URLComponents()
            components.path = request.uri.path
            var items = [URLQueryItem(name: "continuationToken", value: String(pageEnd)), URLQueryItem(name: "maxpagesize", value: String(pageSize))]
            if top != Int.max { items.append(URLQueryItem(name: "top", value: String(top))) }
            if let version = parameter("api-version") { items.append(URLQueryItem(name: "api-version", value: version)) }
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
