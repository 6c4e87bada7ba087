import Foundation

/// Where a hub's events go (protocol reference §8.1): per hub, an ordered list of handlers; the
/// first handler that takes an event gets it.
///
/// Written on the command line as `HUB=URL_TEMPLATE [user=PATTERN] [system=EVENTS]`
/// (`pubsub serve --event-handler`), or as a JSON file shaped like the hub settings of an Azure
/// resource: `{"hubs":{"chat":{"eventHandlers":[{"urlTemplate":…,"userEventPattern":"*",
/// "systemEvents":["connect"]}]}}}`.
public struct EventHandlerSettings: Sendable, Equatable {
    /// The system events a handler may take.
    public enum SystemEvent: String, Sendable, CaseIterable, Hashable {
        /// Blocking, during the handshake: the handler admits, refuses or shapes the connection.
        case connect
        /// After the handshake; never delays the client.
        case connected
        /// When a session that connected ends; never delays anything.
        case disconnected
    }

    /// Which user events a handler takes (`userEventPattern`): none, every one (`*`), or the
    /// listed names (`a,b`). `message` is what simple WebSocket clients send.
    public enum UserEventPattern: Sendable, Equatable {
        case none
        case all
        case names(Set<String>)

        public init(parsing text: String) {
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if names.contains("*") {
                self = .all
            } else if names.isEmpty {
                self = .none
            } else {
                self = .names(Set(names))
            }
        }

        public func matches(_ event: String) -> Bool {
            switch self {
            case .none: return false
            case .all: return true
            case .names(let names): return names.contains(event)
            }
        }

        /// As written in settings: `*`, a comma-separated list, or empty.
        public var text: String {
            switch self {
            case .none: return ""
            case .all: return "*"
            case .names(let names): return names.sorted().joined(separator: ",")
            }
        }
    }

    /// One handler: an HTTP(S) URL template and the events it takes.
    public struct Handler: Sendable, Equatable {
        /// `http(s)://…` with optional `{hub}` and `{event}` placeholders (not in the host).
        public let urlTemplate: String
        public var userEvents: UserEventPattern
        public var systemEvents: Set<SystemEvent>

        public init(urlTemplate: String, userEvents: UserEventPattern = .all, systemEvents: Set<SystemEvent> = []) throws(PubSubError) {
            try Self.validate(urlTemplate)
            self.urlTemplate = urlTemplate
            self.userEvents = userEvents
            self.systemEvents = systemEvents
        }

        /// The URL for `event` on `hub` (`validate` for the abuse-protection request), with both
        /// values percent-encoded for a path segment.
        public func url(hub: String, event: String) -> String {
            urlTemplate
                .replacingOccurrences(of: "{hub}", with: Self.escaped(hub))
                .replacingOccurrences(of: "{event}", with: Self.escaped(event))
        }

        private static func escaped(_ value: String) -> String {
            var allowed = CharacterSet.urlPathAllowed
            allowed.remove(charactersIn: "/?#")
            return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
        }

        private static func validate(_ template: String) throws(PubSubError) {
            func refuse(_ problem: String) -> PubSubError {
                PubSubError(
                    .eventHandlerInvalid,
                    "event handler URL template \"\(URLRedaction.redacted(template))\" \(problem)",
                    hint: "write it like http://localhost:3000/eventhandler/{event} (placeholders: {hub}, {event})",
                    exitStatus: .usage
                )
            }
            var rest = template
            for placeholder in ["{hub}", "{event}"] { rest = rest.replacingOccurrences(of: placeholder, with: "x") }
            if rest.contains("{") || rest.contains("}") { throw refuse("has a placeholder other than {hub} and {event}") }
            guard let components = URLComponents(string: rest), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
            else {
                throw refuse("is not an http:// or https:// URL")
            }
            let authorityEnd = template.range(of: "://").map { start in
                template[start.upperBound...].firstIndex(where: { "/?#".contains($0) }) ?? template.endIndex
            }
            if let authorityEnd, let start = template.range(of: "://"), template[start.upperBound..<authorityEnd].contains("{") {
                throw refuse("has a placeholder in its host; only the path and query may hold {hub} and {event}")
            }
        }
    }

    /// Lower-cased hub name → its handlers in order; `*` applies to hubs without their own.
    public var hubs: [String: [Handler]]

    public init(hubs: [String: [Handler]] = [:]) {
        self.hubs = Dictionary(hubs.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: +)
    }

    public var isEmpty: Bool { hubs.values.allSatisfy(\.isEmpty) }

    private func handlers(hub: String) -> [Handler] {
        hubs[hub.lowercased()] ?? hubs["*"] ?? []
    }

    /// The handler that takes system event `event` on `hub`, if any.
    public func handler(hub: String, systemEvent event: SystemEvent) -> Handler? {
        handlers(hub: hub).first { $0.systemEvents.contains(event) }
    }

    /// The handler that takes user event `event` on `hub`, if any.
    public func handler(hub: String, userEvent event: String) -> Handler? {
        handlers(hub: hub).first { $0.userEvents.matches(event) }
    }

    /// Adds a handler after the hub's others.
    public mutating func add(_ handler: Handler, hub: String) {
        hubs[hub.lowercased(), default: []].append(handler)
    }

    /// Merges `other`'s handlers after these, hub by hub.
    public mutating func merge(_ other: EventHandlerSettings) {
        for (hub, handlers) in other.hubs { self.hubs[hub, default: []] += handlers }
    }
}

extension EventHandlerSettings {
    /// Parses `HUB=URL_TEMPLATE [user=PATTERN] [system=EVENTS]` (words separated by spaces).
    /// `user` defaults to `*`; `system` to none; `system=*` means all three.
    public static func parse(spec: String) throws(PubSubError) -> (hub: String, handler: Handler) {
        let words = spec.split(whereSeparator: \.isWhitespace).map(String.init)
        func refuse(_ problem: String) -> PubSubError {
            PubSubError(
                .eventHandlerInvalid,
                "--event-handler \"\(URLRedaction.redacted(spec))\": \(problem)",
                hint: "write HUB=URL_TEMPLATE [user=*|NAME,NAME] [system=connect,connected,disconnected], "
                    + "e.g. chat=http://localhost:3000/eventhandler/{event} system=connect",
                exitStatus: .usage
            )
        }
        guard let first = words.first, let equals = first.firstIndex(of: "=") else { throw refuse("it does not start with HUB=URL_TEMPLATE") }
        let hub = String(first[..<equals])
        if hub != "*" {
            do { try HubName.validate(hub) } catch { throw refuse(error.message) }
        }
        var handler = try Handler(urlTemplate: String(first[first.index(after: equals)...]))
        var seen: Set<String> = []
        for word in words.dropFirst() {
            guard let equals = word.firstIndex(of: "=") else { throw refuse("\"\(word)\" is not user=… or system=…") }
            let key = word[..<equals].lowercased()
            let value = String(word[word.index(after: equals)...])
            guard seen.insert(key).inserted else { throw refuse("\(key)= is given twice") }
            switch key {
            case "user":
                handler.userEvents = UserEventPattern(parsing: value)
            case "system":
                handler.systemEvents = try systemEvents(value, refuse: refuse)
            default:
                throw refuse("\"\(key)\" is not user or system")
            }
        }
        return (hub, handler)
    }

    private static func systemEvents(_ text: String, refuse: (String) -> PubSubError) throws(PubSubError) -> Set<SystemEvent> {
        var events: Set<SystemEvent> = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            if name == "*" {
                events.formUnion(SystemEvent.allCases)
            } else if let event = SystemEvent(rawValue: name) {
                events.insert(event)
            } else {
                throw refuse("\"\(name)\" is not a system event (connect, connected, disconnected)")
            }
        }
        return events
    }

    /// Parses a settings file: `{"hubs":{"<hub>":{"eventHandlers":[{"urlTemplate":"…",
    /// "userEventPattern":"*","systemEvents":["connect","connected","disconnected"]}]}}}`.
    /// An omitted `userEventPattern` takes no user events and omitted `systemEvents` none, as in Azure.
    public static func parse(json data: Data, source: String) throws(PubSubError) -> EventHandlerSettings {
        func refuse(_ problem: String) -> PubSubError {
            PubSubError(
                .eventHandlerInvalid,
                "\(source): \(problem)",
                hint: #"shape it as {"hubs":{"chat":{"eventHandlers":[{"urlTemplate":"http://localhost:3000/{event}","userEventPattern":"*","systemEvents":["connect"]}]}}}"#,
                exitStatus: .dataError
            )
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw refuse("it is not a JSON object")
        }
        guard let hubs = root["hubs"] as? [String: Any] else { throw refuse("it has no \"hubs\" object") }
        var settings = EventHandlerSettings()
        for (hub, value) in hubs.sorted(by: { $0.key < $1.key }) {
            if hub != "*" {
                do { try HubName.validate(hub) } catch { throw refuse("hub \"\(hub)\": \(error.message)") }
            }
            guard let hubObject = value as? [String: Any], let entries = hubObject["eventHandlers"] as? [Any] else {
                throw refuse("hub \"\(hub)\" has no \"eventHandlers\" array")
            }
            for (index, entry) in entries.enumerated() {
                let place = "hub \"\(hub)\" handler \(index + 1)"
                guard let object = entry as? [String: Any] else { throw refuse("\(place) is not an object") }
                for key in object.keys where !["urlTemplate", "userEventPattern", "systemEvents", "auth"].contains(key) {
                    throw refuse("\(place) has the unknown key \"\(key)\" (known: urlTemplate, userEventPattern, systemEvents)")
                }
                if let auth = object["auth"] as? [String: Any], let type = auth["type"] as? String, type.lowercased() != "none" {
                    throw refuse("\(place): auth type \"\(type)\" is not supported locally; put a ?code=<secret> in the URL instead")
                }
                guard let template = object["urlTemplate"] as? String else { throw refuse("\(place) has no \"urlTemplate\" string") }
                let pattern = object["userEventPattern"].map { $0 as? String }
                if case .some(nil) = pattern { throw refuse("\(place): \"userEventPattern\" must be a string like \"*\" or \"a,b\"") }
                let system = object["systemEvents"].map { $0 as? [String] }
                if case .some(nil) = system { throw refuse("\(place): \"systemEvents\" must be an array of strings") }
                let events = try systemEvents((system ?? nil)?.joined(separator: ",") ?? "", refuse: { refuse("\(place): \($0)") })
                do {
                    let handler = try Handler(
                        urlTemplate: template,
                        userEvents: UserEventPattern(parsing: (pattern ?? nil) ?? ""),
                        systemEvents: events
                    )
                    settings.add(handler, hub: hub)
                } catch {
                    throw refuse("\(place): \(error.message)")
                }
            }
        }
        return settings
    }
}

extension PubSubError.Code {
    public static let eventHandlerInvalid = Self("eventHandlerInvalid")
}

/// Hides the values of a URL's query (an event handler's `?code=<secret>`) for logs and the trace.
public enum URLRedaction {
    public static func redacted(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        let end = url[question...].firstIndex(of: "#") ?? url.endIndex
        let query = url[url.index(after: question)..<end].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            return pair[..<equals] + "=***"
        }
        return url[..<question] + "?" + query.joined(separator: "&") + url[end...]
    }
}
