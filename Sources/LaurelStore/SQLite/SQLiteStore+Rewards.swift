import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    static func rewardRecord(_ row: Row) throws -> RewardRecord {
        RewardRecord(programId: row["program_id"], reward: try RewardDefinitions.shared.reward(row["definition"]),
                     stockLeft: row["stock_left"], createdAt: Date(millis: row["created_at"]), updatedAt: Date(millis: row["updated_at"]))
    }

    /// The rewards of program ?2, and how many of them have id ?1 (0 or 1).
    static let catalogueCount = "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE id = ?) AS taken FROM rewards WHERE program_id = ?"

    public func writeReward(programId: String, reward: Reward, now: Date, replacing: Bool,
                             idempotency: Idempotency<RewardRecord>?) async throws -> Idempotent<RewardRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard try db.row("SELECT id FROM programs WHERE id = ?", [programId]) != nil else { throw StoreError.notFound("program \(programId)") }
            let existing = replacing
                ? try db.row("SELECT stock_left, definition, created_at FROM rewards WHERE program_id = ? AND id = ?", [programId, reward.id])
                : nil
            let stockLeft: Int?
            if reward.codes == .pool {
                stockLeft = try db.row("SELECT COUNT(*) AS n FROM reward_codes WHERE program_id = ? AND reward_id = ? AND redemption_id IS NULL",
                                       [programId, reward.id])?["n"] ?? 0
            } else if let stock = reward.stock {
                // Units already issued stay issued: a new stock moves what is left by the difference.
                let oldTree = try (existing?["definition"] as String?).map { try JSONText.decode(JSONValue.self, $0) }
                let oldStock = oldTree?.objectValue?["stock"]?.amountValue.map { Int($0.units / Amount.scale) }
                let oldLeft = existing?["stock_left"] as Int?
                if let oldStock, let oldLeft { stockLeft = max(0, oldLeft + stock - oldStock) } else { stockLeft = stock }
            } else {
                stockLeft = nil
            }
            let createdAt = (existing?["created_at"] as Int64?).map(Date.init(millis:)) ?? now
            // Writes are serialised, so the count cannot change before the insert.
            if existing == nil, let catalogue = try db.row(Self.catalogueCount, [reward.id, programId]),
               catalogue["taken"] as Int == 0, catalogue["n"] as Int >= Reward.maxPerProgram {
                throw StoreError.catalogueFull(Reward.maxPerProgram)
            }
            let onConflict = replacing
                ? "DO UPDATE SET definition = excluded.definition, stock_left = excluded.stock_left, updated_at = excluded.updated_at"
                : "DO NOTHING"
            try db.run("""
                INSERT INTO rewards (program_id, id, definition, stock_left, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (program_id, id) \(onConflict)
                """, [programId, reward.id, try JSONText.encode(reward.canonicalTree), stockLeft, createdAt.millis, now.millis])
            guard db.changesCount == 1 else { throw StoreError.rewardExists(reward.id) }
            let record = RewardRecord(programId: programId, reward: reward, stockLeft: stockLeft, createdAt: createdAt, updatedAt: now)
            let before = try existing.map { AuditSnapshots.reward(try RewardDefinitions.shared.reward($0["definition"]), stockLeft: $0["stock_left"]) }
            try Self.appendAudit(db, AuditRecord(programId: programId, actor: actor, action: existing == nil ? .rewardCreated : .rewardUpdated,
                                                 target: ("reward", reward.id), before: before,
                                                 after: AuditSnapshots.reward(reward, stockLeft: stockLeft), idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, record, now: now)
        }
    }

    public func reward(programId: String, id: String) async throws -> RewardRecord? {
        try await read { db in
            guard let row = try db.row("SELECT * FROM rewards WHERE program_id = ? AND id = ?", [programId, id]) else { return nil }
            return try Self.rewardRecord(row)
        }
    }

    public func rewards(programId: String) async throws -> [RewardRecord] {
        try await read { db in
            let rows = try db.rows("SELECT * FROM rewards WHERE program_id = ? ORDER BY id", [programId])
            guard !rows.isEmpty else { return [] }
            return try rows.map { try Self.rewardRecord($0) }
        }
    }

    public func addRewardCodes(programId: String, rewardId: String, codes: [String], now: Date,
                               idempotency: Idempotency<RewardCodesAdded>?) async throws -> Idempotent<RewardCodesAdded> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let row = try db.row("SELECT * FROM rewards WHERE program_id = ? AND id = ?", [programId, rewardId]) else {
                throw StoreError.notFound("reward \(rewardId)")
            }
            let record = try Self.rewardRecord(row)
            guard record.reward.codes == .pool else { throw LoyaltyError.codesNotPooled(rewardId) }
            var added = 0
            for code in codes {
                try db.run("INSERT OR IGNORE INTO reward_codes (program_id, reward_id, code, redemption_id, added_at) VALUES (?, ?, ?, NULL, ?)",
                           [programId, rewardId, code, now.millis])
                added += db.changesCount
            }
            try db.run("UPDATE rewards SET stock_left = stock_left + ?, updated_at = ? WHERE program_id = ? AND id = ?", [added, now.millis, programId, rewardId])
            let result = RewardCodesAdded(rewardId: rewardId, received: codes.count, added: added, stockLeft: record.stockLeft.map { $0 + added })
            try Self.appendAudit(db, AuditRecord(programId: programId, actor: actor, action: .rewardCodesAdded, target: ("reward", rewardId),
                                                 before: AuditSnapshots.rewardCodes(stockLeft: record.stockLeft),
                                                 after: AuditSnapshots.rewardCodes(stockLeft: result.stockLeft, added: added, received: codes.count),
                                                 idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, result, now: now)
        }
    }

    /// Takes one unit of a reward and its code, inside the caller's transaction; throws when none is left.
    static func takeUnit(_ db: Database, programId: String, reward: Reward, redemptionId: String, now: Date) throws -> String? {
        try takeUnits(db, programId: programId, reward: reward, redemptionId: redemptionId, count: 1, now: now).first
    }

    /// Takes `count` units of a reward and a code for each, all or none (the caller's transaction
    /// rolls back on a throw); the conditional decrement never takes stock below zero.
    static func takeUnits(_ db: Database, programId: String, reward: Reward, redemptionId: String, count: Int, now: Date) throws -> [String] {
        if reward.codes == .pool || reward.stock != nil {
            try db.run("UPDATE rewards SET stock_left = stock_left - ? WHERE program_id = ? AND id = ? AND stock_left >= ?",
                       [count, programId, reward.id, count])
            guard db.changesCount == 1 else { throw LoyaltyError.refused(.outOfStock) }
        }
        switch reward.codes {
        case .none:
            return []
        case .pool:
            let codes = try db.rows("""
                SELECT code FROM reward_codes WHERE program_id = ? AND reward_id = ? AND redemption_id IS NULL ORDER BY added_at, code LIMIT ?
                """, [programId, reward.id, count]).map { $0["code"] as String }
            guard codes.count == count else { throw LoyaltyError.codePoolEmpty(reward.id) }
            for code in codes {
                try db.run("UPDATE reward_codes SET redemption_id = ? WHERE program_id = ? AND reward_id = ? AND code = ?",
                           [redemptionId, programId, reward.id, code])
            }
            return codes
        case .generated(let pattern):
            var generator = SystemRandomNumberGenerator()
            var codes: [String] = []
            for _ in 0..<count {
                var issued = false
                for _ in 0..<20 where !issued {
                    let code = RewardCode.make(pattern: pattern, using: &generator)
                    try db.run("INSERT OR IGNORE INTO reward_codes (program_id, reward_id, code, redemption_id, added_at) VALUES (?, ?, ?, ?, ?)",
                               [programId, reward.id, code, redemptionId, now.millis])
                    if db.changesCount == 1 { codes.append(code); issued = true }
                }
                guard issued else { throw LoyaltyError.codePoolEmpty(reward.id) }
            }
            return codes
        }
    }

    /// When the member redeemed each reward (not cancelled), of one reward or of all: one query.
    /// A redemption of several units counts once per unit.
    static func redeemedAt(_ db: Database, memberId: String, rewardId: String? = nil) throws -> [String: [Date]] {
        let rows = try rewardId.map {
            try db.rows("SELECT reward_id, created_at, quantity FROM redemptions WHERE member_id = ? AND reward_id = ? AND status != 'cancelled'",
                        [memberId, $0])
        } ?? db.rows("SELECT reward_id, created_at, quantity FROM redemptions WHERE member_id = ? AND status != 'cancelled'", [memberId])
        return Dictionary(grouping: rows, by: { $0["reward_id"] as String }).mapValues {
            $0.flatMap { Array(repeating: Date(millis: $0["created_at"]), count: $0["quantity"]) }
        }
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
        let cache = programs
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            guard let row = try db.row("SELECT * FROM rewards WHERE program_id = ? AND id = ?", [programId, rewardId]) else {
                throw StoreError.notFound("reward \(rewardId)")
            }
            let record = try Self.rewardRecord(row)
            let reward = record.reward
            let check = RedemptionCheck(program: processor.program)
            let cost = try check.cost(of: reward, points: points, quantity: quantity).mapError(LoyaltyError.refused).get()
            var ledger = try Self.loadLedger(db, member: member)
            ledger.settle(now: now, sourceId: id)
            let counts = check.counts(reward, redeemedAt: try Self.redeemedAt(db, memberId: memberId, rewardId: rewardId)[rewardId] ?? [], now: now)
            let profile = member.profile(clubs: try Self.activeClubs(db, memberId: memberId),
                                         segments: reward.segments.isEmpty ? [] : try Self.materialisedSegments(db, memberId: memberId))
            let context = RedemptionContext(member: profile, available: ledger.available,
                                            redeemedEver: counts.ever, redeemedInPeriod: counts.inPeriod, stockLeft: record.stockLeft,
                                            quantity: quantity)
            if let refusal = check.refusals(reward, cost: cost, context: context, now: now).first { throw LoyaltyError.refused(refusal) }
            let counted = try Self.screenRedemption(db, processor, programId: programId, memberId: memberId, points: cost,
                                                    apiKeyId: apiKeyId, now: now)
            try Self.mark(db, programId: programId, counted, points: cost, amount: .zero, now: now)

            if cost > 0 {
                try ledger.spend(cost, sourceId: id)
                try Self.saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now)
            }
            if case .clubMembership(let clubId) = reward.kind, let club = processor.program.club(clubId) {
                try Self.joinClubRow(db, programId: programId, club: club, memberId: memberId, via: .points, invitedBy: nil, now: now,
                                     calendar: processor.program.calendar)
            }
            // The unit last: the reward's row is the one every redeeming member contends for, so it is locked
            // (by the conditional decrement) for as short a time as possible before the commit.
            let codes = try Self.takeUnits(db, programId: programId, reward: reward, redemptionId: id, count: quantity, now: now)
            let redemption = RedemptionRecord(id: id, programId: programId, memberId: memberId, rewardId: rewardId, points: cost, status: .issued,
                                              code: codes.first, value: check.value(of: reward, cost: cost, quantity: quantity), sourceEventId: nil,
                                              createdAt: now, updatedAt: now, expiresAt: check.expiry(of: reward, issuedAt: now),
                                              activeFrom: check.activation(of: reward, issuedAt: now), quantity: quantity, codes: codes)
            try Self.insertRedemption(db, redemption)
            return try Self.remember(db, programId: programId, idempotency, redemption, now: now)
        }
    }

    static func insertRedemption(_ db: Database, _ redemption: RedemptionRecord) throws {
        try db.run("""
            INSERT INTO redemptions (id, program_id, member_id, reward_id, points, status, code, value, source_event_id, created_at, updated_at,
                                     expires_at, active_from, quantity, codes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [redemption.id, redemption.programId, redemption.memberId, redemption.rewardId, redemption.points, redemption.status.rawValue,
                  redemption.code, redemption.value?.description, redemption.sourceEventId, redemption.createdAt.millis, redemption.updatedAt.millis,
                  redemption.expiresAt?.millis, redemption.activeFrom?.millis, redemption.quantity, redemption.storedCodes])
        var payload: [String: JSONValue] = ["redemption_id": .string(redemption.id), "member_id": .string(redemption.memberId),
                                            "reward_id": .string(redemption.rewardId), "points": .number(String(redemption.points))]
        if redemption.quantity > 1 { payload["quantity"] = .number(String(redemption.quantity)) }
        if let source = redemption.sourceEventId { payload["source_event_id"] = .string(source) }
        try emit(db, programId: redemption.programId, type: "redemption.issued", memberId: redemption.memberId, payload: payload, now: redemption.createdAt)
    }

    static func redemption(_ row: Row) -> RedemptionRecord {
        RedemptionRecord(id: row["id"], programId: row["program_id"], memberId: row["member_id"], rewardId: row["reward_id"], points: row["points"],
                         status: RedemptionStatus(rawValue: row["status"]) ?? .issued, code: row["code"], value: (row["value"] as String?).flatMap(Amount.init),
                         sourceEventId: row["source_event_id"], createdAt: Date(millis: row["created_at"]), updatedAt: Date(millis: row["updated_at"]),
                         expiresAt: (row["expires_at"] as Int64?).map(Date.init(millis:)), fulfilledAt: (row["fulfilled_at"] as Int64?).map(Date.init(millis:)),
                         cancelledAt: (row["cancelled_at"] as Int64?).map(Date.init(millis:)),
                         activeFrom: (row["active_from"] as Int64?).map(Date.init(millis:)), quantity: row["quantity"],
                         codes: RedemptionRecord.codes(code: row["code"], stored: row["codes"]))
    }

    /// A redemption with its status as of `now` (an issued one past its end shows as expired).
    static func redemption(_ row: Row, now: Date) -> RedemptionRecord {
        var record = redemption(row)
        if record.status == .issued, let end = record.expiresAt, end <= now { record.status = .expired }
        return record
    }

    public func redemption(programId: String, id: String, now: Date) async throws -> RedemptionRecord? {
        try await read { db in
            try db.row("SELECT * FROM redemptions WHERE program_id = ? AND id = ?", [programId, id]) { Self.redemption($0, now: now) }
        }
    }

    public func redemptions(programId: String, memberId: String?, limit: Int, startingAfter: String?, now: Date) async throws -> Page<RedemptionRecord> {
        try await read { db in
            let rows: [Row]
            if let memberId {
                guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
                rows = try db.rows("SELECT * FROM redemptions WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                                   [memberId, startingAfter ?? "\u{10FFFF}", limit + 1])
            } else {
                rows = try db.rows("SELECT * FROM redemptions WHERE program_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                                   [programId, startingAfter ?? "\u{10FFFF}", limit + 1])
            }
            return Page(items: rows.prefix(limit).map { Self.redemption($0, now: now) }, hasMore: rows.count > limit)
        }
    }

    /// Cancels a redemption inside the caller's transaction: points back to their lots, the unit back to stock, a club membership ended.
    static func cancel(_ db: Database, _ redemption: RedemptionRecord, program: ProgramDefinition, version: Int, reason: String, now: Date) throws -> RedemptionRecord {
        guard let member = try fetchMember(db, programId: redemption.programId, id: redemption.memberId) else {
            throw StoreError.notFound("member \(redemption.memberId)")
        }
        if redemption.points > 0 {
            let pieces = try db.rows("SELECT lot_id, points FROM ledger_entries WHERE source_id = ? AND kind = 'spend' AND member_id = ?",
                                     [redemption.id, redemption.memberId]).compactMap { row -> (lotId: String, points: Int)? in
                guard let lot = row["lot_id"] as String? else { return nil }
                return (lot, row["points"])
            }
            let stored = try pieces.compactMap { try db.rowByPosition("SELECT \(lotColumns) FROM lots WHERE id = ?", [.text($0.lotId)], lot) }
            var ledger = try loadLedger(db, member: member)
            ledger.settle(now: now, sourceId: redemption.id)
            ledger.restore(pieces, lots: stored, sourceId: redemption.id, now: now)
            try saveLedger(db, programId: redemption.programId, ledger: ledger, version: version, program: program, now: now)
        }
        let rewardRow = try db.row("SELECT * FROM rewards WHERE program_id = ? AND id = ?", [redemption.programId, redemption.rewardId])
        if let rewardRow, let reward = try? rewardRecord(rewardRow).reward {
            // Pool codes are never issued twice, so only stock without a code pool comes back.
            if reward.stock != nil && reward.codes != .pool {
                try db.run("UPDATE rewards SET stock_left = stock_left + ? WHERE program_id = ? AND id = ?",
                           [redemption.quantity, redemption.programId, reward.id])
            }
            if case .clubMembership(let clubId) = reward.kind,
               let membership = try db.row("SELECT * FROM club_memberships WHERE program_id = ? AND club_id = ? AND member_id = ? AND status = 'active'",
                                           [redemption.programId, clubId, redemption.memberId]).map(membership) {
                try endMembership(db, membership, reason: "redemption_cancelled", now: now)
            }
        }
        try db.run("UPDATE redemptions SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ?", [now.millis, now.millis, redemption.id])
        try emit(db, programId: redemption.programId, type: "redemption.cancelled", memberId: redemption.memberId,
                 payload: ["redemption_id": .string(redemption.id), "member_id": .string(redemption.memberId), "reward_id": .string(redemption.rewardId),
                           "points_returned": .number(String(redemption.points)), "reason": .string(reason)], now: now)
        var cancelled = redemption
        cancelled.status = .cancelled
        cancelled.cancelledAt = now
        cancelled.updatedAt = now
        return cancelled
    }

    public func cancelRedemption(programId: String, id: String, now: Date, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> {
        let cache = programs
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let row = try db.row("SELECT * FROM redemptions WHERE program_id = ? AND id = ?", [programId, id]) else {
                throw StoreError.notFound("redemption \(id)")
            }
            let redemption = Self.redemption(row, now: now)
            switch redemption.status {
            case .issued: break
            case .cancelled: throw LoyaltyError.alreadyCancelled(id)
            case .fulfilled, .expired: throw LoyaltyError.notCancellable(id, redemption.status)
            }
            let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            let cancelled = try Self.cancel(db, redemption, program: processor.program, version: version.version, reason: "cancelled", now: now)
            return try Self.remember(db, programId: programId, idempotency, cancelled, now: now)
        }
    }

    public func fulfilRedemption(programId: String, id: String, now: Date, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> {
        try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let row = try db.row("SELECT * FROM redemptions WHERE program_id = ? AND id = ?", [programId, id]) else {
                throw StoreError.notFound("redemption \(id)")
            }
            var redemption = Self.redemption(row, now: now)
            guard redemption.status == .issued else { throw LoyaltyError.notFulfillable(id, redemption.status) }
            if let from = redemption.activeFrom, now < from { throw LoyaltyError.notActiveYet(id, from) }
            if let rewardRow = try db.row("SELECT * FROM rewards WHERE program_id = ? AND id = ?", [programId, redemption.rewardId]),
               !(try Self.rewardRecord(rewardRow)).reward.kind.needsFulfilment {
                throw LoyaltyError.noFulfilment(redemption.rewardId)
            }
            try db.run("UPDATE redemptions SET status = 'fulfilled', fulfilled_at = ?, updated_at = ? WHERE id = ?", [now.millis, now.millis, id])
            try Self.emit(db, programId: programId, type: "redemption.fulfilled", memberId: redemption.memberId,
                          payload: ["redemption_id": .string(id), "member_id": .string(redemption.memberId), "reward_id": .string(redemption.rewardId)],
                          now: now)
            redemption.status = .fulfilled
            redemption.fulfilledAt = now
            redemption.updatedAt = now
            return try Self.remember(db, programId: programId, idempotency, redemption, now: now)
        }
    }

    public func expireRedemptions(now: Date, batchSize: Int) async throws -> Int {
        try await write { db in
            let rows = try db.rows("SELECT * FROM redemptions WHERE status = 'issued' AND expires_at <= ? LIMIT ?", [now.millis, batchSize])
            for row in rows {
                let redemption = Self.redemption(row)
                try db.run("UPDATE redemptions SET status = 'expired', updated_at = ? WHERE id = ?", [now.millis, redemption.id])
                try Self.emit(db, programId: redemption.programId, type: "redemption.expired", memberId: redemption.memberId,
                              payload: ["redemption_id": .string(redemption.id), "member_id": .string(redemption.memberId),
                                        "reward_id": .string(redemption.rewardId)], now: now)
            }
            return rows.count
        }
    }

    public func memberCatalogue(programId: String, memberId: String, now: Date) async throws -> MemberCatalogue {
        let cache = programs
        return try await read { db in
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            let processor = try Self.currentVersion(db, cache: cache, programId: programId).1
            var ledger = try Self.loadLedger(db, member: member)
            ledger.settle(now: now)
            let check = RedemptionCheck(program: processor.program)
            let redeemed = try Self.redeemedAt(db, memberId: memberId)
            var entries: [MemberCatalogue.Entry] = []
            for row in try db.rows("SELECT * FROM rewards WHERE program_id = ? ORDER BY id", [programId]) {
                let record = try Self.rewardRecord(row)
                let counts = check.counts(record.reward, redeemedAt: redeemed[record.reward.id] ?? [], now: now)
                entries.append(MemberCatalogue.Entry(record: record, redeemedEver: counts.ever, redeemedInPeriod: counts.inPeriod))
            }
            return MemberCatalogue(member: member, available: ledger.available, clubs: try Self.activeClubs(db, memberId: memberId), entries: entries)
        }
    }
}
