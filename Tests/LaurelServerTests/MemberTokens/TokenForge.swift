import Crypto
import Foundation

/// Builds JWTs by hand (base64url JSON, HMAC-SHA256 with swift-crypto), independently of jwt-kit,
/// so the tests can present the server with tokens it did not issue: other algorithms, audiences,
/// issuers, times, keys, and altered ones.
enum TokenForge {
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecoded(_ text: Substring) -> Data? {
        var text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }

    static func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }

    /// `header.claims.signature`, signed with HMAC-SHA256 under `secret` (base64, as the store keeps it); no signature without one.
    static func token(header: [String: Any], claims: [String: Any], secret: String?) -> String {
        let input = base64URL(json(header)) + "." + base64URL(json(claims))
        guard let secret, let key = Data(base64Encoded: secret) else { return input + "." }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: key))
        return input + "." + base64URL(Data(mac))
    }

    /// The decoded header and claims of a token.
    static func parts(_ token: String) -> (header: [String: Any], claims: [String: Any]) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        func object(_ part: Substring) -> [String: Any] {
            base64URLDecoded(part).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        }
        return (object(parts[0]), object(parts[1]))
    }

    /// Claims as Laurel issues them, for `member` of `program`, valid from `now` for `lifetime` seconds.
    static func claims(member: String, program: String, now: Date, lifetime: TimeInterval = 900) -> [String: Any] {
        let seconds = Int(now.timeIntervalSince1970)
        return ["iss": "laurel", "aud": program, "sub": member, "iat": seconds, "nbf": seconds, "exp": seconds + Int(lifetime), "jti": "mtok_forged"]
    }
}
