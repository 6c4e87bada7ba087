/// A Server-Sent Events parser that reads a stream as a browser's EventSource does (WHATWG HTML
/// §9.2): lines end with CR LF, LF or CR (also split across chunks); `data:` lines join with LF;
/// a blank line dispatches; lines starting with `:` are comments.
public struct SSEParser: Sendable {
    public struct Event: Equatable, Sendable {
        /// This event's `id:`, nil when it had none.
        public var id: String?
        /// `event:`, or `message` when absent.
        public var name: String
        public var data: String

        public init(id: String?, name: String, data: String) {
            self.id = id
            self.name = name
            self.data = data
        }
    }

    private var line: [UInt8] = []
    private var skipLineFeed = false
    private var data: [String] = []
    private var name = ""
    private var id: String?
    /// The latest comments (at most 16), without the colon and surrounding spaces.
    public private(set) var comments: [String] = []
    /// The last `retry:` value, in milliseconds.
    public private(set) var retry: Int?

    /// The most bytes one event may hold (its lines together); past it the rest of the event is
    /// dropped and ``oversizedEvents`` counts it. A server that never ends a line or an event cannot
    /// make the reader hold more than this.
    public let maxEventBytes: Int
    /// Events cut short at ``maxEventBytes``.
    public private(set) var oversizedEvents = 0
    private var eventBytes = 0
    private var oversized = false

    public init(maxEventBytes: Int = 16 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    /// Feeds bytes; returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if skipLineFeed {
                skipLineFeed = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A, 0x0D:
                skipLineFeed = byte == 0x0D
                if let event = endLine() { events.append(event) }
            default:
                guard !oversized else { continue }
                eventBytes &+= 1
                if eventBytes > maxEventBytes {
                    // The event is over the limit: it is dropped whole, at its blank line.
                    oversized = true
                    oversizedEvents += 1
                    line.removeAll()
                    data.removeAll()
                    continue
                }
                line.append(byte)
            }
        }
        return events
    }

    /// Feeds text.
    public mutating func feed(_ text: String) -> [Event] {
        feed(text.utf8)
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                data = []
                name = ""
                id = nil
                eventBytes = 0
                oversized = false
            }
            guard !oversized else { return nil }
            guard !data.isEmpty || !name.isEmpty else { return nil }
            return Event(id: id, name: name.isEmpty ? "message" : name, data: data.joined(separator: "\n"))
        }
        guard !oversized else { return nil }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix(":") {
            if comments.count == 16 { comments.removeFirst() }
            comments.append(String(text.dropFirst()).trimmingCharacters(in: " "))
            // A comment is not part of the event: only the last 16 are kept.
            eventBytes -= line.count
            return nil
        }
        let field = text.prefix { $0 != ":" }
        var value = text.dropFirst(field.count).dropFirst()
        if value.hasPrefix(" ") { value = value.dropFirst() }
        switch field {
        case "data": data.append(String(value))
        case "event": name = String(value)
        case "id": id = String(value)
        case "retry": retry = Int(value)
        default: break
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
