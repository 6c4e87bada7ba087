import NIOCore
import Synchronization

/// The mailboxes of one service, one per event loop, made on first use.
final class LoopMailboxes: Sendable {
    private let mailboxes = Mutex<[ObjectIdentifier: LoopMailbox]>([:])

    init() {}

    func mailbox(on loop: any EventLoop) -> LoopMailbox {
        mailboxes.withLock { mailboxes in
            let key = ObjectIdentifier(loop)
            if let mailbox = mailboxes[key] { return mailbox }
            let mailbox = LoopMailbox(loop: loop)
            mailboxes[key] = mailbox
            return mailbox
        }
    }
}
