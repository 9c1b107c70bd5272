import Foundation

/// An IP address, classified for the webhook SSRF guard: deliveries may only go to public
/// addresses unless the server allows private ones.
public enum NetworkAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Reads an IPv4 dotted quad or an IPv6 literal (with or without brackets); nil for anything else.
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let v4 = Self.parseV4(text) { self = .v4(v4); return }
        if let v6 = Self.parseV6(text) { self = .v6(v6); return }
        return nil
    }

    /// Why the address is not public (loopback, private, link-local…), or nil when it is.
    public var nonPublicReason: String? {
        switch self {
        case .v4(let address): return Self.reason(v4: address)
        case .v6(let bytes):
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms are their IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }), (bytes[10] == 0xff && bytes[11] == 0xff) || (bytes[10] == 0 && bytes[11] == 0) {
                let v4 = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
                if bytes[10] == 0xff || v4 > 1 { return Self.reason(v4: v4) }
            }
            if bytes.allSatisfy({ $0 == 0 }) { return "unspecified" }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "loopback" }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return "link-local" }
            if bytes[0] & 0xfe == 0xfc { return "unique local" }
            if bytes[0] == 0xff { return "multicast" }
            // NAT64 (64:ff9b::/96) embeds an IPv4 address too.
            if bytes[0..<12] == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0][...] {
                return Self.reason(v4: UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15]))
            }
            return nil
        }
    }

    private static func reason(v4 address: UInt32) -> String? {
        func inside(_ base: UInt32, _ bits: UInt32) -> Bool { address >> (32 - bits) == base >> (32 - bits) }
        if inside(0x0000_0000, 8) { return "unspecified (0.0.0.0/8)" }
        if inside(0x7f00_0000, 8) { return "loopback" }
        if inside(0x0a00_0000, 8) || inside(0xac10_0000, 12) || inside(0xc0a8_0000, 16) { return "private" }
        if inside(0x6440_0000, 10) { return "shared (100.64.0.0/10)" }
        if inside(0xa9fe_0000, 16) { return "link-local" }
        if inside(0xe000_0000, 4) { return "multicast" }
        if address == 0xffff_ffff { return "broadcast" }
        if inside(0xf000_0000, 4) { return "reserved" }
        return nil
    }

    public var description: String {
        switch self {
        case .v4(let address): return "\(address >> 24).\(address >> 16 & 255).\(address >> 8 & 255).\(address & 255)"
        case .v6(let bytes):
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
        }
    }

    private static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let byte = UInt32(part), byte <= 255 else { return nil }
            value = value << 8 | byte
        }
        return value
    }

    private static func parseV6(_ text: Substring) -> [UInt8]? {
        var text = text
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        guard text.contains(":") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = parseV4(piece) {
                    bytes += [UInt8(v4 >> 24), UInt8(v4 >> 16 & 255), UInt8(v4 >> 8 & 255), UInt8(v4 & 255)]
                    continue
                }
                guard (1...4).contains(piece.count), let group = UInt16(piece, radix: 16) else { return nil }
                bytes += [UInt8(group >> 8), UInt8(group & 255)]
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}
