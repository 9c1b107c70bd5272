import Foundation
import NIOCore

/// The key of a caller's source address in the per-address buckets. An IPv6 caller is keyed by its
/// /64 (one subscriber usually holds a whole /64, so per-address buckets would be free to multiply);
/// an IPv4-mapped IPv6 address by its IPv4 address. Behind a proxy every caller has the proxy's
/// address (docs/security.md).
enum SourceAddress {
    static func key(_ address: SocketAddress?) -> String {
        switch address {
        case .v4?:
            return address?.ipAddress ?? "unknown"
        case .v6(let v6)?:
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                return bytes[12..<16].map { String($0) }.joined(separator: ".")
            }
            return bytes[0..<8].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "::/64"
        case .unixDomainSocket?:
            return "unix"
        case nil:
            return "unknown"
        }
    }
}
