import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    static func raffleSeedRow(_ db: Database, programId: String, raffleId: String) throws -> RaffleSeedRow? {
        try db.row("SELECT * FROM raffle_draws WHERE program_id = ? AND raffle_id = ?", [programId, raffleId]).map { row in
            RaffleSeedRow(commitment: row["commitment"], seed: row["seed"], drawnAt: (row["drawn_at"] as Int64?).map(Date.init(millis:)),
                          winners: RaffleText.winners(row["winners"] as String?))
        }
    }

    /// The raffle's row, made with a fresh seed when absent (before its first entry or its draw): its commitment is public from then on.
    static func raffleRow(_ db: Database, programId: String, raffle: RaffleDefinition, random: RandomSource, now: Date) throws -> RaffleSeedRow {
        if let row = try raffleSeedRow(db, programId: programId, raffleId: raffle.id) { return row }
        var source = random
        let seed = RaffleDraw.makeSeed(using: &source)
        let row = RaffleSeedRow(commitment: RaffleDraw.commitment(seed: seed), seed: seed, drawnAt: nil, winners: [])
        // SQLite writes one transaction at a time: nobody made the row since the SELECT.
        try db.run("INSERT INTO raffle_draws (program_id, raffle_id, seed, commitment, created_at) VALUES (?, ?, ?, ?, ?)",
                   [programId, raffle.id, seed, row.commitment, now.millis])
        return row
    }

    static func raffleDefinition(_ db: Database, cache: ProgramCache, programId: String, raffleId: String) throws -> (ProgramVersionRecord, EventProcessor, RaffleDefinition) {
        let (version, processor) = try currentVersion(db, cache: cache, programId: programId)
        guard let raffle = processor.program.games.raffle(raffleId) else { throw StoreError.notFound("raffle \(raffleId)") }
        return (version, processor, raffle)
    }

    public func raffle(programId: String, raffleId: String) async throws -> RaffleState {
        let cache = programs
        return try await read { db in
            let (_, _, raffle) = try Self.raffleDefinition(db, cache: cache, programId: programId, raffleId: raffleId)
            let row = try Self.raffleSeedRow(db, programId: programId, raffleId: raffleId)
            let entries = try db.row("SELECT COUNT(*) AS n FROM raffle_entries WHERE program_id = ? AND raffle_id = ?",
                                     [programId, raffleId])?["n"] as Int? ?? 0
            return RaffleState(raffle: raffle, commitment: row?.commitment, seed: row?.drawnAt == nil ? nil : row?.seed, entries: entries,
                               drawnAt: row?.drawnAt, winners: row?.winners ?? [])
        }
    }

    public func enterRaffle(programId: String, id: String, raffleId: String, memberId: String, random: RandomSource, now: Date,
                            idempotency: Idempotency<RaffleEntryRecord>?) async throws -> Idempotent<RaffleEntryRecord> {
        let cache = programs
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            let (version, processor, raffle) = try Self.raffleDefinition(db, cache: cache, programId: programId, raffleId: raffleId)
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            guard member.status == .active else { throw StoreError.memberBlocked(memberId) }
            let row = try Self.raffleRow(db, programId: programId, raffle: raffle, random: random, now: now)
            guard row.drawnAt == nil else { throw RaffleRefusal.closed(raffleId: raffleId) }
            let earned = raffle.earnedBy.earned(from: try Self.processedEventCounts(db, memberId: memberId, types: raffle.earnedBy.eventTypes))
            let held = try db.row("""
                SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN paid_with = 'earned' THEN 1 ELSE 0 END), 0) AS earned
                FROM raffle_entries WHERE member_id = ? AND raffle_id = ?
                """, [memberId, raffleId])
            let payment = try raffle.payment(earned: earned, earnedUsed: (held?["earned"] as Int?) ?? 0, held: (held?["n"] as Int?) ?? 0, now: now)
            var cost = 0
            if case .points(let points) = payment {
                var ledger = try Self.loadLedger(db, member: member)
                ledger.settle(now: now)
                try ledger.spend(points, sourceId: id)
                try Self.saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, reason: "entry in raffle \(raffleId)")
                cost = points
            }
            let entry = RaffleEntryRecord(id: id, programId: programId, raffleId: raffleId, memberId: memberId, paidWith: cost > 0 ? "points" : "earned",
                                          costPoints: cost, enteredAt: now)
            try db.run("""
                INSERT INTO raffle_entries (id, program_id, raffle_id, member_id, paid_with, cost_points, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [id, programId, raffleId, memberId, entry.paidWith, cost, now.millis])
            return try Self.remember(db, programId: programId, idempotency, entry, now: now)
        }
    }

    static func raffleEntry(_ row: Row) -> RaffleEntryRecord {
        RaffleEntryRecord(id: row["id"], programId: row["program_id"], raffleId: row["raffle_id"], memberId: row["member_id"],
                          paidWith: row["paid_with"], costPoints: row["cost_points"], enteredAt: Date(millis: row["entered_at"]))
    }

    public func raffleEntries(programId: String, memberId: String, limit: Int, startingAfter: String?) async throws -> Page<RaffleEntryRecord> {
        try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            let rows = try db.rows("SELECT * FROM raffle_entries WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                                   [memberId, startingAfter ?? "\u{10FFFF}", limit + 1])
            return Page(items: rows.prefix(limit).map(Self.raffleEntry), hasMore: rows.count > limit)
        }
    }

    public func raffleEntries(programId: String, raffleId: String, limit: Int,
                              startingAfter: String?) async throws -> (commitment: String?, entries: Page<RaffleEntryRecord>) {
        let cache = programs
        return try await read { db in
            _ = try Self.raffleDefinition(db, cache: cache, programId: programId, raffleId: raffleId)
            let commitment = try Self.raffleSeedRow(db, programId: programId, raffleId: raffleId)?.commitment
            let rows = try db.rows("SELECT * FROM raffle_entries WHERE program_id = ? AND raffle_id = ? AND id > ? ORDER BY id LIMIT ?",
                                   [programId, raffleId, startingAfter ?? "", limit + 1])
            return (commitment, Page(items: rows.prefix(limit).map(Self.raffleEntry), hasMore: rows.count > limit))
        }
    }

    public func drawnRaffles(programId: String) async throws -> Set<String> {
        try await read { db in
            Set(try db.rows("SELECT raffle_id FROM raffle_draws WHERE program_id = ? AND drawn_at IS NOT NULL", [programId]).map { $0["raffle_id"] as String })
        }
    }

    public func drawRaffle(programId: String, raffleId: String, random: RandomSource, now: Date,
                           idempotency: Idempotency<RaffleState>?) async throws -> Idempotent<RaffleState> {
        let cache = programs
        // One write transaction at a time: the drawn check and the draw cannot interleave.
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            let (version, processor, raffle) = try Self.raffleDefinition(db, cache: cache, programId: programId, raffleId: raffleId)
            let row = try Self.raffleRow(db, programId: programId, raffle: raffle, random: random, now: now)
            guard row.drawnAt == nil else { throw RaffleRefusal.alreadyDrawn(raffleId: raffleId) }
            guard now >= raffle.drawAt else { throw RaffleRefusal.notDue(raffleId: raffleId, drawAt: raffle.drawAt) }
            let entries = try db.rows("SELECT id, member_id FROM raffle_entries WHERE program_id = ? AND raffle_id = ? ORDER BY id", [programId, raffleId])
                .map { RaffleDraw.Entry(id: $0["id"], memberId: $0["member_id"]) }
            let winners = RaffleDraw.winners(entries: entries, count: raffle.winners, seed: row.seed)
            let state = RaffleState(raffle: raffle, commitment: row.commitment, seed: row.seed, entries: entries.count, drawnAt: now, winners: winners)
            try db.run("UPDATE raffle_draws SET drawn_at = ?, winners = ? WHERE program_id = ? AND raffle_id = ?",
                       [now.millis, RaffleText.winners(winners), programId, raffleId])
            for winner in winners {
                if let points = raffle.prizePoints, let member = try Self.fetchMember(db, programId: programId, id: winner.memberId) {
                    var ledger = try Self.loadLedger(db, member: member)
                    if ledger.canCredit(points) {
                        let program = processor.program
                        ledger.earn(points, sourceId: winner.id, earnedAt: now, availableAt: now,
                                    expiresAt: program.expiry.expiryDate(earnedAt: now, calendar: program.calendar), now: now)
                        try Self.saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now,
                                            reason: "won raffle \(raffleId)")
                    }
                }
                try Self.emit(db, programId: programId, memberId: winner.memberId, [OutboxMessages.raffleWon(state, winner: winner, now: now)], now: now)
            }
            return try Self.remember(db, programId: programId, idempotency, state, now: now)
        }
    }
}
