import NIOCore
import Synchronization

extension EventLoopFuture where Value: Sendable {
    /// The future's value; unlike `get()`, stops waiting (throwing `CancellationError`) when the
    /// task is cancelled. The underlying operation carries on.
    func valueCancellable() async throws -> Value {
        let waiter = Mutex<CheckedContinuation<Value, any Error>?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let cancelledAlready = waiter.withLock { slot -> Bool in
                    if Task.isCancelled { return true }
                    slot = continuation
                    return false
                }
                if cancelledAlready {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                self.whenComplete { result in
                    let pending = waiter.withLock { slot -> CheckedContinuation<Value, any Error>? in
                        defer { slot = nil }
                        return slot
                    }
                    pending?.resume(with: result)
                }
            }
        } onCancel: {
            let pending = waiter.withLock { slot -> CheckedContinuation<Value, any Error>? in
                defer { slot = nil }
                return slot
            }
            pending?.resume(throwing: CancellationError())
        }
    }
}
