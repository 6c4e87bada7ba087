import NIOCore
import NIOHTTP1
import PubSubCore

/// The opening of a client connection as a value: the first request's parts, admission's
/// decision, the timeout and the connection's end go in as events; what ``ClientHandshakeHandler``
/// must do comes out as one action, which it carries out without deciding anything. In the style of
/// Hummingbird's `HTTPConnectionStateHandler` and NIO's upgrader; every transition is tested without
/// a socket (`HandshakeStateMachineTests`).
///
/// Whatever the events, the connection gets exactly one outcome (an upgrade, a refusal, a hand-over
/// to HTTP, or a close), and admission is asked at most once.
struct HandshakeStateMachine {
    enum State: Equatable {
        /// Waiting for the request head.
        case idle
        /// An upgrade request: admission is deciding (`decided` once it has); the request's end
        /// may or may not have arrived.
        case upgrading(key: String, requestEnded: Bool, decided: Decision?)
        /// The outcome was given; nothing more happens.
        case done
    }

    /// Admission's decision, as the machine keeps it.
    enum Decision: Equatable {
        case admitted(ClientAdmissionBox)
        case refused(Refusal)
    }

    enum Action: Equatable {
        case none
        /// Ask admission about this upgrade request (once).
        case admit(HTTPRequestHead)
        /// Not an upgrade: the HTTP server takes the connection, starting with this head.
        case handToHTTP
        /// Answer with the refusal (and these headers), then close.
        case refuse(Refusal, headers: [HeaderPair])
        /// Answer 101 with this accept key and start the session.
        case upgrade(key: String, admission: ClientAdmissionBox)
        /// Close without an answer (the decoder gave something other than a head first).
        case close
        /// The connection ended before any outcome: fail the server's wait for one.
        case abandon
        /// An error after the outcome: pass it on.
        case forwardError
    }

    /// A header of a refusal, Equatable for tests.
    struct HeaderPair: Equatable {
        let name: String
        let value: String
    }

    private(set) var state = State.idle

    /// The handshake timeout, for its refusal's text.
    let timeout: TimeAmount

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    // MARK: Events

    /// The request's head arrived.
    mutating func head(_ head: HTTPRequestHead) -> Action {
        guard case .idle = state else { return requestPart() }
        switch ClientHandshakeHandler.handshake(head) {
        case .notWebSocket:
            state = .done
            return .handToHTTP
        case .refused(let refusal, let headers):
            state = .done
            return .refuse(refusal, headers: headers.map { HeaderPair(name: $0.0, value: $0.1) })
        case .key(let key):
            state = .upgrading(key: key, requestEnded: false, decided: nil)
            return .admit(head)
        }
    }

    /// Body bytes arrived.
    mutating func body() -> Action {
        guard case .idle = state else { return requestPart() }
        // The decoder always gives a head first; anything else is a broken connection.
        state = .done
        return .close
    }

    /// The request ended.
    mutating func end() -> Action {
        switch state {
        case .idle:
            state = .done
            return .close
        case .upgrading(let key, false, let decided):
            state = .upgrading(key: key, requestEnded: true, decided: decided)
            return decided.map { answer(key: key, $0) } ?? .none
        case .upgrading(_, true, _), .done:
            // The decoder stops at the end of an upgrade request; nothing more comes from it.
            return .none
        }
    }

    /// A head or body after an upgrade request's head and before its end.
    private mutating func requestPart() -> Action {
        guard case .upgrading(_, false, _) = state else { return .none }
        state = .done
        return .refuse(Refusal(.badRequest, "an upgrade request has no body"), headers: [])
    }

    /// Admission decided (`channelActive`: whether the connection is still there to answer).
    mutating func decided(_ decision: Decision, channelActive: Bool) -> Action {
        guard case .upgrading(let key, let ended, nil) = state, channelActive else { return .none }
        state = .upgrading(key: key, requestEnded: ended, decided: decision)
        return ended ? answer(key: key, decision) : .none
    }

    /// The handshake timeout fired. A request that was read and waits for the `connect` event
    /// handler is not cut: the handler's own timeout bounds that wait.
    mutating func timedOut() -> Action {
        switch state {
        case .idle, .upgrading(_, false, _):
            state = .done
            return .refuse(
                Refusal(.requestTimeout, "the request did not arrive within \(ClientHandshakeHandler.describe(timeout)) of connecting (the service's --handshake-timeout)"),
                headers: []
            )
        case .upgrading(_, true, _), .done:
            return .none
        }
    }

    /// NIO's decoder could not parse the request.
    mutating func parseError(_ description: String) -> Action {
        guard case .done = state else {
            state = .done
            return .refuse(Refusal(.badRequest, "the request is not valid HTTP/1.1 (\(description))"), headers: [])
        }
        return .forwardError
    }

    /// The handler left the pipeline (the connection closed, or the outcome was carried out).
    mutating func removed() -> Action {
        guard case .done = state else {
            state = .done
            return .abandon
        }
        return .none
    }

    private mutating func answer(key: String, _ decision: Decision) -> Action {
        state = .done
        switch decision {
        case .refused(let refusal): return .refuse(refusal, headers: [])
        case .admitted(let admission): return .upgrade(key: key, admission: admission)
        }
    }
}

/// A ``ClientAdmission`` compared by identity: the machine carries it, never looks inside.
final class ClientAdmissionBox: Equatable, Sendable {
    let value: ClientAdmission
    init(_ value: ClientAdmission) { self.value = value }
    static func == (lhs: ClientAdmissionBox, rhs: ClientAdmissionBox) -> Bool { lhs === rhs }
}
