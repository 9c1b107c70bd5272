import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A webhook receiver on loopback for the tests: records every request and answers with the
/// status `answer` gives for it (by the number of requests before it, and its webhook-id).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        /// The request's target: path and query (which endpoint it was sent to).
        let target: String
        let headers: [String: String]
        let body: Data
        var id: String { headers["webhook-id"] ?? "" }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    private let state = Mutex<[Received]>([])
    let answer: @Sendable (_ index: Int, _ received: Received) -> Int

    init(answer: @escaping @Sendable (_ index: Int, _ received: Received) -> Int = { _, _ in 200 }) {
        self.answer = answer
    }

    var received: [Received] { state.withLock { $0 } }

    /// Runs `body` with the receiver listening; its argument is the URL to post to.
    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 4 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            // HTTP types carry Host as the request's authority, not as a header field.
            if let authority = request.head.authority { headers["host"] = authority }
            let received = Received(target: request.uri.description, headers: headers, body: Data(buffer: bytes))
            let index = self.state.withLock { state in state.append(received); return state.count - 1 }
            let status = self.answer(index, received)
            return Response(status: HTTPResponse.Status(code: status), body: ResponseBody(byteBuffer: ByteBuffer(string: "answer \(status)")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await body("http://127.0.0.1:\(port)/hook")
        }
    }
}

extension WebhookReceiver {
    /// Runs `body` with a receiver listening that answers 200 at once, then its body one byte every 200 ms
    /// for a minute: never idle long enough for a read time-out.
    static func dripping(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/drip") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<300 {
                    try await writer.write(ByteBuffer(string: "x"))
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await writer.finish(nil)
            })
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await body("http://127.0.0.1:\(port)/drip")
        }
    }
}

/// Standard Webhooks verification written from the specification for the tests, independent of
/// Laurel's signer: its own HMAC-SHA256 (RFC 2104 over SHA-256) and header parsing.
enum SpecVerifier {
    /// HMAC-SHA256 as RFC 2104 defines it, with a 64-byte block.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var key = key
        if key.count > 64 { key = Array(SHA256.hash(data: key)) }
        key += [UInt8](repeating: 0, count: 64 - key.count)
        let inner = Array(SHA256.hash(data: key.map { $0 ^ 0x36 } + message))
        return Array(SHA256.hash(data: key.map { $0 ^ 0x5c } + inner))
    }

    /// Whether the request carries a valid `v1` signature by `secret` (`whsec_<base64>`), among
    /// the space-separated signatures of its `webhook-signature` header.
    static func verifies(_ received: WebhookReceiver.Received, secret: String) -> Bool {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))),
              let id = received.headers["webhook-id"], let timestamp = received.headers["webhook-timestamp"], Int(timestamp) != nil,
              let header = received.headers["webhook-signature"] else { return false }
        let signed = Array("\(id).\(timestamp).".utf8) + Array(received.body)
        let expected = Data(hmacSHA256(key: Array(key), message: signed)).base64EncodedString()
        return header.split(separator: " ").contains { signature in
            let parts = signature.split(separator: ",", maxSplits: 1)
            return parts.count == 2 && parts[0] == "v1" && parts[1] == expected
        }
    }

    /// How many signatures the header carries.
    static func signatureCount(_ received: WebhookReceiver.Received) -> Int {
        received.headers["webhook-signature"]?.split(separator: " ").count ?? 0
    }
}
