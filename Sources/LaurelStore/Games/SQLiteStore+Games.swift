import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func spin(programId: String, id: String, memberId: String, wheelId: String, random: RandomSource, now: Date,
                     idempotency: Idempotency<SpinRecord>?) async throws -> Idempotent<SpinRecord> {
        let cache = programs
        // SQLite runs one write transaction at a time: counting the wins and writing the spin in it is exact.
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            let program = processor.program
            guard let wheel = program.games.wheel(wheelId) else { throw StoreError.notFound("wheel \(wheelId)") }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            guard member.status == .active else { throw StoreError.memberBlocked(memberId) }
            let events = try Self.processedEventCounts(db, memberId: memberId, types: wheel.earnedBy.eventTypes)
            let allowance = try Self.allowance(db, member: memberId, wheel: wheel, events: events, program: program, now: now)
            let payment = try WheelDraw.payment(wheel, earnedPlays: allowance.earned, playsUsed: allowance.used, spinsInPeriod: allowance.inPeriod,
                                                now: now, calendar: program.calendar)
            let wins = try Self.prizeWins(db, programId: programId, wheel: wheel, program: program, now: now)
            var ledger = try Self.loadLedger(db, member: member)
            var spin = try SpinPlan.run(&ledger, program: program, wheel: wheel, payment: payment, wins: wins, random: random, id: id,
                                        programId: programId, memberId: memberId, version: version.version, now: now)
            try Self.saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: program, now: now,
                                reason: SpinPlan.reason(wheelId: wheel.id, prizeId: spin.prizeId))
            // A reward prize is issued as a gift (stock taken exactly); one that cannot be issued leaves nothing and the spin says why.
            if let rewardId = wheel.prizes.first(where: { $0.id == spin.prizeId })?.reward {
                spin.record(try Self.issueGift(db, programId: programId, memberId: memberId, rewardId: rewardId, program: program,
                                               sourceEventId: nil, now: now))
            }
            try db.run("""
                INSERT INTO game_spins (id, program_id, member_id, wheel_id, prize_id, points, paid_with, cost_points, roll, weights,
                                        program_version, drawn_at, available_after, reward_id, redemption_id, reward_status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [spin.id, programId, memberId, wheelId, spin.prizeId, spin.points, spin.paidWith, spin.costPoints, spin.roll,
                      SpinPlan.weightsText(spin.weights), spin.programVersion, now.millis, spin.availableAfter, spin.rewardId, spin.redemptionId,
                      spin.rewardStatus])
            if spin.won { try Self.emit(db, programId: programId, memberId: memberId, [OutboxMessages.gameWon(spin, now: now)], now: now) }
            return try Self.remember(db, programId: programId, idempotency, spin, now: now)
        }
    }

    /// The member's processed events of each of `types` (a type without any is absent), in one query.
    static func processedEventCounts(_ db: Database, memberId: String, types: [String]) throws -> [String: Int] {
        guard !types.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: types.count).joined(separator: ", ")
        let rows = try db.rows("SELECT type, COUNT(*) AS n FROM events WHERE member_id = ? AND status = 'processed' AND type IN (\(marks)) GROUP BY type",
                               StatementArguments([memberId] + types))
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["type"] as String, $0["n"] as Int) })
    }

    /// Free plays earned (`events`: the member's processed events by type, counting for the wheel's
    /// `earned_by`; and grants), those used, and spins in the limit's period.
    static func allowance(_ db: Database, member: String, wheel: WheelDefinition, events: [String: Int], program: ProgramDefinition,
                          now: Date) throws -> (earned: Int, used: Int, inPeriod: Int) {
        let granted = try db.row("SELECT COALESCE(SUM(plays), 0) AS n FROM game_play_grants WHERE member_id = ? AND wheel_id = ?",
                                 [member, wheel.id])?["n"] as Int? ?? 0
        let earned = granted + wheel.earnedBy.earned(from: events)
        let used = try db.row("SELECT COUNT(*) AS n FROM game_spins WHERE member_id = ? AND wheel_id = ? AND paid_with = 'play'",
                              [member, wheel.id])?["n"] as Int? ?? 0
        var inPeriod = 0
        if let limit = wheel.limit {
            let start = WheelDraw.periodStart(limit.period, now: now, calendar: program.calendar)
            inPeriod = try db.row("SELECT COUNT(*) AS n FROM game_spins WHERE member_id = ? AND wheel_id = ? AND drawn_at >= ?",
                                  [member, wheel.id, start?.millis ?? Int64.min])?["n"] as Int? ?? 0
        }
        return (earned, used, inPeriod)
    }

    /// Wins of each budgeted prize of the wheel: in total, and since the start of its budget's period.
    /// A reward prize that could not be issued won nothing and does not count.
    static func prizeWins(_ db: Database, programId: String, wheel: WheelDefinition, program: ProgramDefinition,
                          now: Date) throws -> [String: PrizeWins] {
        var wins: [String: PrizeWins] = [:]
        for prize in wheel.prizes {
            guard let budget = prize.budget else { continue }
            let start = WheelDraw.periodStart(budget.period, now: now, calendar: program.calendar)
            let row = try db.row("""
                SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN drawn_at >= ? THEN 1 ELSE 0 END), 0) AS in_period
                FROM game_spins WHERE program_id = ? AND wheel_id = ? AND prize_id = ? AND (reward_status IS NULL OR reward_status = 'issued')
                """, [start?.millis ?? Int64.min, programId, wheel.id, prize.id])
            wins[prize.id] = PrizeWins(total: (row?["total"] as Int?) ?? 0, inPeriod: (row?["in_period"] as Int?) ?? 0)
        }
        return wins
    }

    static func spinRecord(_ row: Row) -> SpinRecord {
        SpinRecord(id: row["id"], programId: row["program_id"], memberId: row["member_id"], wheelId: row["wheel_id"], prizeId: row["prize_id"],
                   points: row["points"], paidWith: row["paid_with"], costPoints: row["cost_points"], roll: row["roll"],
                   weights: SpinPlan.weights(row["weights"]), programVersion: row["program_version"], drawnAt: Date(millis: row["drawn_at"]),
                   availableAfter: row["available_after"], rewardId: row["reward_id"], redemptionId: row["redemption_id"],
                   rewardStatus: row["reward_status"])
    }

    public func grantPlays(programId: String, id: String, memberId: String, wheelId: String, plays: Int, reason: String, actor: String, now: Date,
                           idempotency: Idempotency<PlayGrantRecord>?) async throws -> Idempotent<PlayGrantRecord> {
        let cache = programs
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            let (_, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            guard processor.program.games.wheel(wheelId) != nil else { throw StoreError.notFound("wheel \(wheelId)") }
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            let grant = PlayGrantRecord(id: id, programId: programId, memberId: memberId, wheelId: wheelId, plays: plays, reason: reason,
                                        actor: actor, grantedAt: now)
            try db.run("""
                INSERT INTO game_play_grants (id, program_id, member_id, wheel_id, plays, reason, actor, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [id, programId, memberId, wheelId, plays, reason, actor, now.millis])
            return try Self.remember(db, programId: programId, idempotency, grant, now: now)
        }
    }

    public func spins(programId: String, memberId: String?, limit: Int, startingAfter: String?) async throws -> Page<SpinRecord> {
        try await read { db in
            let rows: [Row]
            if let memberId {
                guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
                rows = try db.rows("SELECT * FROM game_spins WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                                   [memberId, startingAfter ?? "\u{10FFFF}", limit + 1])
            } else {
                rows = try db.rows("SELECT * FROM game_spins WHERE program_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                                   [programId, startingAfter ?? "\u{10FFFF}", limit + 1])
            }
            return Page(items: rows.prefix(limit).map(Self.spinRecord), hasMore: rows.count > limit)
        }
    }

    public func spin(programId: String, memberId: String, id: String) async throws -> SpinRecord? {
        try await read { db in
            try db.rows("SELECT * FROM game_spins WHERE id = ? AND program_id = ? AND member_id = ?", [id, programId, memberId]).first.map(Self.spinRecord)
        }
    }

    public func wheelAllowances(programId: String, memberId: String, now: Date) async throws -> [WheelAllowance] {
        let cache = programs
        return try await read { db in
            let (_, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            let wheels = processor.program.games.wheels
            let events = try Self.processedEventCounts(db, memberId: memberId, types: wheels.flatMap(\.earnedBy).eventTypes)
            return try wheels.map { wheel in
                let allowance = try Self.allowance(db, member: memberId, wheel: wheel, events: events, program: processor.program, now: now)
                return WheelAllowance(wheel: wheel, freePlays: max(0, allowance.earned - allowance.used),
                                      spinsLeftInPeriod: wheel.limit.map { max(0, $0.maxPlays - allowance.inPeriod) })
            }
        }
    }
}
