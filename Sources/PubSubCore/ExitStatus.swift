/// The process exit statuses every `pubsub` command uses (sysexits-style, as ArgumentParser already uses 64).
///
/// The README's exit-code table is this type; keep the two in step.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Success, including a long-running command stopped by SIGINT or SIGTERM after a clean close.
    case success = 0
    /// The answer is no: `group|connection|user exists` and `permission check`, as `test` and
    /// `grep` say it. Nothing else uses it, so a script can tell "no" from a failure.
    case no = 1
    /// Bad flags or arguments (ArgumentParser's own usage status).
    case usage = 64
    /// Bad input data: a malformed connection string, JSON document or token; a 4xx refusal.
    case dataError = 65
    /// The service does not know the target (404).
    case notFound = 67
    /// The service cannot be reached: connection refused, DNS failure, handshake rejected.
    case unavailable = 69
    /// The service answered with a server error (5xx), retries included.
    case serviceError = 70
    /// An unexpected internal failure: a bug in `pubsub` (an error no command expected).
    case internalFailure = 71
    /// An output file cannot be created (`subscribe --ready-file` in a directory that cannot be written).
    case cannotCreate = 73
    /// A timeout expired (`--timeout`, or no ack arrived in time).
    case timedOut = 75
    /// Not authorised: 401/403, a bad signature, an expired or wrong-audience token.
    case unauthorized = 77
    /// The endpoint does not offer this feature: `pubsub trace` against Azure or another service.
    case unsupported = 78
    /// A second Ctrl-C forced an immediate stop.
    case forcedStop = 130
}
