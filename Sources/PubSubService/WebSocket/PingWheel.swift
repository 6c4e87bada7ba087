import NIOCore
import Synchronization

/// Pings the client sessions of one event loop: one timer per loop instead of one per connection.
///
/// The ping interval is cut into slots (one tick each); a session joins the slot just behind the
/// current one, so it is first visited one interval after it opened, then once per interval. A visit
/// pings the session, or closes it when the previous ping is still unanswered. Tens of thousands of
/// idle clients then cost one timer wake-up per tick and a batch of writes, not a timer each in the
/// event loop's scheduled-task heap.
///
/// Bound to its event loop: every method runs there.
final class PingWheel {
    static let slotCount = 20

    private let eventLoop: any EventLoop
    private let tick: TimeAmount
    private var slots: [ContiguousArray<ClientSession>]
    private var current = 0
    private var members = 0
    private var timer: RepeatedTask?

    init(eventLoop: any EventLoop, interval: TimeAmount) {
        self.eventLoop = eventLoop
        self.tick = .nanoseconds(max(interval.nanoseconds / Int64(Self.slotCount), 1_000_000))
        self.slots = Array(repeating: [], count: Self.slotCount)
    }

    /// Adds a session; the wheel's position goes into the session (for an O(1) removal).
    func add(_ session: ClientSession) {
        let slot = (current + Self.slotCount - 1) % Self.slotCount
        session.wheelPosition = (slot, slots[slot].count)
        slots[slot].append(session)
        members += 1
        if timer == nil {
            let loop = NIOLoopBound(self, eventLoop: eventLoop)
            timer = eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in loop.value.advance() }
        }
    }

    func remove(_ session: ClientSession) {
        guard let (slot, index) = session.wheelPosition else { return }
        session.wheelPosition = nil
        let last = slots[slot].removeLast()
        if index < slots[slot].count {
            slots[slot][index] = last
            last.wheelPosition = (slot, index)
        }
        members -= 1
        if members == 0 {
            // An idle service (or one shutting down) keeps no timer running.
            timer?.cancel()
            timer = nil
        }
    }

    private func advance() {
        current = (current + 1) % Self.slotCount
        let slot = current
        // Backwards: a session that closes while it is visited removes itself, and the one moved
        // into its place has already been visited.
        var index = slots[slot].count - 1
        while index >= 0 {
            if index < slots[slot].count { slots[slot][index].pingTick() }
            index -= 1
        }
    }
}
