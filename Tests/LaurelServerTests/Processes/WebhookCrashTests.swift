import AsyncHTTPClient
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import NIOCore
import NIOHTTP1
import Testing

/// Webhooks leave through the transactional outbox: a message committed by a `laurel serve` process
/// that is then killed with SIGKILL before delivering it is delivered after a restart, exactly once.
@Suite(.serialized) struct WebhookCrashTests {
    static let program = """
        name: Crash webhooks
        currency: EUR
        earning_rules:
          - {id: visit, event: visit, effect: {type: fixed_points, points: 7}}
        tiers:
          basis: points_earned
          levels:
            - {id: bronze, name: Bronze, threshold: 0}
            - {id: gold, name: Gold, threshold: 1000}
        """

    @Test func aMessageCommittedBeforeSIGKILLIsDeliveredOnceAfterRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-webhook-crash-\(UUID().uuidString).db").path
        let now = Date()
        var key = ""
        var memberIds: [String] = []
        do {
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            _ = try await store.createProgram(id: "crash", name: "Crash", now: now)
            _ = try await store.applyProgram(id: "crash", definition: try ProgramDefinition.parse(Self.program), source: Self.program, now: now,
                                             idempotency: nil)
            key = try await APIKeyAuthenticator.create(store: store, programId: "crash", scope: .admin, name: nil, now: now).1
            for index in 0..<3 {
                let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: "crash", externalId: "c\(index)", createdAt: now, updatedAt: now)
                _ = try await store.createMember(member, idempotency: nil)
                memberIds.append(member.id)
            }
        }
        let receiver = WebhookReceiver()
        let (apiKey, members) = (key, memberIds)
        try await receiver.run { url in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }
            func call(_ port: Int, _ method: HTTPMethod, _ path: String, _ body: String?) async throws -> (Int, [String: Any]) {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
                request.headers.add(name: "Content-Type", value: "application/json")
                if let body { request.body = .bytes(ByteBuffer(string: body)) }
                let response = try await client.execute(request, timeout: .seconds(10))
                let bytes = try await response.body.collect(upTo: 1 << 20)
                return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]) ?? [:])
            }

            // The first process delivers nothing (its worker is off): it commits and is killed.
            let ids = try await ServeProcess.with(database: path, arguments: Self.arguments(webhooksEvery: "0")) { first in
                // An endpoint receives what is written after it was created, not the members' enrolment before.
                let before = try await call(first.port, .GET, "/v1/messages", nil)
                let lastBefore = ((before.1["data"] as? [[String: Any]]) ?? []).compactMap { $0["sequence"] as? Int }.max() ?? 0
                var created = try await call(first.port, .POST, "/v1/webhook_endpoints", #"{"url":"\#(url)"}"#)
                #expect(created.0 == 201, "\(created.1)")
                for member in members {
                    created = try await call(first.port, .PUT, "/v1/members/\(member)/tier", #"{"tier":"gold","reason":"crash test"}"#)
                    #expect(created.0 == 200, "\(created.1)")
                }
                let messages = try await call(first.port, .GET, "/v1/messages?starting_after=\(lastBefore)", nil)
                let ids = ((messages.1["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                #expect(ids.count >= 3, "\(messages.1)")
                try await first.kill()
                return ids
            }
            #expect(receiver.received.isEmpty)

            // After a restart they all arrive, each once.
            try await ServeProcess.with(database: path, arguments: Self.arguments(webhooksEvery: "0.2")) { _ in
                let deadline = ContinuousClock.now + .seconds(30)
                while Set(receiver.received.map(\.id)).count < ids.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                try await Task.sleep(for: .seconds(1.5))
            }
            #expect(receiver.received.map(\.id).sorted() == ids.sorted(), "every committed message exactly once")
        }
    }

    /// `laurel serve`'s options here: no scheduled jobs, webhooks to this machine allowed, delivered every `webhooksEvery` seconds (0: not at all).
    static func arguments(webhooksEvery: String) -> [String] {
        ["--settle-every", "0", "--allow-private-webhooks", "--webhooks-every", webhooksEvery]
    }
}
