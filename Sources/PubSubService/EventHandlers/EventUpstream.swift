import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PubSubCore
import Synchronization

/// Calls the app's event handlers (protocol reference §8): the abuse-protection `OPTIONS` request
/// before a handler URL is first used, then CloudEvents in binary mode (`ce-*` headers, the payload
/// as the body) for system and user events. Everything is future-based on the caller's event loop;
/// no task is kept per call.
final class EventUpstream: Sendable {
    /// One CloudEvents request.
    struct Event: Sendable {
        /// Lower-cased hub key.
        var hub: String
        /// `connect`, `connected`, `disconnected`, or the user event's name (`message` for simple clients).
        var name: String
        var isSystem: Bool
        var connectionId: String
        var userId: String?
        /// Negotiated subprotocol; not sent with `connect` (§8.3).
        var subprotocol: String?
        var connectionState: String?
        var contentType: String
        var body: ByteBuffer
    }

    /// The handler's answer.
    struct Answer: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer

        var isSuccess: Bool { (200..<300).contains(status.code) }

        /// The `ce-connectionState` the handler set, if it set one (an empty value clears it).
        var connectionState: String? { headers.first(name: "ce-connectionState") }

        /// The body as text, cut to `limit` bytes at a character boundary (for refusal reasons).
        func bodyText(limit: Int = 1024) -> String {
            let bytes = Array(body.readableBytesView.prefix(limit))
            return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Why a handler was not reached or gave no answer.
    enum Failure: Error, Sendable, CustomStringConvertible {
        /// The abuse-protection check refused the handler (or could not reach it).
        case notAllowed(url: String, reason: String)
        case unreachable(url: String, reason: String)
        case timedOut(url: String, after: Duration)
        case invalidAnswer(url: String, reason: String)
        /// The request could not be made (a value HTTP headers cannot carry).
        case notSendable(url: String, reason: String)

        var description: String {
            switch self {
            case .notAllowed(let url, let reason):
                return "the event handler \(url) is not called: \(reason)"
            case .unreachable(let url, let reason):
                return "the event handler \(url) is unreachable (\(reason)); is the app server running?"
            case .timedOut(let url, let after):
                return "the event handler \(url) did not answer within \(after.wholeSecondsText)"
            case .invalidAnswer(let url, let reason):
                return "the event handler \(url) \(reason)"
            case .notSendable(let url, let reason):
                return "the event handler \(url) was not called: \(reason)"
            }
        }
    }

    private enum Validation {
        case allowed
        case refused(reason: String, until: ContinuousClock.Instant)
        case pending(EventLoopFuture<Void>)
    }

    let settings: EventHandlerSettings
    let timeout: Duration
    private let accessKeys: [String]
    /// `WebHook-Request-Origin`: the service's host (and port), known once it listens.
    private let origin: @Sendable () -> String
    private let tracer: Tracer
    private let logger: Logger
    private let maxBodySize: Int
    private let client: HTTPClient
    /// Validation results per validation URL; a refusal is retried after `revalidateAfter`.
    private let validations = Mutex<[String: Validation]>([:])
    private let revalidateAfter: Duration = .seconds(3)
    /// Calls under way (graceful shutdown lets the last `disconnected` events go out).
    private let callsUnderWay = Atomic<Int>(0)

    var hasCallsUnderWay: Bool { callsUnderWay.load(ordering: .relaxed) > 0 }

    init(
        settings: EventHandlerSettings,
        accessKeys: [String],
        timeout: Duration,
        maxBodySize: Int,
        origin: @escaping @Sendable () -> String,
        tracer: Tracer,
        logger: Logger
    ) {
        self.settings = settings
        self.accessKeys = accessKeys
        self.timeout = timeout
        self.maxBodySize = maxBodySize
        self.origin = origin
        self.tracer = tracer
        self.logger = logger
        self.client = Self.httpClient
    }

    /// One client for the process (it is never shut down, so it needs no lifecycle of its own).
    /// Unlike `HTTPClient.shared`, it does not retry a refused connection until the deadline (an
    /// app server that is not running is reported at once) and does not follow redirects.
    private static let httpClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// An event loop for calls no connection's loop is at hand for.
    var anyEventLoop: any EventLoop { client.eventLoopGroup.any() }

    // MARK: Calling

    /// Sends `event` to `handler` (after the abuse-protection check, the first time) and returns its
    /// answer, whatever the status; fails with ``Failure`` when there is none.
    func send(_ event: Event, to handler: EventHandlerSettings.Handler, on eventLoop: any EventLoop) -> EventLoopFuture<Answer> {
        let url = handler.url(hub: event.hub, event: event.name)
        let shownURL = URLRedaction.redacted(url)
        let started = ContinuousClock.now
        callsUnderWay.add(1, ordering: .relaxed)
        return validated(handler, hub: event.hub, on: eventLoop)
            .flatMap { () -> EventLoopFuture<Answer> in
                self.post(event, url: url, shownURL: shownURL, on: eventLoop)
            }
            .always { result in
                self.callsUnderWay.subtract(1, ordering: .relaxed)
                self.trace(event, url: shownURL, started: started, result: result)
            }
    }

    private func post(_ event: Event, url: String, shownURL: String, on eventLoop: any EventLoop) -> EventLoopFuture<Answer> {
        // Header values may not hold control characters (RFC 9110); a client chooses event names.
        for (what, value) in [("event name", event.name), ("user id", event.userId ?? ""), ("connection state", event.connectionState ?? "")]
        where value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return eventLoop.makeFailedFuture(
                Failure.notSendable(url: shownURL, reason: "the \(what) holds control characters, which an HTTP header (ce-*) cannot carry")
            )
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(16)
        headers.add(name: "Content-Type", value: event.contentType)
        headers.add(name: "WebHook-Request-Origin", value: origin())
        headers.add(name: "ce-specversion", value: "1.0")
        headers.add(name: "ce-awpsversion", value: "1.0")
        headers.add(name: "ce-type", value: (event.isSystem ? "azure.webpubsub.sys." : "azure.webpubsub.user.") + event.name)
        headers.add(name: "ce-source", value: "/hubs/\(event.hub)/client/\(event.connectionId)")
        headers.add(name: "ce-id", value: UUID().uuidString.lowercased())
        headers.add(name: "ce-time", value: Self.timestamp())
        headers.add(name: "ce-hub", value: event.hub)
        headers.add(name: "ce-connectionId", value: event.connectionId)
        if let userId = event.userId { headers.add(name: "ce-userId", value: userId) }
        headers.add(name: "ce-eventName", value: event.name)
        if let subprotocol = event.subprotocol { headers.add(name: "ce-subprotocol", value: subprotocol) }
        if let state = event.connectionState, !state.isEmpty { headers.add(name: "ce-connectionState", value: state) }
        headers.add(name: "ce-signature", value: EventSignature.header(connectionId: event.connectionId, accessKeys: accessKeys))
        return execute(url: url, shownURL: shownURL, method: .POST, headers: headers, body: event.body, on: eventLoop)
    }

    private func execute(
        url: String,
        shownURL: String,
        method: HTTPMethod,
        headers: HTTPHeaders,
        body: ByteBuffer?,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Answer> {
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .byteBuffer($0) })
        } catch {
            return eventLoop.makeFailedFuture(Failure.unreachable(url: shownURL, reason: "not a valid URL: \(error)"))
        }
        let timeout = self.timeout
        let task = client.execute(
            request: request,
            delegate: ResponseAccumulator(request: request, maxBodySize: maxBodySize),
            eventLoop: .delegate(on: eventLoop),
            deadline: .now() + TimeAmount(timeout)
        )
        return task.futureResult
            .map { response in
                Answer(status: response.status, headers: response.headers, body: response.body ?? ByteBuffer())
            }
            .flatMapErrorThrowing { error in
                if let error = error as? HTTPClientError,
                    [HTTPClientError.deadlineExceeded, .readTimeout, .connectTimeout].contains(error)
                {
                    throw Failure.timedOut(url: shownURL, after: timeout)
                }
                if error is ResponseAccumulator.ResponseTooBigError {
                    throw Failure.invalidAnswer(url: shownURL, reason: "answered with a body over \(self.maxBodySize) bytes")
                }
                throw Failure.unreachable(url: shownURL, reason: "\(error)")
            }
            .hop(to: eventLoop)
    }

    // MARK: Abuse protection

    /// Succeeds once the handler's URL passed the abuse-protection check (§8.2): `OPTIONS` with
    /// `WebHook-Request-Origin`, answered 2xx with `WebHook-Allowed-Origin` naming this service's
    /// origin or `*`. One check per URL runs at a time; a refusal is kept for a few seconds.
    private func validated(_ handler: EventHandlerSettings.Handler, hub: String, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let url = handler.url(hub: hub, event: "validate")
        let shownURL = URLRedaction.redacted(url)
        enum Step {
            case done
            case refused(String)
            case wait(EventLoopFuture<Void>)
            case start(EventLoopPromise<Void>)
        }
        let now = ContinuousClock.now
        let step: Step = validations.withLock { validations in
            switch validations[url] {
            case .allowed?:
                return .done
            case .refused(let reason, let until)? where now < until:
                return .refused(reason)
            case .pending(let future)?:
                return .wait(future)
            case .refused?, nil:
                let promise = eventLoop.makePromise(of: Void.self)
                validations[url] = .pending(promise.futureResult)
                return .start(promise)
            }
        }
        switch step {
        case .done:
            return eventLoop.makeSucceededVoidFuture()
        case .refused(let reason):
            return eventLoop.makeFailedFuture(Failure.notAllowed(url: shownURL, reason: reason))
        case .wait(let future):
            return future.hop(to: eventLoop)
        case .start(let promise):
            let origin = origin()
            var headers = HTTPHeaders()
            headers.add(name: "WebHook-Request-Origin", value: origin)
            headers.add(name: "ce-awpsversion", value: "1.0")
            let started = ContinuousClock.now
            execute(url: url, shownURL: shownURL, method: .OPTIONS, headers: headers, body: nil, on: eventLoop)
                .whenComplete { result in
                    let refusal: String?
                    switch result {
                    case .success(let answer):
                        refusal = Self.validationRefusal(answer, origin: origin)
                    case .failure(Failure.unreachable(_, let reason)):
                        refusal = "it is unreachable (\(reason)); is the app server running?"
                    case .failure(Failure.timedOut(_, let after)):
                        refusal = "it did not answer the abuse-protection check (OPTIONS) within \(after.wholeSecondsText)"
                    case .failure(let error):
                        refusal = "its abuse-protection check (OPTIONS) failed: \(error)"
                    }
                    self.validations.withLock { validations in
                        validations[url] = refusal.map { .refused(reason: $0, until: .now + self.revalidateAfter) } ?? .allowed
                    }
                    self.traceValidation(shownURL: shownURL, hub: hub, origin: origin, started: started, result: result, refusal: refusal)
                    if let refusal {
                        promise.fail(Failure.notAllowed(url: shownURL, reason: refusal))
                    } else {
                        promise.succeed()
                    }
                }
            return promise.futureResult
        }
    }

    /// Why a validation answer does not allow `origin`, or nil when it does.
    static func validationRefusal(_ answer: Answer, origin: String) -> String? {
        guard answer.isSuccess else {
            return "it answered the abuse-protection check (OPTIONS) with \(answer.status.code); it must answer 200 "
                + "with the header WebHook-Allowed-Origin: \(origin) (or *)"
        }
        let allowed = answer.headers[canonicalForm: "WebHook-Allowed-Origin"].map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if allowed.contains("*") || allowed.contains(origin.lowercased()) { return nil }
        if allowed.isEmpty {
            return "its answer to the abuse-protection check (OPTIONS) has no WebHook-Allowed-Origin header; "
                + "it must allow \(origin) (or *)"
        }
        return "its answer to the abuse-protection check (OPTIONS) allows \(allowed.joined(separator: ", ")), "
            + "not this service's origin \(origin)"
    }

    // MARK: Trace and log

    private func trace(_ event: Event, url: String, started: ContinuousClock.Instant, result: Result<Answer, any Error>) {
        switch result {
        case .success(let answer) where answer.isSuccess:
            logger.debug("event handler answered", metadata: ["event": "\(event.name)", "url": "\(url)", "status": "\(answer.status.code)"])
        case .success(let answer):
            logger.warning(
                "event handler answered \(answer.status.code)",
                metadata: ["event": "\(event.name)", "url": "\(url)", "pubsub.connection_id": "\(event.connectionId)"]
            )
        case .failure(let error):
            logger.warning("\(error)", metadata: ["event": "\(event.name)", "pubsub.connection_id": "\(event.connectionId)"])
        }
        tracer.record {
            var details: [(String, JSONValue)] = [("event", .string(event.name)), ("url", .string(url))]
            switch result {
            case .success(let answer): details.append(("status", .integer(Int64(answer.status.code))))
            case .failure(let error): details.append(("error", .string("\(error)")))
            }
            details.append(("durationMs", TraceRecord.milliseconds(since: started)))
            return TraceRecord(.eventHandler, hub: event.hub, connectionId: event.connectionId, userId: event.userId, details: details)
        }
    }

    private func traceValidation(
        shownURL: String,
        hub: String,
        origin: String,
        started: ContinuousClock.Instant,
        result: Result<Answer, any Error>,
        refusal: String?
    ) {
        if let refusal {
            logger.error("event handler \(shownURL) is not called: \(refusal)", metadata: ["pubsub.hub": "\(hub)"])
        } else {
            logger.info("event handler \(shownURL) allowed this service's origin \(origin)", metadata: ["pubsub.hub": "\(hub)"])
        }
        tracer.record {
            var details: [(String, JSONValue)] = [("event", .string("validate")), ("url", .string(shownURL)), ("origin", .string(origin))]
            if case .success(let answer) = result { details.append(("status", .integer(Int64(answer.status.code)))) }
            details.append(("allowed", .bool(refusal == nil)))
            if let refusal { details.append(("error", .string(refusal))) }
            details.append(("durationMs", TraceRecord.milliseconds(since: started)))
            return TraceRecord(.eventHandler, hub: hub, details: details)
        }
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601)  // RFC 3339 in UTC: 2024-01-01T00:00:00Z
    }
}

extension Duration {
    /// `10 s`, `1.5 s`.
    var wholeSecondsText: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
