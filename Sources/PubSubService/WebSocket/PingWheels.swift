import NIOCore
import Synchronization

/// The ping wheels of one service, one per event loop, made on first use.
final class PingWheels: Sendable {
    private let interval: TimeAmount
    private let wheels = Mutex<[ObjectIdentifier: NIOLoopBound<PingWheel>]>([:])

    init(interval: Duration) {
        self.interval = TimeAmount(interval)
    }

    /// The wheel of `eventLoop`; call on that loop.
    func wheel(on eventLoop: any EventLoop) -> PingWheel {
        wheels.withLock { wheels in
            let key = ObjectIdentifier(eventLoop)
            if let wheel = wheels[key] { return wheel.value }
            let wheel = PingWheel(eventLoop: eventLoop, interval: interval)
            wheels[key] = NIOLoopBound(wheel, eventLoop: eventLoop)
            return wheel
        }
    }
}
