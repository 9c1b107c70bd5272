import Foundation
import LaurelCore
@_spi(Testing) import LaurelStore
import LaurelServer
import LaurelTestSupport
import PostgresNIO
import Testing

/// A store with a program, an endpoint on the test receiver, and messages to deliver.
struct WebhookFixture {
    let store: any LaurelStore
    let clock: ManualClock
    static let program = "prg_a"
    static let start = Timestamps.parse("2026-03-03T10:00:00Z")!
    /// Deliveries to the loopback receiver need the flag `laurel serve --allow-private-webhooks` sets.
    /// A longer time-out than production's 10 s: the whole test suite on a loaded machine can take that long to answer.
    static let sender: WebhookSender = {
        var sender = WebhookSender(allowPrivateAddresses: true)
        sender.timeout = .seconds(30)
        return sender
    }()

    static func make(_ backend: TestBackend) async throws -> WebhookFixture {
        let store = try await backend.makeStore()
        _ = try await store.createProgram(id: program, name: "Webhooks", now: start)
        _ = try await store.createProgram(id: "prg_b", name: "Other", now: start)
        return WebhookFixture(store: store, clock: ManualClock(start))
    }

    /// An endpoint created directly in the store (the routes' URL checks are tested on their own).
    func endpoint(url: String, types: [String] = [], requiresConsent: String? = nil,
                  program: String = WebhookFixture.program) async throws -> WebhookEndpointRecord {
        let now = clock.now()
        let record = WebhookEndpointRecord(id: Identifiers.make("whe", now: now), programId: program, url: url, description: nil, types: types,
                                           requiresConsent: requiresConsent, secret: WebhookSignature.makeSecret(), createdAt: now, updatedAt: now)
        _ = try await store.createWebhookEndpoint(record, idempotency: nil)
        return record
    }

    /// Writes messages to the outbox; returns their ids in order.
    @discardableResult
    func messages(_ count: Int, type: String = MessageType.tierChanged, member: (Int) -> String? = { _ in "mem_1" },
                  program: String = WebhookFixture.program) async throws -> [String] {
        let before = try await allMessages(program: program).count
        let batch = (0..<count).map { index in (type: type, memberId: member(index), payload: #"{"n":\#(index),"note":"é/ü"}"#) }
        try await Self.append(store, program: program, batch, now: clock.now())
        return Array(try await allMessages(program: program).dropFirst(before).map(\.id))
    }

    static func append(_ store: any LaurelStore, program: String, _ batch: [(type: String, memberId: String?, payload: String)], now: Date) async throws {
        switch store {
        case let sqlite as SQLiteStore: try await sqlite.appendOutboxMessages(programId: program, batch, now: now)
        case let postgres as PostgresStore: try await postgres.appendOutboxMessages(programId: program, batch, now: now)
        default: Issue.record("unknown store \(type(of: store))")
        }
    }

    func allMessages(program: String = WebhookFixture.program) async throws -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        var cursor: Int64?
        while true {
            let page = try await store.outbox(programId: program, limit: 500, startingAfter: cursor)
            messages += page.items
            guard page.hasMore, let last = page.items.last else { return messages }
            cursor = last.sequence
        }
    }

    /// Fans out and delivers what is due at the clock's time.
    @discardableResult
    func deliver(sender: WebhookSender = WebhookFixture.sender) async throws -> Int {
        try await Self.waitForFanOutHorizon(store)
        return try await WebhookDeliveryWorker.runOnce(store: store, sender: sender, clock: clock)
    }

    /// On PostgreSQL, messages are fanned out once every transaction older than theirs has ended
    /// (`PostgresStore.fanOut`); the cluster is shared with the other tests, whose transactions can
    /// hold that back for a while (a whole test suite's worth of long transactions runs beside it in CI).
    /// Waits, up to a minute, until every message written so far is past it.
    static func waitForFanOutHorizon(_ store: any LaurelStore) async throws {
        guard let postgres = store as? PostgresStore else { return }
        for _ in 0..<6000 {
            let rows = try await postgres.client.query("""
                SELECT (SELECT coalesce(max(xid), 0) FROM outbox) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS ready
                """)
            for try await ready in rows.decode(Bool.self) where ready { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func deliveries(_ endpoint: WebhookEndpointRecord, status: WebhookDeliveryStatus? = nil) async throws -> [WebhookDeliveryRecord] {
        try await store.webhookDeliveries(programId: endpoint.programId, endpointId: endpoint.id, status: status, limit: 500, startingAfter: nil).items
    }
}
