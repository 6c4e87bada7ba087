import PubSubCore
import Testing

@Suite("Roles and group patterns")
struct RoleTests {
    @Test(
        "parses every documented role form",
        arguments: [
            ("webpubsub.joinLeaveGroup", GroupPermission.joinLeaveGroup, "any-group", true),
            ("webpubsub.sendToGroup", .sendToGroup, "any-group", true),
            ("webpubsub.joinLeaveGroup.room1", .joinLeaveGroup, "room1", true),
            ("webpubsub.joinLeaveGroup.room1", .joinLeaveGroup, "room2", false),
            ("webpubsub.sendToGroup.a.b", .sendToGroup, "a.b", true),
            ("webpubsub.sendToGroups.tenant1.*", .sendToGroup, "tenant1.a", true),
            ("webpubsub.sendToGroups.tenant1.*", .sendToGroup, "tenant1.a.b", false),
            ("webpubsub.joinLeaveGroups.tenant1.**", .joinLeaveGroup, "tenant1.a.b", true),
            ("webpubsub.sendtogroup.room1", .sendToGroup, "room1", true),
        ]
    )
    func grants(role: String, permission: GroupPermission, group: String, granted: Bool) throws {
        let parsed = try Role(parsing: role)
        #expect(parsed.grants(permission, on: group) == granted)
        #expect(parsed.description == role)
        let other: GroupPermission = permission == .sendToGroup ? .joinLeaveGroup : .sendToGroup
        #expect(!parsed.grants(other, on: group))
    }

    @Test(
        "refuses what is not a role",
        arguments: ["webpubsub.joinGroup", "webpubsub.sendToGroups", "webpubsub.sendToGroup.", "admin", "webpubsub.sendToGroups.******", "webpubsub.joinLeaveGroups.a\\b"]
    )
    func refuses(role: String) {
        let error = #expect(throws: PubSubError.self) { try Role(parsing: role) }
        #expect(error?.code == .invalidRole)
        #expect(error?.exitStatus == .usage)
    }

    @Test(
        "wildcard patterns follow the documented semantics",
        arguments: [
            ("tenant1.*", "tenant1.a", true),
            ("tenant1.*", "tenant1.", true),
            ("tenant1.*", "tenant1.a.b", false),
            ("tenant1.**", "tenant1.a.b", true),
            ("tenant1.**", "tenant2.a", false),
            ("room?", "room1", true),
            ("room?", "room", false),
            ("room?", "room.", false),
            ("a*c", "abbbc", true),
            ("a*c", "ab.c", false),
            ("a**c", "ab.c", true),
            ("\\*", "*", true),
            ("\\*", "x", false),
            ("\\?x", "?x", true),
            ("*", "", true),
            ("**.log", "a.b.log", true),
        ]
    )
    func patterns(pattern: String, group: String, matches: Bool) throws {
        #expect(try GroupPattern(parsing: pattern).matches(group) == matches)
    }

    @Test("at most five stars")
    func starLimit() throws {
        _ = try GroupPattern(parsing: "*.*.*.**")
        #expect(throws: PubSubError.self) { try GroupPattern(parsing: "*.*.*.***") }
    }
}

@Suite("Names and durations")
struct NameAndDurationTests {
    @Test("hub names", arguments: [("chat", true), ("Orders_2", true), ("a.b[1]", true), ("1chat", false), ("", false), ("my hub", false), ("hübe", false), (String(repeating: "a", count: 129), false)])
    func hubNames(name: String, valid: Bool) {
        #expect(((try? HubName.validate(name)) != nil) == valid)
    }

    @Test("group names", arguments: [("room1", true), ("a b", true), ("", false), ("   ", false), (String(repeating: "g", count: 1025), false)])
    func groupNames(name: String, valid: Bool) {
        #expect((GroupName.problem(with: name) == nil) == valid)
    }

    @Test(
        "durations with units",
        arguments: [("90s", 90_000), ("60m", 3_600_000), ("2h", 7_200_000), ("1d", 86_400_000), ("1h30m", 5_400_000), ("500ms", 500), ("2H", 7_200_000)]
    )
    func durations(text: String, milliseconds: Int64) throws {
        #expect(try DurationText.parse(text, option: "--expires") == .milliseconds(milliseconds))
    }

    @Test("durations without a unit or with a wrong one are refused", arguments: ["30", "", "10y", "m", "-5m", "99999999999999999999d"])
    func badDurations(text: String) {
        let error = #expect(throws: PubSubError.self) { try DurationText.parse(text, option: "--expires") }
        #expect(error?.message.hasPrefix("--expires") == true)
    }
}
