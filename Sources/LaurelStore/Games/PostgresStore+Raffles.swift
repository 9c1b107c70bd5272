import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// How a write takes the raffle's row: entries `FOR SHARE`, the draw `FOR UPDATE`, so entries
    /// wait for a draw in progress and two draws never overlap.
    enum RaffleRowLock {
        case share, update
    }

    static func raffleSeedRow(_ connection: PostgresConnection, programId: String, raffleId: String, lock: RaffleRowLock?,
                              _ logger: Logger) async throws -> RaffleSeedRow? {
        let select: PostgresQuery = switch lock {
        case .update: "SELECT * FROM raffle_draws WHERE program_id = \(programId) AND raffle_id = \(raffleId) FOR UPDATE"
        case .share: "SELECT * FROM raffle_draws WHERE program_id = \(programId) AND raffle_id = \(raffleId) FOR SHARE"
        case nil: "SELECT * FROM raffle_draws WHERE program_id = \(programId) AND raffle_id = \(raffleId)"
        }
        guard let row = try await connection.row(select, logger) else { return nil }
        return RaffleSeedRow(commitment: try row.get("commitment", String.self), seed: try row.get("seed", String.self),
                             drawnAt: try row.optionalDate("drawn_at"), winners: RaffleText.winners(try row.get("winners", String?.self)))
    }

    /// The raffle's row, locked as `lock` says, made with a fresh seed when absent (before its first
    /// entry or its draw): its commitment is public from then on.
    static func raffleRow(_ connection: PostgresConnection, programId: String, raffle: RaffleDefinition, random: RandomSource, now: Date,
                          lock: RaffleRowLock, _ logger: Logger) async throws -> RaffleSeedRow {
        if let row = try await raffleSeedRow(connection, programId: programId, raffleId: raffle.id, lock: lock, logger) { return row }
        var source = random
        let seed = RaffleDraw.makeSeed(using: &source)
        // Another node may make it first: its seed stands, and the second SELECT reads it.
        try await connection.query("""
            INSERT INTO raffle_draws (program_id, raffle_id, seed, commitment, created_at)
            VALUES (\(programId), \(raffle.id), \(seed), \(RaffleDraw.commitment(seed: seed)), \(now.millis))
            ON CONFLICT (program_id, raffle_id) DO NOTHING
            """, logger: logger)
        guard let row = try await raffleSeedRow(connection, programId: programId, raffleId: raffle.id, lock: lock, logger) else {
            throw StoreError.notFound("raffle \(raffle.id)")
        }
        return row
    }

    func raffleDefinition(_ connection: PostgresConnection, programId: String, raffleId: String) async throws -> (ProgramVersionRecord, EventProcessor, RaffleDefinition) {
        let (version, processor) = try await currentVersion(connection, programId: programId)
        guard let raffle = processor.program.games.raffle(raffleId) else { throw StoreError.notFound("raffle \(raffleId)") }
        return (version, processor, raffle)
    }

    public func raffle(programId: String, raffleId: String) async throws -> RaffleState {
        try await snapshotRead { connection in
            let (_, _, raffle) = try await raffleDefinition(connection, programId: programId, raffleId: raffleId)
            let row = try await Self.raffleSeedRow(connection, programId: programId, raffleId: raffleId, lock: nil, logger)
            let entries = try await connection.row("""
                SELECT COUNT(*) AS n FROM raffle_entries WHERE program_id = \(programId) AND raffle_id = \(raffleId)
                """, logger)?.get("n", Int.self) ?? 0
            return RaffleState(raffle: raffle, commitment: row?.commitment, seed: row?.drawnAt == nil ? nil : row?.seed, entries: entries,
                               drawnAt: row?.drawnAt, winners: row?.winners ?? [])
        }
    }

    public func enterRaffle(programId: String, id: String, raffleId: String, memberId: String, random: RandomSource, now: Date,
                            idempotency: Idempotency<RaffleEntryRecord>?) async throws -> Idempotent<RaffleEntryRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            let (version, processor, raffle) = try await raffleDefinition(connection, programId: programId, raffleId: raffleId)
            // The raffle's row before the member's: the draw takes them in the same order.
            let row = try await Self.raffleRow(connection, programId: programId, raffle: raffle, random: random, now: now, lock: .share, logger)
            guard row.drawnAt == nil else { throw RaffleRefusal.closed(raffleId: raffleId) }
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            guard member.status == .active else { throw StoreError.memberBlocked(memberId) }
            let events = try await Self.processedEventCounts(connection, memberId: memberId, types: raffle.earnedBy.eventTypes, logger)
            let earned = raffle.earnedBy.earned(from: events)
            let held = try await connection.row("""
                SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE paid_with = 'earned') AS earned
                FROM raffle_entries WHERE member_id = \(memberId) AND raffle_id = \(raffleId)
                """, logger)
            let payment = try raffle.payment(earned: earned, earnedUsed: try held?.get("earned", Int.self) ?? 0, held: try held?.get("n", Int.self) ?? 0,
                                             now: now)
            var cost = 0
            if case .points(let points) = payment {
                var ledger = try await Self.loadLedger(connection, member: member, logger)
                ledger.settle(now: now)
                try ledger.spend(points, sourceId: id)
                try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now,
                                          reason: "entry in raffle \(raffleId)", logger)
                cost = points
            }
            let entry = RaffleEntryRecord(id: id, programId: programId, raffleId: raffleId, memberId: memberId, paidWith: cost > 0 ? "points" : "earned",
                                          costPoints: cost, enteredAt: now)
            try await connection.query("""
                INSERT INTO raffle_entries (id, program_id, raffle_id, member_id, paid_with, cost_points, entered_at)
                VALUES (\(id), \(programId), \(raffleId), \(memberId), \(entry.paidWith), \(cost), \(now.millis))
                """, logger: logger)
            return try await Self.remember(connection, programId: programId, idempotency, entry, logger)
        }
    }

    static func raffleEntry(_ row: PostgresRandomAccessRow) throws -> RaffleEntryRecord {
        RaffleEntryRecord(id: try row.get("id"), programId: try row.get("program_id"), raffleId: try row.get("raffle_id"), memberId: try row.get("member_id"),
                          paidWith: try row.get("paid_with"), costPoints: try row.get("cost_points"), enteredAt: try row.date("entered_at"))
    }

    public func raffleEntries(programId: String, memberId: String, limit: Int, startingAfter: String?) async throws -> Page<RaffleEntryRecord> {
        try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            let before = startingAfter ?? "\u{10FFFF}"
            let rows = try await connection.rows("""
                SELECT * FROM raffle_entries WHERE member_id = \(memberId) AND id < \(before) ORDER BY id DESC LIMIT \(limit + 1)
                """, logger)
            return Page(items: try rows.prefix(limit).map(Self.raffleEntry), hasMore: rows.count > limit)
        }
    }

    public func raffleEntries(programId: String, raffleId: String, limit: Int,
                              startingAfter: String?) async throws -> (commitment: String?, entries: Page<RaffleEntryRecord>) {
        // One snapshot: an entry read here was committed with or after the seed's row, so it has a commitment.
        try await snapshotRead { connection in
            _ = try await raffleDefinition(connection, programId: programId, raffleId: raffleId)
            let commitment = try await Self.raffleSeedRow(connection, programId: programId, raffleId: raffleId, lock: nil, logger)?.commitment
            let after = startingAfter ?? ""
            let rows = try await connection.rows("""
                SELECT * FROM raffle_entries WHERE program_id = \(programId) AND raffle_id = \(raffleId) AND id COLLATE "C" > \(after)
                ORDER BY id COLLATE "C" LIMIT \(limit + 1)
                """, logger)
            return (commitment, Page(items: try rows.prefix(limit).map(Self.raffleEntry), hasMore: rows.count > limit))
        }
    }

    public func drawnRaffles(programId: String) async throws -> Set<String> {
        try await read { connection in
            Set(try await connection.rows("""
                SELECT raffle_id FROM raffle_draws WHERE program_id = \(programId) AND drawn_at IS NOT NULL
                """, logger).map { try $0.get("raffle_id", String.self) })
        }
    }

    public func drawRaffle(programId: String, raffleId: String, random: RandomSource, now: Date,
                           idempotency: Idempotency<RaffleState>?) async throws -> Idempotent<RaffleState> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            let (version, processor, raffle) = try await raffleDefinition(connection, programId: programId, raffleId: raffleId)
            let row = try await Self.raffleRow(connection, programId: programId, raffle: raffle, random: random, now: now, lock: .update, logger)
            guard row.drawnAt == nil else { throw RaffleRefusal.alreadyDrawn(raffleId: raffleId) }
            guard now >= raffle.drawAt else { throw RaffleRefusal.notDue(raffleId: raffleId, drawAt: raffle.drawAt) }
            let entries = try await connection.rows("""
                SELECT id, member_id FROM raffle_entries WHERE program_id = \(programId) AND raffle_id = \(raffleId) ORDER BY id COLLATE "C"
                """, logger).map { RaffleDraw.Entry(id: try $0.get("id"), memberId: try $0.get("member_id")) }
            let winners = RaffleDraw.winners(entries: entries, count: raffle.winners, seed: row.seed)
            let state = RaffleState(raffle: raffle, commitment: row.commitment, seed: row.seed, entries: entries.count, drawnAt: now, winners: winners)
            try await connection.query("""
                UPDATE raffle_draws SET drawn_at = \(now.millis), winners = \(RaffleText.winners(winners))
                WHERE program_id = \(programId) AND raffle_id = \(raffleId)
                """, logger: logger)
            // Members locked in id order: two transactions locking several members never wait on each other in a circle.
            for winner in winners.sorted(by: { $0.memberId < $1.memberId }) {
                if let points = raffle.prizePoints,
                   let member = try await Self.fetchMember(connection, programId: programId, id: winner.memberId, lock: true, logger) {
                    var ledger = try await Self.loadLedger(connection, member: member, logger)
                    if ledger.canCredit(points) {
                        let program = processor.program
                        ledger.earn(points, sourceId: winner.id, earnedAt: now, availableAt: now,
                                    expiresAt: program.expiry.expiryDate(earnedAt: now, calendar: program.calendar), now: now)
                        try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now,
                                                  reason: "won raffle \(raffleId)", logger)
                    }
                }
            }
            for winner in winners {
                try await Self.emit(connection, programId: programId, memberId: winner.memberId,
                                    [OutboxMessages.raffleWon(state, winner: winner, now: now)], now: now, logger)
            }
            return try await Self.remember(connection, programId: programId, idempotency, state, logger)
        }
    }
}
