import Crypto
import Foundation
import LaurelCore
import LaurelStore

/// Standard Webhooks signing (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256>` over
/// `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the base64-decoded part of the secret after `whsec_`.
public enum WebhookSignature {
    /// A new endpoint secret: `whsec_` and 32 random bytes in base64.
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// One `v1,…` signature.
    public static func sign(secret: String, id: String, timestamp: Int64, body: Data) -> String {
        let key = SymmetricKey(data: Data(base64Encoded: String(secret.dropFirst("whsec_".count))) ?? Data(secret.utf8))
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret, space-separated (two during a rotation's overlap).
    public static func header(secrets: [String], id: String, timestamp: Int64, body: Data) -> String {
        secrets.map { sign(secret: $0, id: id, timestamp: timestamp, body: body) }.joined(separator: " ")
    }

    /// The body sent: `{"data": <the message payload>, "timestamp": <when it was written>, "type": …}`, keys
    /// sorted, the payload's bytes as the outbox holds them, so every attempt sends the same bytes.
    public static func body(type: String, createdAt: Date, payload: String) -> Data {
        var body = JSONTextWriter(capacity: payload.utf8.count + 96)
        body.beginObject()
        body.key("data")
        body.raw(payload)
        body.field("timestamp", Timestamps.format(createdAt))
        body.field("type", type)
        body.endObject()
        return Data(body.bytes)
    }
}
