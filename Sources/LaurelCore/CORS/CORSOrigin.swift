import Foundation

/// A browser origin a program lets read Laurel's answers (`cors.allowed_origins` in the program
/// file): the serialisation a browser sends in `Origin` — lowercase scheme and host, a port only
/// when it is not the scheme's default (a default one is dropped), no path, no wildcard. `https`
/// always; `http` only for the local machine (`localhost`, `127.0.0.1`, `[::1]`), since a page
/// served over plain HTTP elsewhere can be rewritten on its way to the browser.
public enum CORSOrigin {
    /// At most this many origins per program.
    public static let maxPerProgram = 100

    /// The origin as browsers send it, or why `text` is not one.
    public static func read(_ text: String) -> Result<String, Refusal> {
        guard text.unicodeScalars.allSatisfy({ $0.isASCII && !$0.properties.isWhitespace }) else {
            return .failure(Refusal("must be ASCII without spaces (write an internationalised host in its xn-- form)"))
        }
        guard !text.contains("*") else { return .failure(Refusal("wildcards are not allowed: list each origin")) }
        guard text == text.lowercased() else { return .failure(Refusal("must be lowercase, as browsers send it")) }
        guard let schemeEnd = text.range(of: "://") else { return .failure(Refusal("must be scheme://host[:port], such as https://shop.example")) }
        let scheme = String(text[..<schemeEnd.lowerBound])
        let rest = text[schemeEnd.upperBound...]
        guard !rest.contains(where: { "/?#".contains($0) }) else { return .failure(Refusal("must not have a path, query or fragment (no trailing /)")) }
        guard !rest.contains("@") else { return .failure(Refusal("must not contain credentials")) }
        var host = Substring(rest)
        var port: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure(Refusal("has an unclosed IPv6 address")) }
            host = rest[...close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(Refusal("must be scheme://host[:port]")) }
                port = after.dropFirst()
            }
            guard host.count > 2, host.dropFirst().dropLast().allSatisfy({ "0123456789abcdef:.".contains($0) }) else {
                return .failure(Refusal("has an invalid IPv6 address"))
            }
        } else {
            if let colon = rest.lastIndex(of: ":") {
                host = rest[..<colon]
                port = rest[rest.index(after: colon)...]
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) else {
                return .failure(Refusal("must name a host of letters, digits, - and dots"))
            }
        }
        var origin = "\(scheme)://\(host)"
        if let port {
            guard let number = Int(port), (1...65_535).contains(number), String(number) == port else { return .failure(Refusal("has an invalid port")) }
            if number != defaultPort(scheme) { origin += ":\(number)" }
        }
        switch scheme {
        case "https": return .success(origin)
        case "http": return ["localhost", "127.0.0.1", "[::1]"].contains(host) ? .success(origin) : .failure(Refusal("http is allowed for localhost only; use https"))
        default: return .failure(Refusal("must use https (or http for localhost)"))
        }
    }

    /// Why a text is not an origin.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    private static func defaultPort(_ scheme: String) -> Int? {
        switch scheme { case "https": 443; case "http": 80; default: nil }
    }
}
