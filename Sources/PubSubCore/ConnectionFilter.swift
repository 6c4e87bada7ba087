import Foundation

/// The OData filter subset of the REST API (protocol reference §7.3): which connections a send or
/// a group operation applies to.
///
/// ```swift
/// let filter = try ConnectionFilter(parsing: "userId eq 'u1' and not ('g1' in groups)")
/// filter.matches(ConnectionFilter.Subject(connectionId: "c1", userId: "u1", groups: ["g2"]))  // true
/// ```
///
/// Identifiers (`userId`, `connectionId`, `groups`) and keywords are case-insensitive; string
/// comparisons are exact. A comparison with a null operand is false except `eq null`/`ne null`.
public struct ConnectionFilter: Sendable {
    /// What a filter is evaluated against.
    public struct Subject: Sendable {
        public var connectionId: String
        public var userId: String?
        public var groups: Set<String>

        public init(connectionId: String, userId: String?, groups: Set<String>) {
            self.connectionId = connectionId
            self.userId = userId
            self.groups = groups
        }
    }

    indirect enum Node: Sendable {
        case literal(Value)
        case identifier(Identifier)
        case call(String, [Node])
        case not(Node)
        case and(Node, Node)
        case or(Node, Node)
        case compare(String, Node, Node)
        case inList(Node, [Node])
        case inCollection(Node, Node)
    }

    enum Identifier: String, Sendable { case userId = "userid", connectionId = "connectionid", groups }

    enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int64)
        case string(String)
        case collection(Set<String>)
    }

    private let root: Node
    /// The filter as written.
    public let text: String

    /// The most clauses a filter may have (§7.3: roughly 100).
    public static let maximumClauses = 100
    /// The deepest nesting of parentheses, `not` and function calls. The parser and the evaluator
    /// recurse once per level, so this bounds their stack whatever the filter.
    public static let maximumDepth = 32
    /// The most operands and operators a filter may have: `true and true and …` has no clause, and
    /// its evaluation recurses once per `and`.
    public static let maximumNodes = 1000

    /// Parses a filter.
    /// - Throws: ``PubSubError`` `invalidFilter` (exit 65) naming the position and the problem.
    public init(parsing text: String) throws(PubSubError) {
        var parser = Parser(tokens: try Self.tokenize(text), text: text)
        let root = try parser.parseOr()
        guard parser.index == parser.tokens.count else {
            throw Self.error(text, "unexpected \(parser.tokens[parser.index].description)")
        }
        guard try Self.isBoolean(root, text) else {
            throw Self.error(text, "the expression is not a condition (true or false)")
        }
        guard parser.nodes <= Self.maximumNodes else {
            throw Self.error(text, "it has \(parser.nodes) terms; the limit is \(Self.maximumNodes)")
        }
        guard parser.clauses <= Self.maximumClauses else {
            throw Self.error(text, "it has \(parser.clauses) clauses; the limit is \(Self.maximumClauses)")
        }
        self.root = root
        self.text = text
    }

    /// Whether the filter selects this connection.
    public func matches(_ subject: Subject) -> Bool {
        Self.evaluate(root, subject) == .bool(true)
    }

    static func error(_ text: String, _ why: String) -> PubSubError {
        PubSubError(
            .invalidFilter,
            "Invalid syntax for '\(text)': \(why). (Parameter 'filter')",
            hint: "e.g. userId eq 'u1' and 'g1' in groups; strings use single quotes",
            exitStatus: .dataError
        )
    }

    // MARK: Tokens

    enum Token: Equatable, CustomStringConvertible {
        case open, close, comma
        case string(String)
        case int(Int64)
        case word(String)

        var description: String {
            switch self {
            case .open: return "'('"
            case .close: return "')'"
            case .comma: return "','"
            case .string(let text): return "'\(text)'"
            case .int(let number): return "\(number)"
            case .word(let word): return "'\(word)'"
            }
        }
    }

    static func tokenize(_ text: String) throws(PubSubError) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "(" {
                tokens.append(.open)
                index += 1
            } else if character == ")" {
                tokens.append(.close)
                index += 1
            } else if character == "," {
                tokens.append(.comma)
                index += 1
            } else if character == "'" {
                var value = ""
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                guard closed else { throw error(text, "a string is not closed with '") }
                tokens.append(.string(value))
            } else if character.isNumber || ((character == "-" || character == "+") && index + 1 < characters.count && characters[index + 1].isNumber) {
                var digits = String(character)
                index += 1
                while index < characters.count, characters[index].isNumber {
                    digits.append(characters[index])
                    index += 1
                }
                guard let number = Int64(digits) else { throw error(text, "\(digits) is not a 64-bit integer") }
                tokens.append(.int(number))
            } else if character.isLetter || character == "_" {
                var word = ""
                while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "_" {
                    word.append(characters[index])
                    index += 1
                }
                tokens.append(.word(word))
            } else {
                throw error(text, "unexpected character '\(character)'")
            }
        }
        return tokens
    }

    // MARK: Parser

    static let comparisons: Set<String> = ["eq", "ne", "gt", "ge", "lt", "le"]
    static let functions: [String: ClosedRange<Int>] = [
        "tolower": 1...1, "toupper": 1...1, "trim": 1...1, "substring": 2...3, "concat": 2...2,
        "indexof": 2...2, "length": 1...1, "startswith": 2...2, "endswith": 2...2, "contains": 2...2,
    ]

    struct Parser {
        let tokens: [Token]
        let text: String
        var index = 0
        var clauses = 0
        /// Terms made so far (literals, identifiers, operators, calls).
        var nodes = 0
        /// Nesting of the term being parsed.
        var depth = 0

        /// Enters one level of nesting; refuses one past ``ConnectionFilter/maximumDepth`` before
        /// recursing, and too many terms before building more.
        mutating func enter() throws(PubSubError) {
            depth += 1
            nodes += 1
            guard depth <= maximumDepth else {
                throw error(text, "it nests parentheses, not or functions more than \(maximumDepth) deep")
            }
            guard nodes <= maximumNodes else {
                throw error(text, "it has more than \(maximumNodes) terms")
            }
        }

        mutating func peekWord() -> String? {
            guard index < tokens.count, case .word(let word) = tokens[index] else { return nil }
            return word.lowercased()
        }

        mutating func expect(_ token: Token) throws(PubSubError) {
            guard index < tokens.count else { throw error(text, "expected \(token.description) at the end") }
            guard tokens[index] == token else { throw error(text, "expected \(token.description), found \(tokens[index].description)") }
            index += 1
        }

        mutating func parseOr() throws(PubSubError) -> Node {
            var node = try parseAnd()
            while peekWord() == "or" {
                index += 1
                try enter()
                depth -= 1
                node = .or(node, try parseAnd())
            }
            return node
        }

        mutating func parseAnd() throws(PubSubError) -> Node {
            var node = try parseNot()
            while peekWord() == "and" {
                index += 1
                try enter()
                depth -= 1
                node = .and(node, try parseNot())
            }
            return node
        }

        mutating func parseNot() throws(PubSubError) -> Node {
            if peekWord() == "not" {
                index += 1
                try enter()
                defer { depth -= 1 }
                let operand = try parseNot()
                guard try isBoolean(operand, text) else {
                    throw error(text, "'not' needs a condition; write not (…) around a comparison")
                }
                return .not(operand)
            }
            return try parseComparison()
        }

        mutating func parseComparison() throws(PubSubError) -> Node {
            let left = try parsePrimary()
            guard let word = peekWord() else { return left }
            if comparisons.contains(word) {
                index += 1
                clauses += 1
                return .compare(word, left, try parsePrimary())
            }
            if word == "in" {
                index += 1
                clauses += 1
                if index < tokens.count, tokens[index] == .open {
                    index += 1
                    var items = [try parsePrimary()]
                    while index < tokens.count, tokens[index] == .comma {
                        index += 1
                        items.append(try parsePrimary())
                    }
                    try expect(.close)
                    return .inList(left, items)
                }
                return .inCollection(left, try parsePrimary())
            }
            return left
        }

        mutating func parsePrimary() throws(PubSubError) -> Node {
            guard index < tokens.count else { throw error(text, "the expression ends too early") }
            let token = tokens[index]
            index += 1
            nodes += 1
            switch token {
            case .string(let value): return .literal(.string(value))
            case .int(let value): return .literal(.int(value))
            case .open:
                try enter()
                defer { depth -= 1 }
                let inner = try parseOr()
                try expect(.close)
                return inner
            case .word(let word):
                let lowered = word.lowercased()
                switch lowered {
                case "true": return .literal(.bool(true))
                case "false": return .literal(.bool(false))
                case "null": return .literal(.null)
                default: break
                }
                if let identifier = Identifier(rawValue: lowered) { return .identifier(identifier) }
                if let arity = functions[lowered] {
                    try enter()
                    defer { depth -= 1 }
                    try expect(.open)
                    var arguments: [Node] = []
                    if index < tokens.count, tokens[index] != .close {
                        arguments.append(try parseOr())
                        while index < tokens.count, tokens[index] == .comma {
                            index += 1
                            arguments.append(try parseOr())
                        }
                    }
                    try expect(.close)
                    guard arity.contains(arguments.count) else {
                        throw error(text, "\(lowered) takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) or \(arity.upperBound)") arguments")
                    }
                    return .call(lowered, arguments)
                }
                throw error(text, "unknown identifier '\(word)' (use userId, connectionId or groups)")
            case .close, .comma:
                throw error(text, "unexpected \(token.description)")
            }
        }
    }

    /// Whether a node yields a boolean (checked when parsing, so `not length(userId)` is refused).
    static func isBoolean(_ node: Node, _ text: String) throws(PubSubError) -> Bool {
        switch node {
        case .literal(.bool), .not, .and, .or, .compare, .inList, .inCollection: return true
        case .call(let name, _): return ["startswith", "endswith", "contains"].contains(name)
        case .literal, .identifier: return false
        }
    }

    // MARK: Evaluation

    static func evaluate(_ node: Node, _ subject: Subject) -> Value {
        switch node {
        case .literal(let value):
            return value
        case .identifier(.userId):
            return subject.userId.map(Value.string) ?? .null
        case .identifier(.connectionId):
            return .string(subject.connectionId)
        case .identifier(.groups):
            return .collection(subject.groups)
        case .not(let operand):
            guard case .bool(let value) = evaluate(operand, subject) else { return .bool(false) }
            return .bool(!value)
        case .and(let left, let right):
            return .bool(evaluate(left, subject) == .bool(true) && evaluate(right, subject) == .bool(true))
        case .or(let left, let right):
            return .bool(evaluate(left, subject) == .bool(true) || evaluate(right, subject) == .bool(true))
        case .compare(let op, let leftNode, let rightNode):
            let left = evaluate(leftNode, subject)
            let right = evaluate(rightNode, subject)
            switch op {
            case "eq": return .bool(left == right)
            case "ne": return .bool(left != right)
            default:
                let order: Int
                switch (left, right) {
                case (.int(let a), .int(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
                case (.string(let a), .string(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
                default: return .bool(false)
                }
                switch op {
                case "gt": return .bool(order > 0)
                case "ge": return .bool(order >= 0)
                case "lt": return .bool(order < 0)
                default: return .bool(order <= 0)
                }
            }
        case .inList(let leftNode, let items):
            let left = evaluate(leftNode, subject)
            return .bool(items.contains { evaluate($0, subject) == left })
        case .inCollection(let leftNode, let collectionNode):
            guard case .string(let value) = evaluate(leftNode, subject),
                case .collection(let collection) = evaluate(collectionNode, subject)
            else { return .bool(false) }
            return .bool(collection.contains(value))
        case .call(let name, let argumentNodes):
            return call(name, argumentNodes.map { evaluate($0, subject) })
        }
    }

    static func call(_ name: String, _ arguments: [Value]) -> Value {
        func string(_ index: Int) -> String? {
            if case .string(let value) = arguments[index] { return value }
            return nil
        }
        func int(_ index: Int) -> Int64? {
            if case .int(let value) = arguments[index] { return value }
            return nil
        }
        switch name {
        case "length":
            if case .collection(let items) = arguments[0] { return .int(Int64(items.count)) }
            return string(0).map { .int(Int64($0.count)) } ?? .null
        case "tolower": return string(0).map { .string($0.lowercased()) } ?? .null
        case "toupper": return string(0).map { .string($0.uppercased()) } ?? .null
        case "trim": return string(0).map { .string($0.trimmingWhitespace()) } ?? .null
        case "concat":
            guard let a = string(0), let b = string(1) else { return .null }
            return .string(a + b)
        case "indexof":
            guard let a = string(0), let b = string(1) else { return .null }
            guard let range = a.range(of: b) else { return .int(-1) }
            return .int(Int64(a.distance(from: a.startIndex, to: range.lowerBound)))
        case "substring":
            guard let a = string(0), let start = int(1), start >= 0 else { return .null }
            let characters = Array(a)
            let from = min(Int(start), characters.count)
            var to = characters.count
            if arguments.count == 3 {
                guard let length = int(2), length >= 0 else { return .null }
                // `length` may be anything up to Int64.max: compare before adding.
                to = Int64(characters.count - from) <= length ? characters.count : from + Int(length)
            }
            return .string(String(characters[from..<to]))
        case "startswith":
            guard let a = string(0), let b = string(1) else { return .bool(false) }
            return .bool(a.hasPrefix(b))
        case "endswith":
            guard let a = string(0), let b = string(1) else { return .bool(false) }
            return .bool(a.hasSuffix(b))
        case "contains":
            guard let a = string(0), let b = string(1) else { return .bool(false) }
            return .bool(b.isEmpty || a.range(of: b) != nil)
        default:
            return .null
        }
    }
}

extension PubSubError.Code {
    public static let invalidFilter = Self("invalidFilter")
}
