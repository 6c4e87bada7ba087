/// Which kind of client a token and URL are for; it changes the URL path and the token's `aud`
/// (protocol reference §3.2, §4.1).
public enum ClientProtocol: String, Sendable, CaseIterable {
    /// Web PubSub clients: `/client/hubs/<hub>`.
    case `default`
    /// MQTT clients: `/clients/mqtt/hubs/<hub>`.
    case mqtt
    /// Web PubSub for Socket.IO: `/clients/socketio/hubs/<hub>`.
    case socketio

    /// The path in front of the hub name.
    public var pathPrefix: String {
        switch self {
        case .default: return "/client/hubs/"
        case .mqtt: return "/clients/mqtt/hubs/"
        case .socketio: return "/clients/socketio/hubs/"
        }
    }
}
