import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    public func spin(programId: String, id: String, memberId: String, wheelId: String, random: RandomSource, now: Date,
                     idempotency: Idempotency<SpinRecord>?) async throws -> Idempotent<SpinRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            let (version, processor) = try await currentVersion(connection, programId: programId)
            let program = processor.program
            guard let wheel = program.games.wheel(wheelId) else { throw StoreError.notFound("wheel \(wheelId)") }
            // The member's row first (their plays and points), then the wheel's lock (its budgets): every spin takes them in this order.
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            guard member.status == .active else { throw StoreError.memberBlocked(memberId) }
            let events = try await Self.processedEventCounts(connection, memberId: memberId, types: wheel.earnedBy.eventTypes, logger)
            let allowance = try await Self.allowance(connection, member: memberId, wheel: wheel, events: events, program: program, now: now, logger)
            let payment = try WheelDraw.payment(wheel, earnedPlays: allowance.earned, playsUsed: allowance.used, spinsInPeriod: allowance.inPeriod,
                                                now: now, calendar: program.calendar)
            // Only budgets need it: held until commit, the next spin of this wheel, on any node, counts this one's prize.
            // (Namespace 7323: wheels; segments use 7311.) A wheel without budgets spins without waiting for others.
            if wheel.prizes.contains(where: { $0.budget != nil }) {
                _ = try await connection.rows("SELECT pg_advisory_xact_lock(7323, hashtext(\(programId + "/" + wheelId)))", logger)
            }
            let wins = try await Self.prizeWins(connection, programId: programId, wheel: wheel, program: program, now: now, logger)
            var ledger = try await Self.loadLedger(connection, member: member, logger)
            var spin = try SpinPlan.run(&ledger, program: program, wheel: wheel, payment: payment, wins: wins, random: random, id: id,
                                        programId: programId, memberId: memberId, version: version.version, now: now)
            try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: program, now: now,
                                      reason: SpinPlan.reason(wheelId: wheel.id, prizeId: spin.prizeId), logger)
            // A reward prize is issued as a gift: the conditional stock decrement never oversells, even against
            // redemptions of the same reward outside this wheel's lock; one that cannot be issued leaves nothing and the spin says why.
            if let rewardId = wheel.prizes.first(where: { $0.id == spin.prizeId })?.reward {
                spin.record(try await Self.issueGift(connection, programId: programId, memberId: memberId, rewardId: rewardId, program: program,
                                                     sourceEventId: nil, now: now, logger))
            }
            let weights = SpinPlan.weightsText(spin.weights)
            try await connection.query("""
                INSERT INTO game_spins (id, program_id, member_id, wheel_id, prize_id, points, paid_with, cost_points, roll, weights,
                                        program_version, drawn_at, available_after, reward_id, redemption_id, reward_status)
                VALUES (\(spin.id), \(programId), \(memberId), \(wheelId), \(spin.prizeId), \(spin.points), \(spin.paidWith), \(spin.costPoints),
                        \(spin.roll), \(weights), \(spin.programVersion), \(now.millis), \(spin.availableAfter), \(spin.rewardId),
                        \(spin.redemptionId), \(spin.rewardStatus))
                """, logger: logger)
            if spin.won { try await Self.emit(connection, programId: programId, memberId: memberId, [OutboxMessages.gameWon(spin, now: now)], now: now, logger) }
            return try await Self.remember(connection, programId: programId, idempotency, spin, logger)
        }
    }

    /// The member's processed events of each of `types` (a type without any is absent), in one query.
    static func processedEventCounts(_ connection: PostgresConnection, memberId: String, types: [String],
                                     _ logger: Logger) async throws -> [String: Int] {
        guard !types.isEmpty else { return [:] }
        let rows = try await connection.rows("""
            SELECT type, COUNT(*) AS n FROM events WHERE member_id = \(memberId) AND status = 'processed' AND type = ANY(\(types)) GROUP BY type
            """, logger)
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.get("type", String.self), try $0.get("n", Int.self)) })
    }

    /// Free plays earned (`events`: the member's processed events by type, counting for the wheel's
    /// `earned_by`; and grants), those used, and spins in the limit's period.
    static func allowance(_ connection: PostgresConnection, member: String, wheel: WheelDefinition, events: [String: Int], program: ProgramDefinition,
                          now: Date, _ logger: Logger) async throws -> (earned: Int, used: Int, inPeriod: Int) {
        let granted = try await connection.row("""
            SELECT COALESCE(SUM(plays), 0)::BIGINT AS n FROM game_play_grants WHERE member_id = \(member) AND wheel_id = \(wheel.id)
            """, logger)?.get("n", Int.self) ?? 0
        let earned = granted + wheel.earnedBy.earned(from: events)
        let used = try await connection.row("""
            SELECT COUNT(*) AS n FROM game_spins WHERE member_id = \(member) AND wheel_id = \(wheel.id) AND paid_with = 'play'
            """, logger)?.get("n", Int.self) ?? 0
        var inPeriod = 0
        if let limit = wheel.limit {
            let start = WheelDraw.periodStart(limit.period, now: now, calendar: program.calendar)?.millis ?? Int64.min
            inPeriod = try await connection.row("""
                SELECT COUNT(*) AS n FROM game_spins WHERE member_id = \(member) AND wheel_id = \(wheel.id) AND drawn_at >= \(start)
                """, logger)?.get("n", Int.self) ?? 0
        }
        return (earned, used, inPeriod)
    }

    static func prizeWins(_ connection: PostgresConnection, programId: String, wheel: WheelDefinition, program: ProgramDefinition, now: Date,
                          _ logger: Logger) async throws -> [String: PrizeWins] {
        var wins: [String: PrizeWins] = [:]
        for prize in wheel.prizes {
            guard let budget = prize.budget else { continue }
            let start = WheelDraw.periodStart(budget.period, now: now, calendar: program.calendar)?.millis ?? Int64.min
            let row = try await connection.row("""
                SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE drawn_at >= \(start)) AS in_period
                FROM game_spins WHERE program_id = \(programId) AND wheel_id = \(wheel.id) AND prize_id = \(prize.id)
                  AND (reward_status IS NULL OR reward_status = 'issued')
                """, logger)
            wins[prize.id] = PrizeWins(total: try row?.get("total", Int.self) ?? 0, inPeriod: try row?.get("in_period", Int.self) ?? 0)
        }
        return wins
    }

    static func spinRecord(_ row: PostgresRandomAccessRow) throws -> SpinRecord {
        SpinRecord(id: try row.get("id"), programId: try row.get("program_id"), memberId: try row.get("member_id"), wheelId: try row.get("wheel_id"),
                   prizeId: try row.get("prize_id"), points: try row.get("points"), paidWith: try row.get("paid_with"),
                   costPoints: try row.get("cost_points"), roll: try row.get("roll"), weights: SpinPlan.weights(try row.get("weights")),
                   programVersion: try row.get("program_version"), drawnAt: try row.date("drawn_at"), availableAfter: try row.get("available_after"),
                   rewardId: try row.get("reward_id"), redemptionId: try row.get("redemption_id"), rewardStatus: try row.get("reward_status"))
    }

    public func grantPlays(programId: String, id: String, memberId: String, wheelId: String, plays: Int, reason: String, actor: String, now: Date,
                           idempotency: Idempotency<PlayGrantRecord>?) async throws -> Idempotent<PlayGrantRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            let (_, processor) = try await currentVersion(connection, programId: programId)
            guard processor.program.games.wheel(wheelId) != nil else { throw StoreError.notFound("wheel \(wheelId)") }
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            try await connection.query("""
                INSERT INTO game_play_grants (id, program_id, member_id, wheel_id, plays, reason, actor, granted_at)
                VALUES (\(id), \(programId), \(memberId), \(wheelId), \(plays), \(reason), \(actor), \(now.millis))
                """, logger: logger)
            let grant = PlayGrantRecord(id: id, programId: programId, memberId: memberId, wheelId: wheelId, plays: plays, reason: reason,
                                        actor: actor, grantedAt: now)
            return try await Self.remember(connection, programId: programId, idempotency, grant, logger)
        }
    }

    public func spins(programId: String, memberId: String?, limit: Int, startingAfter: String?) async throws -> Page<SpinRecord> {
        try await read { connection in
            let before = startingAfter ?? "\u{10FFFF}"
            let rows: [PostgresRandomAccessRow]
            if let memberId {
                guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                    throw StoreError.notFound("member \(memberId)")
                }
                rows = try await connection.rows("""
                    SELECT * FROM game_spins WHERE member_id = \(memberId) AND id < \(before) ORDER BY id DESC LIMIT \(limit + 1)
                    """, logger)
            } else {
                rows = try await connection.rows("""
                    SELECT * FROM game_spins WHERE program_id = \(programId) AND id < \(before) ORDER BY id DESC LIMIT \(limit + 1)
                    """, logger)
            }
            return Page(items: try rows.prefix(limit).map(Self.spinRecord), hasMore: rows.count > limit)
        }
    }

    public func spin(programId: String, memberId: String, id: String) async throws -> SpinRecord? {
        try await read { connection in
            try await connection.rows("""
                SELECT * FROM game_spins WHERE id = \(id) AND program_id = \(programId) AND member_id = \(memberId)
                """, logger).first.map(Self.spinRecord)
        }
    }

    public func wheelAllowances(programId: String, memberId: String, now: Date) async throws -> [WheelAllowance] {
        try await snapshotRead { connection in
            let (_, processor) = try await currentVersion(connection, programId: programId)
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            let wheels = processor.program.games.wheels
            let events = try await Self.processedEventCounts(connection, memberId: memberId, types: wheels.flatMap(\.earnedBy).eventTypes, logger)
            var allowances: [WheelAllowance] = []
            for wheel in wheels {
                let allowance = try await Self.allowance(connection, member: memberId, wheel: wheel, events: events, program: processor.program,
                                                         now: now, logger)
                allowances.append(WheelAllowance(wheel: wheel, freePlays: max(0, allowance.earned - allowance.used),
                                                 spinsLeftInPeriod: wheel.limit.map { max(0, $0.maxPlays - allowance.inPeriod) }))
            }
            return allowances
        }
    }
}
