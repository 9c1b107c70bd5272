import Foundation
import LaurelCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a webhook URL is refused.
public enum WebhookURLRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not a URL Laurel sends to: malformed, another scheme, credentials, too long.
    case invalid(String)
    /// Its host is (or resolves to) a loopback, private, link-local… address: the SSRF guard.
    case notPublic(String)

    public var description: String {
        switch self {
        case .invalid(let why), .notPublic(let why): why
        }
    }
}

/// The SSRF guard for webhook URLs. Only `https` URLs whose host resolves to public addresses
/// only, unless the server allows private ones (`laurel serve --allow-private-webhooks`, which
/// also allows `http`). Checked when an endpoint is created or its URL changed, and again before
/// every attempt (what a name resolves to can change).
public struct WebhookURLPolicy: Sendable {
    public static let maxLength = 2048
    public var allowPrivate: Bool
    /// How long a check at creation waits for DNS; a name that does not resolve in time is accepted
    /// (the check before each attempt still applies).
    public var resolveTimeout: Duration = .seconds(3)

    /// What a name resolves to (nil: it does not); getaddrinfo unless a test injects another.
    public var resolver: @Sendable (_ host: String) async -> [NetworkAddress]?

    public init(allowPrivate: Bool, resolver: @escaping @Sendable (_ host: String) async -> [NetworkAddress]? = { await WebhookURLPolicy.systemResolve($0) }) {
        self.allowPrivate = allowPrivate
        self.resolver = resolver
    }

    /// The URL's host when its form is acceptable; refuses malformed URLs, other schemes,
    /// credentials, `localhost` and non-public IP literals.
    public func host(of text: String) throws(WebhookURLRefusal) -> String {
        guard text.utf8.count <= Self.maxLength else { throw .invalid("url must be at most \(Self.maxLength) characters") }
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }),
              let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw .invalid("url must be an absolute URL such as https://example.com/webhooks")
        }
        guard scheme == "https" || (scheme == "http" && allowPrivate) else {
            throw .invalid(allowPrivate ? "url must use https or http" : "url must use https")
        }
        guard components.user == nil, components.password == nil else { throw .invalid("url must not contain credentials (user:password@)") }
        if let port = components.port, !(1...65535).contains(port) { throw .invalid("url has an invalid port") }
        if allowPrivate { return host }
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if name == "localhost" || name.hasSuffix(".localhost") { throw .notPublic("url's host \(host) is the local machine") }
        if let address = NetworkAddress(host), let reason = address.nonPublicReason {
            throw .notPublic("url's host \(host) is a \(reason) address; webhooks go to public addresses only")
        }
        return host
    }

    /// The check when an endpoint is created or its URL changed: the form, then what the host resolves
    /// to, if it resolves within `resolveTimeout`.
    public func check(_ text: String) async throws(WebhookURLRefusal) {
        let host = try host(of: text)
        guard !allowPrivate, NetworkAddress(host) == nil else { return }
        let addresses = await resolve(host, within: resolveTimeout) ?? []
        try Self.refuseNonPublic(host: host, addresses)
    }

    /// The check before an attempt: the form, and every address a host name resolves to now; a name that
    /// does not resolve is refused too (there is nowhere to send). Answers the address the attempt must
    /// connect to, one of those just checked (its first IPv4 one, else its first; nil for an IP literal, checked as written): the sender
    /// connects there rather than resolving the name again, so a name that resolves elsewhere a moment
    /// later (DNS rebinding) cannot lead it to an address this check did not see. With private
    /// addresses allowed, names are resolved and pinned alike, but any address is accepted.
    public func checkBeforeSending(_ text: String) async throws(WebhookURLRefusal) -> NetworkAddress? {
        let host = try host(of: text)
        guard NetworkAddress(host) == nil else { return nil }
        guard let addresses = await resolve(host, within: .seconds(10)), let first = Self.preferred(addresses) else { throw .invalid("could not resolve \(host)") }
        if !allowPrivate { try Self.refuseNonPublic(host: host, addresses) }
        return first
    }

    /// The address an attempt connects to: the first IPv4 one, else the first.
    static func preferred(_ addresses: [NetworkAddress]) -> NetworkAddress? {
        addresses.first { if case .v4 = $0 { true } else { false } } ?? addresses.first
    }

    private static func refuseNonPublic(host: String, _ addresses: [NetworkAddress]) throws(WebhookURLRefusal) {
        for address in addresses {
            if let reason = address.nonPublicReason {
                throw .notPublic("url's host \(host) resolves to \(address), a \(reason) address; webhooks go to public addresses only")
            }
        }
    }

    /// Every address `host` resolves to within `limit`; nil when it does not resolve in time (a lookup still
    /// running then is left to finish on its own).
    func resolve(_ host: String, within limit: Duration) async -> [NetworkAddress]? {
        let resolver = self.resolver
        return await WebhookSender.within(limit) { await resolver(host) } ?? nil
    }

    /// Every address `host` resolves to (getaddrinfo, off the cooperative pool); nil when it does not resolve.
    public static func systemResolve(_ host: String) async -> [NetworkAddress]? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: resolveBlocking(host)) }
        }
    }

    private static func resolveBlocking(_ host: String) -> [NetworkAddress]? {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var addresses: [NetworkAddress] = []
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let info = current {
            if let socket = info.pointee.ai_addr {
                switch Int32(info.pointee.ai_family) {
                case AF_INET:
                    let v4 = socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                    addresses.append(.v4(UInt32(bigEndian: v4)))
                case AF_INET6:
                    let bytes = socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                    addresses.append(.v6(bytes))
                default:
                    break
                }
            }
            current = info.pointee.ai_next
        }
        return addresses
    }
}
