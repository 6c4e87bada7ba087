import NIOCore
import NIOWebSocket
import Testing

@testable import PubSubService

@Suite("Session state machine")
struct SessionStateMachineTests {
    typealias Machine = SessionStateMachine

    static func open() -> Machine {
        var machine = Machine()
        machine.opened()
        return machine
    }

    static func text(_ string: String) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: string))
    }

    static func close(_ code: UInt16?, _ reason: String = "") -> WebSocketFrame {
        var data = ByteBuffer()
        if let code { data.writeInteger(code) }
        data.writeString(reason)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }

    @Test("text and binary messages are handed on; invalid UTF-8, reserved bits and unknown opcodes close without a disconnected message")
    func messagesAndViolations() {
        var machine = Self.open()
        #expect(machine.received(Self.text("hi"), writable: true) == .process(.text(ByteBuffer(string: "hi"))))
        #expect(machine.received(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1])), writable: true) == .process(.binary(ByteBuffer(bytes: [1]))))

        var utf8 = Self.open()
        guard case .close(let close) = utf8.received(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: [0xFF])), writable: true) else {
            Issue.record("invalid UTF-8 did not close")
            return
        }
        #expect(close.request.code == .dataInconsistentWithMessage && !close.disconnectedMessage)
        #expect(utf8.phase == .closing)

        var reserved = Self.open()
        guard case .close(let rsv) = reserved.received(WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: ByteBuffer(string: "x")), writable: true) else {
            Issue.record("reserved bits did not close")
            return
        }
        #expect(rsv.request.code == .protocolError)
    }

    @Test("pings are answered, or the latest owed until the channel is writable; a pong clears the wait for one")
    func pingsAndPongs() {
        var machine = Self.open()
        #expect(machine.received(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "a")), writable: true) == .writePong(ByteBuffer(string: "a")))
        #expect(machine.received(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "b")), writable: false) == .none)
        #expect(machine.received(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "c")), writable: false) == .none)
        #expect(machine.writabilityChanged(writable: true) == ByteBuffer(string: "c"))
        #expect(machine.writabilityChanged(writable: true) == nil)

        #expect(machine.pingTick() == .ping)
        #expect(machine.awaitingPong)
        #expect(machine.received(WebSocketFrame(fin: true, opcode: .pong, data: ByteBuffer()), writable: true) == .none)
        #expect(machine.pingTick() == .ping)
        guard case .timedOut(let close) = machine.pingTick() else {
            Issue.record("a missed pong did not time the session out")
            return
        }
        #expect(close.request.code == .goingAway && close.request.reason == "PingTimeout" && close.disconnectedMessage)
        #expect(machine.pingTick() == .none)
    }

    @Test("the client's close is answered 1000, or 1002 for a reserved code or a reason that is not UTF-8, and recorded")
    func clientClose() {
        var normal = Self.open()
        #expect(normal.received(Self.close(1000, "bye"), writable: true) == .answerClose(.normalClosure))
        #expect(normal.phase == .closed && normal.endReason == "closed by the client with 1000: bye")
        var reserved = Self.open()
        #expect(reserved.received(Self.close(999), writable: true) == .answerClose(.protocolError))
        var invalid = Self.open()
        var payload = ByteBuffer()
        payload.writeInteger(UInt16(1000))
        payload.writeBytes([0xFF, 0xFE])
        #expect(invalid.received(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload), writable: true) == .answerClose(.protocolError))
        var empty = Self.open()
        #expect(empty.received(Self.close(nil), writable: true) == .answerClose(.normalClosure))
        // Nothing is read after it.
        #expect(empty.received(Self.text("late"), writable: true) == .none)
    }

    @Test("the service closes once: a second close, or a frame other than the client's close while closing, does nothing")
    func serviceClose() {
        var machine = Self.open()
        let request = CloseRequest(code: .normalClosure, reason: "REST close")
        #expect(machine.close(request, disconnectedMessage: true) == Machine.Close(request: request, disconnectedMessage: true, endingSocket: false))
        #expect(machine.close(request, disconnectedMessage: true) == nil)
        #expect(machine.received(Self.text("late"), writable: true) == .none)
        #expect(machine.received(Self.close(1000), writable: true) == .closeChannel)
        #expect(machine.closeTimedOut())
        let end = machine.ended()
        #expect(end?.code == .normalClosure && end?.reason == "REST close")
        let again = machine.ended()
        #expect(again == nil)
    }

    @Test("while an event handler call is under way messages wait in order, reading stops at the backlog limit, and resumes once all went on")
    func eventHandlerBacklog() {
        var machine = Self.open()
        #expect(machine.received(Self.text("0"), writable: true) == .process(.text(ByteBuffer(string: "0"))))
        #expect(machine.handled(.waiting) == nil)
        var actions: [Machine.ReadAction] = []
        for index in 1...Machine.backlogReadLimit {
            actions.append(machine.received(Self.text("\(index)"), writable: true))
        }
        #expect(actions.dropLast().allSatisfy { $0 == .none })
        #expect(actions.last == .pauseReading)
        machine.handlerAnswered()
        #expect(machine.resume() == .process(.text(ByteBuffer(string: "1"))))
        // The first waiting message starts another call: the rest wait for it.
        #expect(machine.handled(.waiting) == nil)
        #expect(machine.resume() == .none)
        machine.handlerAnswered()
        var order: [String] = []
        while case .process(.text(let data)) = machine.resume() {
            order.append(String(buffer: data))
            _ = machine.handled(.done)
        }
        #expect(order == (2...Machine.backlogReadLimit).map(String.init))
        #expect(!machine.readingPaused && machine.backlog.isEmpty)
    }

    @Test("a loop that fell behind stops reading until it catches up, and an event handler's backlog keeps reading stopped until it drains too")
    func deliveryBackPressure() {
        var machine = Self.open()
        let stop = machine.deliveryBehind()
        // Told again while stopped: nothing more to do.
        let stopAgain = machine.deliveryBehind()
        let read = machine.deliveryCaughtUp()
        let readAgain = machine.deliveryCaughtUp()
        #expect(stop && !stopAgain && read && !readAgain)

        // Both reasons at once: reading resumes only when neither holds.
        _ = machine.received(Self.text("0"), writable: true)
        _ = machine.handled(.waiting)
        for index in 1...Machine.backlogReadLimit { _ = machine.received(Self.text("\(index)"), writable: true) }
        #expect(machine.readingPaused)
        let alreadyStopped = !machine.deliveryBehind()
        #expect(alreadyStopped && machine.pausedForDelivery)
        machine.handlerAnswered()
        var last = machine.resume()
        while case .process = last {
            _ = machine.handled(.done)
            last = machine.resume()
        }
        // The backlog drained, but the loop is still behind: reading stays stopped.
        #expect(last == .none && !machine.readingPaused)
        let readAtLast = machine.deliveryCaughtUp()
        #expect(readAtLast)
    }

    @Test("a violation reported by the protocol handler closes with a disconnected message; what waited is dropped")
    func violation() {
        var machine = Self.open()
        _ = machine.received(Self.text("0"), writable: true)
        _ = machine.handled(.waiting)
        _ = machine.received(Self.text("1"), writable: true)
        machine.handlerAnswered()
        #expect(machine.resume() == .process(.text(ByteBuffer(string: "1"))))
        let request = CloseRequest(code: .policyViolation, reason: "bad")
        #expect(machine.handled(.violation(request)) == Machine.Close(request: request, disconnectedMessage: true, endingSocket: false))
        #expect(machine.resume() == .none)
    }

    @Test("decoder errors close and end the socket; an error after the close ends it at once; a failed connection ends without a close")
    func pipelineErrors() {
        var tooLarge = Self.open()
        guard case .close(let close) = tooLarge.errorCaught(.frameTooLarge) else {
            Issue.record("an oversized frame did not close")
            return
        }
        #expect(close.request.code == .messageTooLarge && close.endingSocket)
        #expect(tooLarge.errorCaught(.invalidFrame("x")) == .closeChannel)

        var failed = Self.open()
        #expect(failed.errorCaught(.failed("reset")) == .closeChannel)
        #expect(failed.ended()?.reason == "the connection failed: reset")

        var fragments = Self.open()
        guard case .close(let fragmentClose) = fragments.errorCaught(.messageTooLarge) else {
            Issue.record("too many fragments did not close")
            return
        }
        #expect(fragmentClose.request.code == .messageTooLarge && !fragmentClose.endingSocket)
        #expect(fragments.errorCaught(.dataAfterDecoderError("x")) == .none)
    }

    @Test("a refused recovery closes from the opening phase without a disconnected message; a dropped socket reports the drop")
    func openingAndDrop() {
        var refused = Machine()
        let request = CloseRequest(code: .policyViolation, reason: "cannot be recovered")
        #expect(refused.refused(request) == Machine.Close(request: request, disconnectedMessage: false, endingSocket: false))

        var dropped = Self.open()
        let end = dropped.ended()
        #expect(end?.code == nil && end?.reason == "the connection dropped")
    }

    enum Event: CaseIterable {
        case text, binary, badText, ping, pong, clientClose, serviceClose, answered, resume, writable, behind, caughtUp
        case frameTooLarge, messageTooLarge, failed, pingTick, closeTimeout, inputClosed, ended
    }

    @Test("random event sequences never reach an impossible state: one close frame at most, no message handed on after closing, one report")
    func randomSequences() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            var machine = Self.open()
            var closes = 0
            var reports = 0
            // What the handler did to the socket's reading, from the actions alone.
            var reading = true
            for _ in 0..<Int.random(in: 1...40, using: &generator) {
                let before = machine.phase
                var handedOn = false
                switch Event.allCases.randomElement(using: &generator)! {
                case .text, .binary, .badText, .ping, .pong, .clientClose:
                    let frames: [WebSocketFrame] = [
                        Self.text("m"), WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1])),
                        WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: [0xC3])),
                        WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer()), WebSocketFrame(fin: true, opcode: .pong, data: ByteBuffer()),
                        Self.close(1000),
                    ]
                    switch machine.received(frames.randomElement(using: &generator)!, writable: Bool.random(using: &generator)) {
                    case .process: handedOn = true
                    case .close: closes += 1
                    case .pauseReading: reading = false
                    default: break
                    }
                case .serviceClose:
                    if machine.close(CloseRequest(code: .normalClosure, reason: "x"), disconnectedMessage: true) != nil { closes += 1 }
                case .answered:
                    if machine.waitingForHandler { machine.handlerAnswered() }
                case .resume:
                    switch machine.resume() {
                    case .process: handedOn = true
                    case .resumeReading: reading = true
                    case .none: break
                    }
                case .behind:
                    if machine.deliveryBehind() { reading = false }
                case .caughtUp:
                    if machine.deliveryCaughtUp() { reading = true }
                case .writable:
                    _ = machine.writabilityChanged(writable: true)
                case .frameTooLarge:
                    if case .close = machine.errorCaught(.frameTooLarge) { closes += 1 }
                case .messageTooLarge:
                    if case .close = machine.errorCaught(.messageTooLarge) { closes += 1 }
                case .failed:
                    _ = machine.errorCaught(.failed("x"))
                case .pingTick:
                    if case .timedOut = machine.pingTick() { closes += 1 }
                case .closeTimeout:
                    _ = machine.closeTimedOut()
                case .inputClosed:
                    machine.inputClosed()
                case .ended:
                    if machine.ended() != nil { reports += 1 }
                }
                if handedOn {
                    // The handler processes a message at once and reports what became of it.
                    #expect(before == .open)
                    #expect(!machine.waitingForHandler)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: _ = machine.handled(.done)
                    case 1: _ = machine.handled(.waiting)
                    default: if machine.handled(.violation(CloseRequest(code: .policyViolation, reason: "v"))) != nil { closes += 1 }
                    }
                }
                #expect(closes <= 1)
                #expect(reports <= 1)
                #expect(reading == !(machine.readingPaused || machine.pausedForDelivery))
                #expect(closes == 0 || machine.phase != .open)
                #expect(machine.closeSent == (closes == 1))
                #expect(!machine.reported || machine.phase == .closed)
                #expect(machine.backlog.count <= Machine.backlogReadLimit * 40)
            }
        }
    }
}
