import Logging
import NIOEmbedded
import PubSubCore
import Testing

@testable import PubSubService

@Suite("Hub routes")
struct HubRoutesTests {
    static let loop = EmbeddedEventLoop()

    static func connection(_ id: String, user: String? = nil, wireProtocol: ClientSubprotocol = .json) -> ClientConnection {
        ClientConnection(
            id: id, hub: "hub", userId: user, wireProtocol: wireProtocol, mailbox: LoopMailbox(loop: loop), roles: [], simpleSendGroup: nil,
            limits: ServiceConfiguration(port: 0)
        )
    }

    static func ids(_ recipients: RecipientSet) -> [String] {
        recipients.all.map(\.id).sorted()
    }

    @Test("targets resolve to the hub's connections, a group's members, a user's connections or one connection")
    func targets() {
        let routes = HubRoutes(key: "hub", maxGroupsPerConnection: 10)
        let a = Self.connection("a", user: "alice")
        let b = Self.connection("b", user: "alice")
        let c = Self.connection("c")
        routes.add(a, groups: ["g"])
        routes.add(b, groups: [])
        routes.add(c, groups: ["g"])
        #expect(Self.ids(routes.recipients(for: .hub)) == ["a", "b", "c"])
        #expect(Self.ids(routes.recipients(for: .group("g"))) == ["a", "c"])
        #expect(Self.ids(routes.recipients(for: .user("alice"))) == ["a", "b"])
        #expect(Self.ids(routes.recipients(for: .connection("c"))) == ["c"])
        #expect(routes.recipients(for: .group("none")).isEmpty)
        let subject = routes.subject(of: a)
        #expect(subject.connectionId == "a" && subject.userId == "alice" && subject.groups == ["g"])
    }

    @Test("a group's recipient set is kept between publishes and rebuilt after a join or a leave")
    func groupRecipientsFollowMembership() {
        let routes = HubRoutes(key: "hub", maxGroupsPerConnection: 10)
        let a = Self.connection("a")
        let b = Self.connection("b", wireProtocol: .simple)
        routes.add(a, groups: ["g"])
        routes.add(b, groups: [])
        #expect(routes.recipients(for: .group("g")).formats == WireFormats(.json))
        #expect(routes.join(b, group: "g"))
        #expect(Self.ids(routes.recipients(for: .group("g"))) == ["a", "b"])
        #expect(routes.recipients(for: .group("g")).formats == [WireFormats(.json), WireFormats(.simple)])
        routes.leave(a, group: "g")
        #expect(Self.ids(routes.recipients(for: .group("g"))) == ["b"])
        routes.leaveAll(b)
        #expect(!routes.groupExists("g"))
    }

    @Test("a connection in the most groups it may be in joins no other; joining one it is in still succeeds")
    func groupLimit() {
        let routes = HubRoutes(key: "hub", maxGroupsPerConnection: 2)
        let a = Self.connection("a")
        routes.add(a, groups: ["one", "two"])
        #expect(!routes.join(a, group: "three"))
        #expect(routes.join(a, group: "two"))
        #expect(routes.groups(of: a) == ["one", "two"])
    }

    @Test("user operations reach every connection of the user; a user with none is reported absent")
    func users() {
        let routes = HubRoutes(key: "hub", maxGroupsPerConnection: 10)
        let a = Self.connection("a", user: "alice")
        let b = Self.connection("b", user: "alice")
        routes.add(a, groups: ["x"])
        routes.add(b, groups: [])
        #expect(routes.addUser("alice", group: "g"))
        #expect(!routes.addUser("bob", group: "g"))
        #expect(Self.ids(routes.recipients(for: .group("g"))) == ["a", "b"])
        #expect(routes.connectionCount(user: "alice") == 2)
        routes.removeUser("alice", group: nil)
        #expect(!routes.groupExists("g") && !routes.groupExists("x"))
        #expect(routes.userExists("alice"))
    }

    @Test("removing a connection takes it out of every map; a stale one with the same id does not remove its successor")
    func remove() {
        let routes = HubRoutes(key: "hub", maxGroupsPerConnection: 10)
        let first = Self.connection("a", user: "alice")
        routes.add(first, groups: ["g"])
        #expect(routes.remove(first))
        #expect(routes.connection(id: "a") == nil && !routes.userExists("alice") && !routes.groupExists("g"))
        let second = Self.connection("a", user: "alice")
        routes.add(second, groups: ["g"])
        #expect(!routes.remove(first))
        #expect(routes.connection(id: "a") === second)
        // A membership change for a connection no longer there changes nothing.
        #expect(routes.join(first, group: "other"))
        #expect(!routes.groupExists("other"))
    }
}
