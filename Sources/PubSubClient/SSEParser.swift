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

    public init() {}

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
            }
            guard !data.isEmpty || !name.isEmpty else { return nil }
            return Event(id: id, name: name.isEmpty ? "message" : name, data: data.joined(separator: "\n"))
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix(":") {
            if comments.count == 16 { comments.removeFirst() }
            comments.append(String(text.dropFirst()).trimmingCharacters(in: " "))
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
