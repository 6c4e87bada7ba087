import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PubSubCore

extension EventUpstream {
    /// The `connect` event (§8.4), during the handshake: the handler admits the client as it is
    /// (204), shapes it (200 with userId, groups, roles, subprotocol), or refuses it (its 4xx status
    /// and body reach the client; 5xx becomes 500). A handler that cannot be reached or does not
    /// answer in time refuses the handshake with a reason that says so (502, 504).
    func connect(
        _ admission: ClientAdmission,
        request: Request,
        handler: EventHandlerSettings.Handler,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Result<ClientAdmission, Refusal>> {
        let hub = HubRegistry.key(admission.hub)
        let event = Event(
            hub: hub,
            name: EventHandlerSettings.SystemEvent.connect.rawValue,
            isSystem: true,
            connectionId: admission.connectionId,
            userId: admission.userId,
            subprotocol: nil,
            connectionState: nil,
            contentType: "application/json; charset=utf-8",
            body: ByteBuffer(string: Self.connectBody(admission, request: request))
        )
        return send(event, to: handler, on: eventLoop).map { answer in
            Self.admission(admission, answeredBy: answer, hub: hub)
        }
        .flatMapErrorThrowing { error in
            let status: HTTPResponse.Status
            switch error as? Failure {
            case .timedOut?: status = .gatewayTimeout
            default: status = .badGateway
            }
            return .failure(Refusal(status, "\(error)", hub: hub))
        }
    }

    /// `{"claims":…,"query":…,"headers":…,"subprotocols":…,"clientCertificates":[]}`: each of
    /// claims, query and headers maps a name to an array of strings. The access token itself (query
    /// `access_token`, header `Authorization`) is left out: its claims are there already.
    static func connectBody(_ admission: ClientAdmission, request: Request) -> String {
        var claims: [String: JSONValue] = [:]
        for (name, value) in admission.token?.claims ?? [:] {
            claims[name] = .array(strings(value).map(JSONValue.string))
        }
        var query: [String: [JSONValue]] = [:]
        for (name, value) in request.uri.queryParameters where name != "access_token" {
            query[String(name), default: []].append(.string(String(value)))
        }
        var headers: [String: [JSONValue]] = [:]
        var names: [String: String] = [:]  // lower-cased → the first spelling seen
        for field in request.headers where field.name != .authorization {
            let name = names[field.name.canonicalName, default: field.name.rawName]
            names[field.name.canonicalName] = name
            headers[name, default: []].append(.string(field.value))
        }
        return JSONValue.render(orderedObject: [
            ("claims", .object(claims)),
            ("query", .object(query.mapValues(JSONValue.array))),
            ("headers", .object(headers.mapValues(JSONValue.array))),
            ("subprotocols", .array(admission.offeredSubprotocols.map(JSONValue.string))),
            ("clientCertificates", .array([])),
        ])
    }

    /// A claim as the array of strings the `connect` body carries.
    private static func strings(_ value: JSONValue) -> [String] {
        switch value {
        case .string(let text): return [text]
        case .array(let values): return values.flatMap(strings)
        case .null: return []
        default: return [value.compactJSONString()]
        }
    }

    /// What the handler's answer makes of the admission.
    static func admission(_ admission: ClientAdmission, answeredBy answer: Answer, hub: String) -> Result<ClientAdmission, Refusal> {
        guard answer.isSuccess else {
            let status: HTTPResponse.Status = (400..<500).contains(answer.status.code) ? .init(code: Int(answer.status.code)) : .internalServerError
            let text = answer.bodyText()
            let reason = text.isEmpty ? "the connect event handler refused the connection with \(answer.status.code)" : text
            return .failure(Refusal(status, reason, hub: hub))
        }
        var admission = admission
        if let state = answer.connectionState { admission.connectionState = state.isEmpty ? nil : state }
        guard answer.status.code == 200, answer.body.readableBytes > 0 else { return .success(admission) }
        func invalid(_ problem: String) -> Result<ClientAdmission, Refusal> {
            .failure(Refusal(.internalServerError, "the connect event handler answered 200 with \(problem)", hub: hub))
        }
        let answered: ConnectAnswer
        do {
            answered = try ConnectAnswer(json: answer.body.readableBytesView)
        } catch {
            return invalid(error.description)
        }
        if let userId = answered.userId { admission.userId = userId }
        admission.groups += answered.groups
        admission.roles += answered.roles
        if let name = answered.subprotocol {
            guard admission.offeredSubprotocols.contains(name) else {
                let offered = admission.offeredSubprotocols.isEmpty ? "none" : admission.offeredSubprotocols.joined(separator: ", ")
                return invalid("the subprotocol \"\(name)\", which the client did not offer (it offered \(offered))")
            }
            if let served = ClientSubprotocol.served(name) {
                admission.wireProtocol = served
            } else {
                guard !ClientAdmission.protobufSubprotocols.contains(name) else { return invalid("a protobuf subprotocol, which the local service does not speak") }
                admission.wireProtocol = .simple
                admission.customSubprotocol = name
            }
        }
        return .success(admission)
    }
}
