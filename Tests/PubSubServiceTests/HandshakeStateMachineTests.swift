import NIOHTTP1
import PubSubCore
import Testing

@testable import PubSubService

@Suite("Handshake state machine")
struct HandshakeStateMachineTests {
    typealias Machine = HandshakeStateMachine

    static func upgradeHead(version: String = "13", key: String? = "dGhlIHNhbXBsZSBub25jZQ==") -> HTTPRequestHead {
        var headers: HTTPHeaders = ["Host": "localhost", "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": version]
        if let key { headers.add(name: "Sec-WebSocket-Key", value: key) }
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: "/client/hubs/chat", headers: headers)
    }

    static let admission = ClientAdmissionBox(
        ClientAdmission(hub: "chat", connectionId: "c1", wireProtocol: .json, userId: nil, roles: [], groups: [], recovery: nil)
    )

    static func machine() -> Machine { Machine(timeout: .seconds(10)) }

    @Test("an upgrade asks admission once and is answered when both the request's end and the decision are in, in either order")
    func upgradeEitherOrder() {
        var endFirst = Self.machine()
        #expect(endFirst.head(Self.upgradeHead()) == .admit(Self.upgradeHead()))
        #expect(endFirst.end() == .none)
        #expect(endFirst.decided(.admitted(Self.admission), channelActive: true) == .upgrade(key: "dGhlIHNhbXBsZSBub25jZQ==", admission: Self.admission))
        #expect(endFirst.state == .done)

        var decisionFirst = Self.machine()
        _ = decisionFirst.head(Self.upgradeHead())
        #expect(decisionFirst.decided(.admitted(Self.admission), channelActive: true) == .none)
        #expect(decisionFirst.end() == .upgrade(key: "dGhlIHNhbXBsZSBub25jZQ==", admission: Self.admission))
        #expect(decisionFirst.removed() == .none)
    }

    @Test("a refused admission answers with its refusal; a decision for a connection that is gone does nothing")
    func refusedAndGone() {
        let refusal = Refusal(.unauthorized, "no access token")
        var machine = Self.machine()
        _ = machine.head(Self.upgradeHead())
        _ = machine.end()
        #expect(machine.decided(.refused(refusal), channelActive: true) == .refuse(refusal, headers: []))

        var gone = Self.machine()
        _ = gone.head(Self.upgradeHead())
        _ = gone.end()
        #expect(gone.decided(.admitted(Self.admission), channelActive: false) == .none)
        #expect(gone.removed() == .abandon)
    }

    @Test("a request that is not an upgrade goes to HTTP; a wrong version gets 426 naming 13; a missing key 400")
    func notWebSocketAndBadHandshakes() {
        var http = Self.machine()
        #expect(http.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api/health")) == .handToHTTP)
        #expect(http.state == .done)

        var version = Self.machine()
        guard case .refuse(let refusal, let headers) = version.head(Self.upgradeHead(version: "8")) else {
            Issue.record("a version 8 upgrade was not refused")
            return
        }
        #expect(refusal.status == .upgradeRequired && headers == [.init(name: "Sec-WebSocket-Version", value: "13")])

        var key = Self.machine()
        guard case .refuse(let missing, _) = key.head(Self.upgradeHead(key: nil)) else {
            Issue.record("an upgrade without a key was not refused")
            return
        }
        #expect(missing.status == .badRequest)
    }

    @Test("a body on an upgrade request is refused 400; a part before any head closes the connection unanswered")
    func bodyAndBrokenOrder() {
        var machine = Self.machine()
        _ = machine.head(Self.upgradeHead())
        #expect(machine.body() == .refuse(Refusal(.badRequest, "an upgrade request has no body"), headers: []))
        // Admission's late decision finds the outcome given.
        #expect(machine.decided(.admitted(Self.admission), channelActive: true) == .none)

        var broken = Self.machine()
        #expect(broken.body() == .close)
        var endFirst = Self.machine()
        #expect(endFirst.end() == .close)
    }

    @Test("the timeout refuses 408 until the request is read; once read, a pending admission is not cut")
    func timeout() {
        var idle = Self.machine()
        guard case .refuse(let refusal, _) = idle.timedOut() else {
            Issue.record("an idle connection was not refused at the timeout")
            return
        }
        #expect(refusal.status == .requestTimeout && refusal.message.contains("10 s"))

        var read = Self.machine()
        _ = read.head(Self.upgradeHead())
        _ = read.end()
        #expect(read.timedOut() == .none)
        #expect(read.decided(.admitted(Self.admission), channelActive: true) != .none)
    }

    @Test("a parse error is refused 400 before the outcome and passed on after it")
    func parseErrors() {
        var machine = Self.machine()
        guard case .refuse(let refusal, _) = machine.parseError("bad header") else {
            Issue.record("a parse error was not refused")
            return
        }
        #expect(refusal.status == .badRequest && refusal.message.contains("bad header"))
        #expect(machine.parseError("again") == .forwardError)
    }

    /// The events a connection can deliver, in any order.
    enum Event: CaseIterable {
        case upgradeHead, httpHead, body, end, admitted, refused, goneDecision, timeout, parseError, removed
    }

    @Test("random event sequences give exactly one outcome at most, ask admission at most once, and upgrade only after the end and an admission")
    func randomSequences() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            var machine = Self.machine()
            var outcomes = 0
            var admits = 0
            var ended = false
            var admitted = false
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                let event = Event.allCases.randomElement(using: &generator)!
                let action: Machine.Action
                switch event {
                case .upgradeHead: action = machine.head(Self.upgradeHead())
                case .httpHead: action = machine.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))
                case .body: action = machine.body()
                case .end:
                    action = machine.end()
                    if case .upgrading = machine.state { ended = true }
                case .admitted:
                    action = machine.decided(.admitted(Self.admission), channelActive: true)
                    if case .upgrading(_, _, .admitted?) = machine.state { admitted = true }
                case .refused: action = machine.decided(.refused(Refusal(.forbidden, "no")), channelActive: true)
                case .goneDecision: action = machine.decided(.admitted(Self.admission), channelActive: false)
                case .timeout: action = machine.timedOut()
                case .parseError: action = machine.parseError("x")
                case .removed: action = machine.removed()
                }
                switch action {
                case .admit: admits += 1
                case .upgrade:
                    outcomes += 1
                    #expect(ended || event == .end)
                    #expect(admitted || event == .admitted)
                case .refuse, .handToHTTP, .close, .abandon: outcomes += 1
                case .none, .forwardError: break
                }
                if outcomes > 0 { #expect(machine.state == .done) }
            }
            #expect(outcomes <= 1)
            #expect(admits <= 1)
        }
    }
}
