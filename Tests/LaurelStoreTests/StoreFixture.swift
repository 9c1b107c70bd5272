import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// The databases the store tests run on: SQLite always, PostgreSQL when `LAUREL_TEST_POSTGRES_URL` is set.
/// Every test takes one of these as its argument, so each runs once per backend.
typealias StoreBackend = TestBackend

/// A fresh store with one program applied, and helpers that drive it the way the HTTP layer does.
struct StoreFixture {
    let store: any LaurelStore
    let programId: String

    /// A Monday, on a whole millisecond (the stores keep milliseconds).
    static let start = Timestamps.parse("2026-03-02T10:00:00Z")!

    /// One point per euro, 10 points per review at most twice a day.
    static let basicProgram = """
        name: Store tests
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: review
            event: review
            effect: {type: fixed_points, points: 10}
            limit: {max_times: 2, period: day}
        """

    /// A fresh store on `backend` with program `programId` created and `program` applied (none when nil).
    static func make(_ backend: StoreBackend, program: String? = basicProgram, programId: String = "prg_test") async throws -> StoreFixture {
        let store = try await backend.makeStore()
        _ = try await store.createProgram(id: programId, name: "Store tests", now: start)
        let fixture = StoreFixture(store: store, programId: programId)
        if let program { try await fixture.apply(program) }
        return fixture
    }

    /// A fresh SQLite store in a file of its own, for tests that look at the file, with `program`
    /// applied; `removeFile` deletes the file and its WAL afterwards.
    static func onFile(programId: String, program: String = basicProgram) async throws -> (fixture: StoreFixture, path: String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-file-\(UUID().uuidString).db").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        _ = try await store.createProgram(id: programId, name: "On file", now: start)
        let fixture = StoreFixture(store: store, programId: programId)
        try await fixture.apply(program)
        return (fixture, path)
    }

    static func removeFile(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// `start` plus some days and hours.
    static func at(days: Double = 0, hours: Double = 0) -> Date {
        start.addingTimeInterval(days * 86_400 + hours * 3600)
    }

    @discardableResult
    func apply(_ source: String, now: Date = start) async throws -> ProgramVersionRecord {
        let definition = try ProgramDefinition.parse(source)
        let applied = try await store.applyProgram(id: programId, definition: definition, source: source, now: now, idempotency: nil)
        return try #require(applied.value)
    }

    // MARK: Members

    func member(_ externalId: String, status: MemberStatus = .active, now: Date = start) async throws -> MemberRecord {
        let record = MemberRecord(id: Identifiers.make("mem", now: now), programId: programId, externalId: externalId, status: status,
                                  createdAt: now, updatedAt: now)
        return try #require(try await store.createMember(record, idempotency: nil).value)
    }

    func reload(_ memberId: String) async throws -> MemberRecord {
        try #require(try await store.member(programId: programId, id: memberId))
    }

    // MARK: Events

    static func purchase(total: String, at date: Date, id: String = Identifiers.make("evt"), channel: String? = nil) -> LoyaltyEvent {
        LoyaltyEvent(id: id, type: LoyaltyEvent.purchaseType, occurredAt: date, channel: channel,
                     purchase: Purchase(currency: "EUR", total: Amount(total)!, lines: []))
    }

    static func named(_ type: String, at date: Date, id: String = Identifiers.make("evt"), attributes: [String: JSONValue] = [:]) -> LoyaltyEvent {
        LoyaltyEvent(id: id, type: type, occurredAt: date, attributes: attributes)
    }

    static func returnOf(_ purchaseId: String, amount: String, at date: Date, id: String = Identifiers.make("evt")) -> LoyaltyEvent {
        LoyaltyEvent(id: id, type: LoyaltyEvent.returnType, occurredAt: date, returnOf: ReturnDetails(purchaseEventId: purchaseId, amount: Amount(amount)!))
    }

    /// The event as the HTTP layer stores it: its normalised body as JSON with sorted keys.
    static func payload(_ event: LoyaltyEvent, memberId: String) -> String {
        var body: [String: JSONValue] = [
            "member_id": .string(memberId), "type": .string(event.type), "occurred_at": .string(Timestamps.format(event.occurredAt)),
        ]
        if let channel = event.channel { body["channel"] = .string(channel) }
        if !event.attributes.isEmpty { body["attributes"] = .object(event.attributes) }
        if let purchase = event.purchase {
            body["purchase"] = .object(["currency": .string(purchase.currency), "total": .string(purchase.total.description)])
        }
        if let details = event.returnOf {
            body["return"] = .object(["purchase_event_id": .string(details.purchaseEventId), "amount": .string(details.amount.description)])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(JSONValue.object(body))) ?? Data(), as: UTF8.self)
    }

    func send(_ event: LoyaltyEvent, memberId: String, now: Date? = nil,
              idempotency: Idempotency<EventRecord>? = nil) async throws -> Idempotent<EventRecord> {
        try await store.recordEvent(programId: programId, memberId: memberId, event: event, payload: Self.payload(event, memberId: memberId),
                                    now: now ?? event.occurredAt, idempotency: idempotency)
    }

    /// Records an event without an idempotency key and returns the stored event.
    @discardableResult
    func record(_ event: LoyaltyEvent, memberId: String, now: Date? = nil) async throws -> EventRecord {
        try #require(try await send(event, memberId: memberId, now: now).value)
    }

    // MARK: Ledger

    /// Every ledger entry of a member, oldest first, read page by page.
    func entries(_ memberId: String, pageSize: Int = 7) async throws -> [LedgerEntryRecord] {
        var all: [LedgerEntryRecord] = []
        var cursor: Int64?
        while true {
            let page = try await store.ledger(programId: programId, memberId: memberId, limit: pageSize, startingAfter: cursor)
            all += page.items
            guard page.hasMore, let last = page.items.last else { break }
            cursor = last.sequence
        }
        return all.reversed()
    }

    /// A member's balances recomputed from their ledger entries alone.
    func balancesFromEntries(_ memberId: String) async throws -> (available: Int, pending: Int) {
        var available = 0, pending = 0
        for record in try await entries(memberId, pageSize: 50) {
            available += Self.change(record.entry, .available(member: memberId))
            pending += Self.change(record.entry, .pending(member: memberId))
        }
        return (available, pending)
    }

    /// What an entry did to one account.
    static func change(_ entry: LedgerEntry, _ account: LedgerAccount) -> Int {
        (entry.to == account ? entry.points : 0) - (entry.from == account ? entry.points : 0)
    }

    func audit() async throws -> [String] { try await store.audit(programId: programId) }

    /// Settles every member due at `now`, batch after batch.
    func settle(now: Date, batchSize: Int = 100) async throws {
        for _ in 0..<1000 {
            if try await store.settleDuePoints(now: now, batchSize: batchSize) < batchSize { return }
        }
        Issue.record("settlement at \(now) never finished")
    }
}

/// An idempotency claim whose response names the value, so replays can be compared byte for byte.
func idempotency<Value: Sendable>(_ key: String, fingerprint: String = "fp-1", status: Int = 201) -> Idempotency<Value> {
    Idempotency(key: key, fingerprint: fingerprint) { value in StoredResponse(status: status, body: Data("\(value)".utf8)) }
}

/// Thrown by a response renderer to make a write fail at its very end.
struct RenderFailure: Error {}

/// Dated points (pending lots, points expiring) as comparable text: `100 at 2026-04-01T10:00:00.000Z`.
func dated(_ items: [PointsSummary.Expiring]) -> [String] { items.map { "\($0.points) at \(Timestamps.format($0.date))" } }
func dated(_ items: (date: Date, points: Int)...) -> [String] { items.map { "\($0.points) at \(Timestamps.format($0.date))" } }

extension RecordedOutcome.Balance {
    /// `[available, pending]`, to compare with a literal.
    var pair: [Int] { [available, pending] }
}
