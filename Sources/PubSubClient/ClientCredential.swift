public import PubSubCore

/// How a WebSocket client gets its URL: minted afresh from a connection string for every new
/// connection, or a ready client access URL that is reused as is.
public enum ClientCredential: Sendable {
    case connectionString(ConnectionString, userId: String?)
    case url(String)

    /// A client URL for `hub`; a minted token carries exactly `roles` and the initial `groups`.
    public func clientURL(hub: String, roles: [Role], groups: [String] = []) -> String {
        switch self {
        case .url(let url):
            return url
        case .connectionString(let connectionString, let userId):
            let request = ClientTokenRequest(hub: hub, userId: userId, roles: roles, groups: groups)
            return TokenMinter(connectionString: connectionString).clientAccess(request).url
        }
    }
}
