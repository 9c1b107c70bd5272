import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    static func rewardRecord(_ row: PostgresRandomAccessRow) throws -> RewardRecord {
        RewardRecord(programId: try row.get("program_id"), reward: try RewardDefinitions.shared.reward(try row.get("definition", String.self)),
                     stockLeft: try row.get("stock_left", Int?.self), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }

    /// A create refuses an id already taken whatever another node did meanwhile (the insert itself refuses).
    public func writeReward(programId: String, reward: Reward, now: Date, replacing: Bool,
                             idempotency: Idempotency<RewardRecord>?) async throws -> Idempotent<RewardRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            // Serialises catalogue writes of the program (two nodes creating the same reward) without blocking
            // the inserts that reference the program (FOR NO KEY UPDATE does not conflict with their key-share locks).
            guard try await connection.row("SELECT id FROM programs WHERE id = \(programId) FOR NO KEY UPDATE", logger) != nil else {
                throw StoreError.notFound("program \(programId)")
            }
            // Locked, so a redemption cannot take a unit between reading what is left and writing it back.
            let existing = replacing ? try await connection.row("""
                SELECT stock_left, definition, created_at FROM rewards WHERE program_id = \(programId) AND id = \(reward.id) FOR UPDATE
                """, logger) : nil
            let stockLeft: Int?
            if reward.codes == .pool {
                stockLeft = try await connection.row("""
                    SELECT COUNT(*) AS n FROM reward_codes WHERE program_id = \(programId) AND reward_id = \(reward.id) AND redemption_id IS NULL
                    """, logger)?.get("n", Int.self) ?? 0
            } else if let stock = reward.stock {
                // Units already issued stay issued: a new stock moves what is left by the difference.
                let oldTree = try (try existing?.get("definition", String.self)).map { try JSONText.decode(JSONValue.self, $0) }
                let oldStock = oldTree?.objectValue?["stock"]?.amountValue.map { Int($0.units / Amount.scale) }
                let oldLeft = try existing?.get("stock_left", Int?.self)
                if let oldStock, let oldLeft { stockLeft = max(0, oldLeft + stock - oldStock) } else { stockLeft = stock }
            } else {
                stockLeft = nil
            }
            let createdAt = try existing?.date("created_at") ?? now
            // The program's row is locked above, so no other catalogue write changes the count before the insert.
            if existing == nil, let catalogue = try await connection.row("""
                SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE id = \(reward.id)) AS taken FROM rewards WHERE program_id = \(programId)
                """, logger), try catalogue.get("taken", Int.self) == 0, try catalogue.get("n", Int.self) >= Reward.maxPerProgram {
                throw StoreError.catalogueFull(Reward.maxPerProgram)
            }
            let definition = try JSONText.encode(reward.canonicalTree)
            let written = if replacing {
                try await connection.rows("""
                    INSERT INTO rewards (program_id, id, definition, stock_left, created_at, updated_at)
                    VALUES (\(programId), \(reward.id), \(definition), \(stockLeft), \(createdAt.millis), \(now.millis))
                    ON CONFLICT (program_id, id) DO UPDATE SET definition = excluded.definition, stock_left = excluded.stock_left, updated_at = excluded.updated_at
                    RETURNING id
                    """, logger)
            } else {
                try await connection.rows("""
                    INSERT INTO rewards (program_id, id, definition, stock_left, created_at, updated_at)
                    VALUES (\(programId), \(reward.id), \(definition), \(stockLeft), \(createdAt.millis), \(now.millis))
                    ON CONFLICT (program_id, id) DO NOTHING RETURNING id
                    """, logger)
            }
            guard written.count == 1 else { throw StoreError.rewardExists(reward.id) }
            let record = RewardRecord(programId: programId, reward: reward, stockLeft: stockLeft, createdAt: createdAt, updatedAt: now)
            let before = try existing.map {
                AuditSnapshots.reward(try RewardDefinitions.shared.reward(try $0.get("definition", String.self)), stockLeft: try $0.get("stock_left", Int?.self))
            }
            try await Self.appendAudit(connection, AuditRecord(programId: programId, actor: actor, action: existing == nil ? .rewardCreated : .rewardUpdated,
                                                               target: ("reward", reward.id), before: before,
                                                               after: AuditSnapshots.reward(reward, stockLeft: stockLeft),
                                                               idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, record, logger)
        }
    }

    public func reward(programId: String, id: String) async throws -> RewardRecord? {
        try await read { connection in
            guard let row = try await connection.row("SELECT * FROM rewards WHERE program_id = \(programId) AND id = \(id)", logger) else { return nil }
            return try Self.rewardRecord(row)
        }
    }

    public func rewards(programId: String) async throws -> [RewardRecord] {
        try await read { connection in
            let rows = try await connection.rows("SELECT * FROM rewards WHERE program_id = \(programId) ORDER BY id", logger)
            guard !rows.isEmpty else { return [] }
            return try rows.map { try Self.rewardRecord($0) }
        }
    }

    public func addRewardCodes(programId: String, rewardId: String, codes: [String], now: Date,
                               idempotency: Idempotency<RewardCodesAdded>?) async throws -> Idempotent<RewardCodesAdded> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            // The reward row is locked first, so the count of new codes and the stock move together.
            guard let row = try await connection.row("SELECT * FROM rewards WHERE program_id = \(programId) AND id = \(rewardId) FOR UPDATE", logger) else {
                throw StoreError.notFound("reward \(rewardId)")
            }
            let record = try Self.rewardRecord(row)
            guard record.reward.codes == .pool else { throw LoyaltyError.codesNotPooled(rewardId) }
            // One round trip; codes already there (or repeated in the list) are skipped.
            let added = try await connection.rows("""
                INSERT INTO reward_codes (program_id, reward_id, code, redemption_id, added_at)
                SELECT \(programId), \(rewardId), code, NULL, \(now.millis) FROM UNNEST(\(codes)::TEXT[]) WITH ORDINALITY AS new(code, position)
                ORDER BY position
                ON CONFLICT (program_id, reward_id, code) DO NOTHING RETURNING code
                """, logger).count
            try await connection.query("""
                UPDATE rewards SET stock_left = stock_left + \(added), updated_at = \(now.millis) WHERE program_id = \(programId) AND id = \(rewardId)
                """, logger: logger)
            let result = RewardCodesAdded(rewardId: rewardId, received: codes.count, added: added, stockLeft: record.stockLeft.map { $0 + added })
            try await Self.appendAudit(connection, AuditRecord(programId: programId, actor: actor, action: .rewardCodesAdded, target: ("reward", rewardId),
                                                               before: AuditSnapshots.rewardCodes(stockLeft: record.stockLeft),
                                                               after: AuditSnapshots.rewardCodes(stockLeft: result.stockLeft, added: added, received: codes.count),
                                                               idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, result, logger)
        }
    }

    /// Takes one unit of a reward and its code, inside the redemption's transaction; throws when none is left.
    static func takeUnit(_ connection: PostgresConnection, programId: String, reward: Reward, redemptionId: String, now: Date,
                         _ logger: Logger) async throws -> String? {
        try await takeUnits(connection, programId: programId, reward: reward, redemptionId: redemptionId, count: 1, now: now, logger).first
    }

    /// Takes `count` units of a reward and a code for each, all or none (the transaction rolls back on a
    /// throw). The conditional decrement never takes stock below zero: a concurrent taker waits for the
    /// row and the condition is checked again on the row it committed.
    static func takeUnits(_ connection: PostgresConnection, programId: String, reward: Reward, redemptionId: String, count: Int, now: Date,
                          _ logger: Logger) async throws -> [String] {
        if reward.codes == .pool || reward.stock != nil {
            let taken = try await connection.rows("""
                UPDATE rewards SET stock_left = stock_left - \(count) WHERE program_id = \(programId) AND id = \(reward.id) AND stock_left >= \(count)
                RETURNING stock_left
                """, logger)
            guard taken.count == 1 else { throw LoyaltyError.refused(.outOfStock) }
        }
        switch reward.codes {
        case .none:
            return []
        case .pool:
            // The codes are picked once, in a CTE: as `code IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` the
            // subquery is run again as rows get locked, and the update took more codes than asked.
            let codes = try await connection.rows("""
                WITH picked AS (
                    SELECT code FROM reward_codes WHERE program_id = \(programId) AND reward_id = \(reward.id) AND redemption_id IS NULL
                    ORDER BY added_at, code LIMIT \(count) FOR UPDATE SKIP LOCKED)
                UPDATE reward_codes SET redemption_id = \(redemptionId) FROM picked
                WHERE reward_codes.program_id = \(programId) AND reward_codes.reward_id = \(reward.id) AND reward_codes.code = picked.code
                RETURNING reward_codes.code, reward_codes.added_at
                """, logger).map { (code: try $0.get("code", String.self), addedAt: try $0.get("added_at", Int64.self)) }
            guard codes.count == count else { throw LoyaltyError.codePoolEmpty(reward.id) }
            return codes.sorted { ($0.addedAt, $0.code) < ($1.addedAt, $1.code) }.map(\.code)
        case .generated(let pattern):
            var generator = SystemRandomNumberGenerator()
            var codes: [String] = []
            for _ in 0..<count {
                var issued = false
                for _ in 0..<20 where !issued {
                    let code = RewardCode.make(pattern: pattern, using: &generator)
                    let inserted = try await connection.rows("""
                        INSERT INTO reward_codes (program_id, reward_id, code, redemption_id, added_at)
                        VALUES (\(programId), \(reward.id), \(code), \(redemptionId), \(now.millis))
                        ON CONFLICT (program_id, reward_id, code) DO NOTHING RETURNING code
                        """, logger)
                    if inserted.count == 1 { codes.append(code); issued = true }
                }
                guard issued else { throw LoyaltyError.codePoolEmpty(reward.id) }
            }
            return codes
        }
    }

    /// When the member redeemed each reward (not cancelled), of one reward or of all: one query.
    /// A redemption of several units counts once per unit.
    static func redeemedAt(_ connection: PostgresConnection, memberId: String, rewardId: String? = nil, _ logger: Logger) async throws -> [String: [Date]] {
        let rows = if let rewardId {
            try await connection.rows("""
                SELECT reward_id, created_at, quantity FROM redemptions
                WHERE member_id = \(memberId) AND reward_id = \(rewardId) AND status != 'cancelled'
                """, logger)
        } else {
            try await connection.rows("SELECT reward_id, created_at, quantity FROM redemptions WHERE member_id = \(memberId) AND status != 'cancelled'",
                                      logger)
        }
        var dates: [String: [Date]] = [:]
        for row in rows {
            dates[try row.get("reward_id", String.self), default: []]
                .append(contentsOf: Array(repeating: try row.date("created_at"), count: try row.get("quantity", Int.self)))
        }
        return dates
    }

    public func redeem(programId: String, id: String, memberId: String, rewardId: String, points: Int?, quantity: Int, now: Date, apiKeyId: String?,
                       idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> {
        do {
            return try await redeemScreened(programId: programId, id: id, memberId: memberId, rewardId: rewardId, points: points, quantity: quantity,
                                            now: now, apiKeyId: apiKeyId, idempotency: idempotency)
        } catch let refusal as FraudRefusal {
            try await flagRefusal(refusal, programId: programId, memberId: memberId, redemptionId: id, apiKeyId: apiKeyId, now: now)
            throw refusal
        }
    }

    private func redeemScreened(programId: String, id: String, memberId: String, rewardId: String, points: Int?, quantity: Int, now: Date,
                                apiKeyId: String?, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            // The member's row lock serialises their redemptions: balance and per-member limits are checked on settled state.
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            let (version, processor) = try await currentVersion(connection, programId: programId)
            guard let row = try await connection.row("SELECT * FROM rewards WHERE program_id = \(programId) AND id = \(rewardId)", logger) else {
                throw StoreError.notFound("reward \(rewardId)")
            }
            let record = try Self.rewardRecord(row)
            let reward = record.reward
            let check = RedemptionCheck(program: processor.program)
            let cost = try check.cost(of: reward, points: points, quantity: quantity).mapError(LoyaltyError.refused).get()
            var ledger = try await Self.loadLedger(connection, member: member, logger)
            ledger.settle(now: now, sourceId: id)
            let counts = check.counts(reward, redeemedAt: try await Self.redeemedAt(connection, memberId: memberId, rewardId: rewardId, logger)[rewardId] ?? [],
                                      now: now)
            let clubs = try await Self.activeClubs(connection, memberId: memberId, logger)
            let segments = reward.segments.isEmpty ? [] : try await Self.materialisedSegments(connection, memberId: memberId, logger)
            let context = RedemptionContext(member: member.profile(clubs: clubs, segments: segments), available: ledger.available,
                                            redeemedEver: counts.ever, redeemedInPeriod: counts.inPeriod, stockLeft: record.stockLeft,
                                            quantity: quantity)
            if let refusal = check.refusals(reward, cost: cost, context: context, now: now).first { throw LoyaltyError.refused(refusal) }
            let counted = try await Self.screenRedemption(connection, processor, programId: programId, memberId: memberId, points: cost,
                                                          apiKeyId: apiKeyId, now: now, logger)
            try await Self.mark(connection, programId: programId, counted, points: cost, amount: .zero, now: now, logger)

            if cost > 0 {
                try ledger.spend(cost, sourceId: id)
                try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, logger)
            }
            if case .clubMembership(let clubId) = reward.kind, let club = processor.program.club(clubId) {
                try await Self.joinClubRow(connection, programId: programId, club: club, memberId: memberId, via: .points, invitedBy: nil, now: now,
                                           calendar: processor.program.calendar, logger)
            }
            // The unit last: the reward's row is the one every redeeming member contends for, so it is locked
            // (by the conditional decrement) for as short a time as possible before the commit.
            let codes = try await Self.takeUnits(connection, programId: programId, reward: reward, redemptionId: id, count: quantity, now: now, logger)
            let redemption = RedemptionRecord(id: id, programId: programId, memberId: memberId, rewardId: rewardId, points: cost, status: .issued,
                                              code: codes.first, value: check.value(of: reward, cost: cost, quantity: quantity), sourceEventId: nil,
                                              createdAt: now, updatedAt: now, expiresAt: check.expiry(of: reward, issuedAt: now),
                                              activeFrom: check.activation(of: reward, issuedAt: now), quantity: quantity, codes: codes)
            try await Self.insertRedemption(connection, redemption, logger)
            return try await Self.remember(connection, programId: programId, idempotency, redemption, logger)
        }
    }

    static func insertRedemption(_ connection: PostgresConnection, _ redemption: RedemptionRecord, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO redemptions (id, program_id, member_id, reward_id, points, status, code, value, source_event_id, created_at, updated_at,
                                     expires_at, active_from, quantity, codes)
            VALUES (\(redemption.id), \(redemption.programId), \(redemption.memberId), \(redemption.rewardId), \(redemption.points),
                    \(redemption.status.rawValue), \(redemption.code), \(redemption.value?.description), \(redemption.sourceEventId),
                    \(redemption.createdAt.millis), \(redemption.updatedAt.millis), \(redemption.expiresAt?.millis), \(redemption.activeFrom?.millis),
                    \(redemption.quantity), \(redemption.storedCodes))
            """, logger: logger)
        var payload: [String: JSONValue] = ["redemption_id": .string(redemption.id), "member_id": .string(redemption.memberId),
                                            "reward_id": .string(redemption.rewardId), "points": .number(String(redemption.points))]
        if redemption.quantity > 1 { payload["quantity"] = .number(String(redemption.quantity)) }
        if let source = redemption.sourceEventId { payload["source_event_id"] = .string(source) }
        try await emit(connection, programId: redemption.programId, type: "redemption.issued", memberId: redemption.memberId, payload: payload,
                       now: redemption.createdAt, logger)
    }

    static func redemption(_ row: PostgresRandomAccessRow) throws -> RedemptionRecord {
        RedemptionRecord(id: try row.get("id"), programId: try row.get("program_id"), memberId: try row.get("member_id"),
                         rewardId: try row.get("reward_id"), points: try row.get("points"),
                         status: RedemptionStatus(rawValue: try row.get("status")) ?? .issued, code: try row.get("code", String?.self),
                         value: try row.get("value", String?.self).flatMap(Amount.init), sourceEventId: try row.get("source_event_id", String?.self),
                         createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"), expiresAt: try row.optionalDate("expires_at"),
                         fulfilledAt: try row.optionalDate("fulfilled_at"), cancelledAt: try row.optionalDate("cancelled_at"),
                         activeFrom: try row.optionalDate("active_from"), quantity: try row.get("quantity", Int.self),
                         codes: RedemptionRecord.codes(code: try row.get("code", String?.self), stored: try row.get("codes", String?.self)))
    }

    /// A redemption with its status as of `now` (an issued one past its end shows as expired).
    static func redemption(_ row: PostgresRandomAccessRow, now: Date) throws -> RedemptionRecord {
        var record = try redemption(row)
        if record.status == .issued, let end = record.expiresAt, end <= now { record.status = .expired }
        return record
    }

    public func redemption(programId: String, id: String, now: Date) async throws -> RedemptionRecord? {
        try await read { connection in
            try await connection.row("SELECT * FROM redemptions WHERE program_id = \(programId) AND id = \(id)", logger)
                .map { try Self.redemption($0, now: now) }
        }
    }

    public func redemptions(programId: String, memberId: String?, limit: Int, startingAfter: String?, now: Date) async throws -> Page<RedemptionRecord> {
        try await read { connection in
            let rows: [PostgresRandomAccessRow]
            if let memberId {
                guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                    throw StoreError.notFound("member \(memberId)")
                }
                if let startingAfter {
                    rows = try await connection.rows("""
                        SELECT * FROM redemptions WHERE member_id = \(memberId) AND id < \(startingAfter) ORDER BY id DESC LIMIT \(limit + 1)
                        """, logger)
                } else {
                    rows = try await connection.rows("SELECT * FROM redemptions WHERE member_id = \(memberId) ORDER BY id DESC LIMIT \(limit + 1)", logger)
                }
            } else if let startingAfter {
                rows = try await connection.rows("""
                    SELECT * FROM redemptions WHERE program_id = \(programId) AND id < \(startingAfter) ORDER BY id DESC LIMIT \(limit + 1)
                    """, logger)
            } else {
                rows = try await connection.rows("SELECT * FROM redemptions WHERE program_id = \(programId) ORDER BY id DESC LIMIT \(limit + 1)", logger)
            }
            return Page(items: try rows.prefix(limit).map { try Self.redemption($0, now: now) }, hasMore: rows.count > limit)
        }
    }

    /// Cancels a redemption inside the caller's transaction, which holds the member's row lock and the redemption's:
    /// points back to their lots, the unit back to stock, a club membership ended.
    static func cancel(_ connection: PostgresConnection, _ redemption: RedemptionRecord, program: ProgramDefinition, version: Int, reason: String,
                       now: Date, _ logger: Logger) async throws -> RedemptionRecord {
        guard let member = try await fetchMember(connection, programId: redemption.programId, id: redemption.memberId, lock: true, logger) else {
            throw StoreError.notFound("member \(redemption.memberId)")
        }
        if redemption.points > 0 {
            let pieces = try await connection.rows("""
                SELECT lot_id, points FROM ledger_entries
                WHERE source_id = \(redemption.id) AND kind = 'spend' AND member_id = \(redemption.memberId) ORDER BY seq
                """, logger).compactMap { row -> (lotId: String, points: Int)? in
                guard let lot = try row.get("lot_id", String?.self) else { return nil }
                return (lot, try row.get("points", Int.self))
            }
            let stored = pieces.isEmpty ? [] : try await connection.rows("SELECT * FROM lots WHERE id = ANY(\(pieces.map(\.lotId)))", logger).map { try lot($0) }
            var ledger = try await loadLedger(connection, member: member, logger)
            ledger.settle(now: now, sourceId: redemption.id)
            ledger.restore(pieces, lots: stored, sourceId: redemption.id, now: now)
            try await saveLedger(connection, programId: redemption.programId, ledger: ledger, version: version, program: program, now: now, logger)
        }
        let rewardRow = try await connection.row("""
            SELECT * FROM rewards WHERE program_id = \(redemption.programId) AND id = \(redemption.rewardId)
            """, logger)
        if let rewardRow, let reward = try? rewardRecord(rewardRow).reward {
            // Pool codes are never issued twice, so only stock without a code pool comes back.
            if reward.stock != nil && reward.codes != .pool {
                try await connection.query("""
                    UPDATE rewards SET stock_left = stock_left + \(redemption.quantity) WHERE program_id = \(redemption.programId) AND id = \(reward.id)
                    """, logger: logger)
            }
            if case .clubMembership(let clubId) = reward.kind, let membership = try await connection.row("""
                SELECT * FROM club_memberships
                WHERE program_id = \(redemption.programId) AND club_id = \(clubId) AND member_id = \(redemption.memberId) AND status = 'active'
                FOR UPDATE
                """, logger).map(membership) {
                try await endMembership(connection, membership, reason: "redemption_cancelled", now: now, logger)
            }
        }
        try await connection.query("""
            UPDATE redemptions SET status = 'cancelled', cancelled_at = \(now.millis), updated_at = \(now.millis) WHERE id = \(redemption.id)
            """, logger: logger)
        try await emit(connection, programId: redemption.programId, type: "redemption.cancelled", memberId: redemption.memberId,
                       payload: ["redemption_id": .string(redemption.id), "member_id": .string(redemption.memberId),
                                 "reward_id": .string(redemption.rewardId), "points_returned": .number(String(redemption.points)),
                                 "reason": .string(reason)], now: now, logger)
        var cancelled = redemption
        cancelled.status = .cancelled
        cancelled.cancelledAt = now
        cancelled.updatedAt = now
        return cancelled
    }

    /// Finds a redemption's member, locks the member, then reads the redemption again under its own row lock,
    /// so its status is checked on what no other transaction can change before this one commits.
    private static func lockRedemption(_ connection: PostgresConnection, programId: String, id: String, now: Date,
                                       _ logger: Logger) async throws -> RedemptionRecord {
        guard let found = try await connection.row("SELECT member_id FROM redemptions WHERE program_id = \(programId) AND id = \(id)", logger) else {
            throw StoreError.notFound("redemption \(id)")
        }
        let memberId = try found.get("member_id", String.self)
        guard try await fetchMember(connection, programId: programId, id: memberId, lock: true, logger) != nil else {
            throw StoreError.notFound("member \(memberId)")
        }
        guard let row = try await connection.row("SELECT * FROM redemptions WHERE program_id = \(programId) AND id = \(id) FOR UPDATE", logger) else {
            throw StoreError.notFound("redemption \(id)")
        }
        return try redemption(row, now: now)
    }

    public func cancelRedemption(programId: String, id: String, now: Date, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            let redemption = try await Self.lockRedemption(connection, programId: programId, id: id, now: now, logger)
            switch redemption.status {
            case .issued: break
            case .cancelled: throw LoyaltyError.alreadyCancelled(id)
            case .fulfilled, .expired: throw LoyaltyError.notCancellable(id, redemption.status)
            }
            let (version, processor) = try await currentVersion(connection, programId: programId)
            let cancelled = try await Self.cancel(connection, redemption, program: processor.program, version: version.version, reason: "cancelled",
                                                  now: now, logger)
            return try await Self.remember(connection, programId: programId, idempotency, cancelled, logger)
        }
    }

    public func fulfilRedemption(programId: String, id: String, now: Date, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            var redemption = try await Self.lockRedemption(connection, programId: programId, id: id, now: now, logger)
            guard redemption.status == .issued else { throw LoyaltyError.notFulfillable(id, redemption.status) }
            if let from = redemption.activeFrom, now < from { throw LoyaltyError.notActiveYet(id, from) }
            if let rewardRow = try await connection.row("SELECT * FROM rewards WHERE program_id = \(programId) AND id = \(redemption.rewardId)", logger),
               !(try Self.rewardRecord(rewardRow)).reward.kind.needsFulfilment {
                throw LoyaltyError.noFulfilment(redemption.rewardId)
            }
            try await connection.query("""
                UPDATE redemptions SET status = 'fulfilled', fulfilled_at = \(now.millis), updated_at = \(now.millis) WHERE id = \(id)
                """, logger: logger)
            try await Self.emit(connection, programId: programId, type: "redemption.fulfilled", memberId: redemption.memberId,
                                payload: ["redemption_id": .string(id), "member_id": .string(redemption.memberId),
                                          "reward_id": .string(redemption.rewardId)], now: now, logger)
            redemption.status = .fulfilled
            redemption.fulfilledAt = now
            redemption.updatedAt = now
            return try await Self.remember(connection, programId: programId, idempotency, redemption, logger)
        }
    }

    public func expireRedemptions(now: Date, batchSize: Int) async throws -> Int {
        try await transaction { connection in
            // Rows another node is expiring right now are skipped: it emits their messages.
            let rows = try await connection.rows("""
                SELECT * FROM redemptions WHERE status = 'issued' AND expires_at <= \(now.millis) LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, logger)
            for row in rows {
                let redemption = try Self.redemption(row)
                try await connection.query("UPDATE redemptions SET status = 'expired', updated_at = \(now.millis) WHERE id = \(redemption.id)", logger: logger)
                try await Self.emit(connection, programId: redemption.programId, type: "redemption.expired", memberId: redemption.memberId,
                                    payload: ["redemption_id": .string(redemption.id), "member_id": .string(redemption.memberId),
                                              "reward_id": .string(redemption.rewardId)], now: now, logger)
            }
            return rows.count
        }
    }

    public func memberCatalogue(programId: String, memberId: String, now: Date) async throws -> MemberCatalogue {
        try await snapshotRead { connection in
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            let processor = try await currentVersion(connection, programId: programId).1
            var ledger = try await Self.loadLedger(connection, member: member, logger)
            ledger.settle(now: now)
            let check = RedemptionCheck(program: processor.program)
            let redeemed = try await Self.redeemedAt(connection, memberId: memberId, logger)
            var entries: [MemberCatalogue.Entry] = []
            for row in try await connection.rows("SELECT * FROM rewards WHERE program_id = \(programId) ORDER BY id", logger) {
                let record = try Self.rewardRecord(row)
                let counts = check.counts(record.reward, redeemedAt: redeemed[record.reward.id] ?? [], now: now)
                entries.append(MemberCatalogue.Entry(record: record, redeemedEver: counts.ever, redeemedInPeriod: counts.inPeriod))
            }
            return MemberCatalogue(member: member, available: ledger.available, clubs: try await Self.activeClubs(connection, memberId: memberId, logger),
                                   entries: entries)
        }
    }
}
