import Foundation
import PubSubCore
import Testing

@testable import PubSubService

@Suite("Identifier generation")
struct IdentifierGenerationTests {
    @Test("connection ids are 16 letters and digits, spread over the whole alphabet, and distinct")
    func connectionIDs() {
        let ids = (0..<2000).map { _ in Identifiers.connectionID() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 16 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
        // 32,000 characters: every one of the 62 shows up (a mapping that skipped some would not).
        #expect(Set(ids.joined()).count == 62)
    }

    @Test("secrets are 256 bits in base64url without padding")
    func secrets() {
        let secrets = (0..<200).map { _ in Identifiers.secret() }
        #expect(Set(secrets).count == secrets.count)
        #expect(secrets.allSatisfy { $0.count == 43 && !$0.contains("=") && !$0.contains("+") && !$0.contains("/") })
    }
}

@Suite("HTTP Date header")
struct HTTPDateTests {
    @Test("the Date header is an RFC 9110 IMF-fixdate in GMT, whatever the machine's zone and locale")
    func imfFixdate() {
        #expect(HTTPDateCache.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDateCache.format(Date(timeIntervalSince1970: 1_795_760_345)) == "Fri, 27 Nov 2026 06:19:05 GMT")
        let now = HTTPDateCache().now()
        #expect(now.hasSuffix(" GMT") && now.count == 29)
    }
}
