import PubSubCore
import Testing

@testable import PubSubService

@Suite("The development-key guard reads the listening address")
struct LoopbackCheckTests {
    @Test(
        "loopback only: 127.0.0.0/8, ::1, IPv4-mapped loopback, names that resolve to loopback only",
        arguments: ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1", "localhost"]
    )
    func loopback(host: String) throws {
        #expect(LoopbackCheck.isLoopbackOnly(host: host))
        try ServiceConfiguration(host: host).checkDevelopmentKey()
    }

    @Test(
        "beyond loopback: wildcards, other addresses, prefixes that only look like loopback, unresolvable names",
        arguments: ["0.0.0.0", "::", "10.0.0.1", "::ffff:10.0.0.1", "127.0.0.1.nip.io.invalid", "128.0.0.1", "fe80::1", "no-such-host.invalid", ""]
    )
    func beyondLoopback(host: String) {
        #expect(!LoopbackCheck.isLoopbackOnly(host: host))
        #expect {
            try ServiceConfiguration(host: host).checkDevelopmentKey()
        } throws: { error in
            (error as? PubSubError)?.exitStatus == .usage
        }
        // A secret key may listen anywhere.
        #expect(throws: Never.self) { try ServiceConfiguration(host: host, accessKeys: ["a-secret-key"]).checkDevelopmentKey() }
    }

    @Test("sizes on the command line: units, bounds and overflow")
    func sizes() throws {
        #expect(try ByteSizeText.parse("16MB", option: "--x") == 16 << 20)
        #expect(try ByteSizeText.parse("512kb", option: "--x") == 512 << 10)
        #expect(try ByteSizeText.parse("65536", option: "--x") == 65536)
        for bad in ["", "0", "MB", "1.5MB", "9223372036854775807GB", "1TB", "-1"] {
            #expect(throws: PubSubError.self) { try ByteSizeText.parse(bad, option: "--x") }
        }
    }
}
