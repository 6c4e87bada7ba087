#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a listening address reaches this machine only: the guard that keeps the public
/// development key off the network.
///
/// Read as an address, not as text: an IPv4 literal is loopback when it is in 127.0.0.0/8; an
/// IPv6 literal when it is `::1` or an IPv4-mapped loopback (`::ffff:127.0.0.1`); a name when every
/// address it resolves to is loopback (`localhost` usually; a name that resolves to nothing, or to
/// any other address, is not). The wildcard addresses (`0.0.0.0`, `::`) listen everywhere.
enum LoopbackCheck {
    static func isLoopbackOnly(host: String) -> Bool {
        var trimmed = Substring(host)
        if trimmed.hasPrefix("["), trimmed.hasSuffix("]") { trimmed = trimmed.dropFirst().dropLast() }
        let name = String(trimmed)
        if let literal = literal(name) { return literal }
        return resolvesToLoopbackOnly(name)
    }

    /// For an IP literal, whether it is loopback; nil when `host` is not a literal.
    static func literal(_ host: String) -> Bool? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return isLoopback(v4) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return isLoopback(v6) }
        return nil
    }

    static func isLoopback(_ address: in_addr) -> Bool {
        // s_addr is in network order: its first byte in memory is the first octet.
        withUnsafeBytes(of: address) { $0[0] == 127 }
    }

    static func isLoopback(_ address: in6_addr) -> Bool {
        withUnsafeBytes(of: address) { bytes in
            let loopback = bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
            let mapped = bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
            return loopback || mapped
        }
    }

    /// Resolves `name` (no service, any family) and checks every address.
    private static func resolvesToLoopbackOnly(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(first) }
        var found = false
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            guard let address = current.pointee.ai_addr else { return false }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                let loopback = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { isLoopback($0.pointee.sin_addr) }
                guard loopback else { return false }
            case AF_INET6:
                let loopback = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { isLoopback($0.pointee.sin6_addr) }
                guard loopback else { return false }
            default:
                return false
            }
            found = true
            entry = current.pointee.ai_next
        }
        return found
    }
}
