import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// The usual event (no return, no gift, no clubs in the program) is two
    /// statements outside any transaction: `EventSQL.Snapshot`, then `EventSQL.GuardedWrite`, which
    /// writes only if nothing the event read has changed. Any other event, or one that lost that
    /// race, is three statements after BEGIN under the member's lock (see `EventSQL`); there a
    /// replay, a return, a gift or the clubs of a new tier add their own.
    public func recordEvent(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date, apiKeyId: String?,
                            idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord> {
        try await record(programId: programId, memberId: memberId, event: event, payload: payload, now: now,
                         screening: FraudScreening(apiKeyId: apiKeyId), idempotency: idempotency)
    }

    /// `screening` nil (imports) leaves the program's fraud controls out.
    private func record(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date, screening: FraudScreening?,
                        idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord> {
        // A lost race means others are writing to this member now: the lock queues behind them
        // instead of reading and evaluating again.
        if event.returnOf == nil,
           let result = try await recordWithoutLock(programId: programId, memberId: memberId, event: event, payload: payload, now: now,
                                                    idempotency: idempotency) {
            return result
        }
        return try await recordUnderLock(programId: programId, memberId: memberId, event: event, payload: payload, now: now, screening: screening,
                                         idempotency: idempotency)
    }

    /// The two-statement path; nil when the event needs the transaction instead: it is not the
    /// usual one (a purchase in a program with punch cards or referrals is not: `play` stamps and
    /// gives under the lock; its other events are), the member's row changed between the read and
    /// the write (nothing was written), or the program's version is not the one last seen current
    /// (its limit queries depend on it).
    private func recordWithoutLock(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date,
                                   idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord>? {
        guard let known = currentVersions.withLock({ $0[programId] }), let (version, processor) = programs.get(programId: programId, version: known),
              processor.program.clubs.isEmpty, processor.program.fraud == nil, !(processor.program.hasPlayMechanics && event.purchase != nil),
              processor.challenges?.challenges(for: event).isEmpty != false else { return nil }
        return try await read { connection in
            let tiers = processor.tiers
            let limits = processor.limitQueries(for: event)
            let rows = try await connection.rows(EventSQL.Snapshot.self, logger) {
                $0.append(programId); $0.append(memberId)
                Self.bindState(&$0, limits: limits, tiers: tiers, at: event.occurredAt, now: now)
                $0.append(now.millis)
            }
            guard let first = rows.first else { throw StoreError.notFound("member \(memberId)") }
            guard try first.get("current_version", Int?.self) == known else {
                currentVersions.withLock { $0[programId] = nil }
                return nil
            }
            let member = try Self.member(first)
            guard member.status != .erased else { throw StoreError.memberErased(memberId) }
            let state = try Self.eventState(rows, member: member, limits: limits, tiers: tiers, onlyDueLots: true)
            // Segment memberships change only by the refresh job: read outside the snapshot, one round trip more.
            let segments = processor.readsSegments ? try await Self.materialisedSegments(connection, memberId: memberId, logger) : []
            let consents = processor.readsConsents(for: event) ? try await Self.grantedConsents(connection, programId: programId, memberId: memberId, logger) : []
            let outcome = try processor.process(event, member: member.profile(clubs: [], segments: segments, consents: consents), ledger: state.ledger,
                                                usage: state.usage,
                                                returnedPurchase: nil, tier: state.tier, now: now)
            guard !outcome.rules.contains(where: { $0.gift != nil }) else { return nil }
            let write = try EventWrite(event: event, payload: payload, outcome: outcome, member: member, state: state, processor: processor,
                                       version: version.version, programId: programId, now: now, idempotency: idempotency)
            let answer = try await connection.row(EventSQL.GuardedWrite.self, logger) {
                try write.bind(&$0)
                $0.append(try first.get("member_xmin", Int64.self)); $0.append(idempotency?.fingerprint)
            }
            guard let answer, try answer.get("locked", Int.self) == 1 else { return nil }
            if try answer.get("written", Int.self) == 1 { return .fresh(write.record, write.response) }
            // The key was used before: answer as the first request was answered.
            guard let idempotency else { return nil }
            return try await Self.storedResponse(connection, programId: programId, idempotency, logger).map { .replayed($0) }
        }
    }

    private func recordUnderLock(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date, screening: FraudScreening?,
                                 idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord> {
        try await transaction { connection in
            let locked: (member: MemberRecord, currentVersion: Int?)?
            if let idempotency {
                // The key's claim and the member's lock in one round trip.
                let row = try await connection.row(EventSQL.ClaimAndLock.self, logger) {
                    $0.append(programId); $0.append(memberId); $0.append(idempotency.key); $0.append(idempotency.fingerprint)
                    try $0.append(Data()); $0.append(now.millis)
                }
                if let row, try row.get("claimed", Int.self) == 0,
                   let replay = try await Self.storedResponse(connection, programId: programId, idempotency, logger) {
                    return .replayed(replay)
                }
                locked = try row.map { (try Self.member($0), try $0.get("current_version", Int?.self)) }
            } else {
                locked = try await Self.lockMember(connection, programId: programId, id: memberId, logger)
            }
            guard let (member, currentVersion) = locked else { throw StoreError.notFound("member \(memberId)") }
            guard member.status != .erased else { throw StoreError.memberErased(memberId) }
            do {
                let write = try await recordLocked(connection, programId: programId, member: member, currentVersion: currentVersion, event: event,
                                                   payload: payload, now: now, idempotency: idempotency, screening: screening)
                return .fresh(write.record, write.response)
            } catch let hold as FraudHold {
                // Thrown before anything but the key's claim was written: the review is the event's only trace.
                let record = try await Self.hold(connection, hold, programId: programId, memberId: memberId, event: event, payload: payload,
                                                 apiKeyId: screening?.apiKeyId, now: now, logger)
                return try await Self.remember(connection, programId: programId, idempotency, record, logger)
            }
        }
    }

    /// Records an event for a member whose row this transaction has locked: reads the state, runs the
    /// core, writes the outcome. With `screening`, the program's fraud controls judge the outcome
    /// first and a trip throws `FraudHold` before anything is written.
    func recordLocked(_ connection: PostgresConnection, programId: String, member: MemberRecord, currentVersion: Int?, event: LoyaltyEvent,
                      payload: String, now: Date, idempotency: Idempotency<EventRecord>?, screening: FraudScreening?) async throws -> EventWrite {
        let memberId = member.id
        let (version, processor) = try await configuredVersion(connection, programId: programId, number: currentVersion)
        currentVersions.withLock { $0[programId] = version.version }
        let program = processor.program
        let tiers = processor.tiers
        let limits = processor.limitQueries(for: event)
        // Only a return takes points from lots, in spending order: it needs them all.
        let bind = { (bindings: inout PostgresBindings) in
            bindings.append(member.id)
            Self.bindState(&bindings, limits: limits, tiers: tiers, at: event.occurredAt, now: now)
        }
        let state = event.returnOf != nil
            ? try Self.eventState(try await connection.rows(EventSQL.State.self, logger, bind: bind), member: member, limits: limits, tiers: tiers)
            : try Self.eventState(try await connection.rows(EventSQL.StateDue.self, logger) { bind(&$0); $0.append(now.millis) },
                                  member: member, limits: limits, tiers: tiers, onlyDueLots: true)
        var purchase: PurchaseRecord?
        if let details = event.returnOf, let row = try await connection.row("""
            SELECT id, member_id, purchase_total, points, points_reversed, amount_refunded, tier_amount FROM events
            WHERE id = \(details.purchaseEventId) AND program_id = \(programId) AND member_id = \(memberId)
              AND type = 'purchase' AND status = 'processed' FOR UPDATE
            """, logger) {
            purchase = PurchaseRecord(eventId: try row.get("id"), memberId: try row.get("member_id"),
                                      total: Amount(try row.get("purchase_total", String?.self) ?? "0") ?? .zero, pointsEarned: try row.get("points"),
                                      pointsReversed: try row.get("points_reversed"),
                                      amountRefunded: Amount(try row.get("amount_refunded", String.self)) ?? .zero,
                                      tierAmount: try row.get("tier_amount", String?.self).flatMap(Amount.init))
        }
        let clubs = program.clubs.isEmpty ? [] : try await Self.activeClubs(connection, memberId: memberId, logger)
        let challengeEvaluator = processor.challenges
        let readsSegments = processor.readsSegments || challengeEvaluator?.readsSegments(for: event) == true
        let segments = readsSegments ? try await Self.materialisedSegments(connection, memberId: memberId, logger) : []
        let consents = processor.readsConsents(for: event) ? try await Self.grantedConsents(connection, programId: programId, memberId: memberId, logger) : []
        let profile = member.profile(clubs: clubs, segments: segments, consents: consents)
        var outcome = try processor.process(event, member: profile, ledger: state.ledger, usage: state.usage, returnedPurchase: purchase,
                                            tier: state.tier, now: now)
        let challenges = try await Self.applyChallenges(connection, challengeEvaluator, event: event, member: profile, outcome: &outcome, now: now,
                                                        logger)
        outcome.followBalance(tiers, now: now)
        var counted: [CapSubject] = []
        if let screening, let policy = program.fraud {
            counted = try await Self.screen(connection, policy, programId: programId, memberId: memberId, event: event, outcome: outcome,
                                            before: state.ledger, version: version.version, apiKeyId: screening.apiKeyId, calendar: processor.calendar,
                                            now: now, logger)
        }
        let gifts = try await Self.settleGifts(connection, programId: programId, memberId: memberId, event: event, outcome: outcome,
                                               program: program, version: version.version, now: now, logger)
        let write = try EventWrite(event: event, payload: payload, outcome: outcome, gifts: gifts, member: member, state: state,
                                   processor: processor, version: version.version, programId: programId, now: now, idempotency: idempotency)
        try await connection.run(EventSQL.Write.self, logger) { try write.bind(&$0) }
        if let change = outcome.tierChange {
            try await Self.joinTierClubs(connection, program: program, programId: programId, memberId: memberId, change: change, now: now, logger)
        }
        if let after = outcome.purchaseAfterReturn {
            try await connection.query("""
                UPDATE events SET points_reversed = \(after.pointsReversed), amount_refunded = \(after.amountRefunded.description)
                WHERE id = \(after.eventId)
                """, logger: logger)
        }
        try await Self.saveChallenges(connection, challenges, evaluator: challengeEvaluator, programId: programId, memberId: memberId, event: event,
                                      gifts: ChallengeRows.gifts(outcome, gifts), now: now, logger)
        if let screening, let policy = program.fraud {
            try await Self.countAndFlag(connection, policy, counted: counted, programId: programId, memberId: memberId, event: event, outcome: outcome,
                                        apiKeyId: screening.apiKeyId, now: now, logger)
        }
        if program.hasPlayMechanics && outcome.status == .processed {
            try await play(connection, program: program, version: version.version, programId: programId, memberId: memberId, event: event, now: now)
        }
        return write
    }

    /// Issues the rewards the event's rules give (gift on purchase) and, for a return, cancels the
    /// unused gifts of its purchase; returns what happened to each for the event's outcome.
    /// Runs under the member's row lock, like every write to their points.
    static func settleGifts(_ connection: PostgresConnection, programId: String, memberId: String, event: LoyaltyEvent, outcome: EventOutcome,
                            program: ProgramDefinition, version: Int, now: Date, _ logger: Logger) async throws -> [RecordedOutcome.Gift]? {
        var gifts: [RecordedOutcome.Gift] = []
        if let purchaseId = event.returnOf?.purchaseEventId {
            for row in try await connection.rows("""
                SELECT * FROM redemptions WHERE source_event_id = \(purchaseId) AND member_id = \(memberId) AND status = 'issued' ORDER BY id FOR UPDATE
                """, logger) {
                let redemption = try redemption(row, now: now)
                guard redemption.status == .issued else { continue }
                try await cancelReturnedGift(connection, redemption, program: program, version: version, now: now, logger)
                gifts.append(RecordedOutcome.Gift(rewardId: redemption.rewardId, redemptionId: redemption.id, status: "cancelled"))
            }
        }
        for rule in outcome.rules {
            guard let rewardId = rule.gift else { continue }
            gifts.append(try await issueGift(connection, programId: programId, memberId: memberId, rewardId: rewardId, program: program,
                                             sourceEventId: event.id, now: now, logger))
        }
        return gifts.isEmpty ? nil : gifts
    }

    /// Issues a reward without spending points (a gift rule, a campaign's or the birthday's gift), in
    /// the caller's transaction under the member's lock; a gift that cannot be issued leaves nothing
    /// behind and says why.
    static func issueGift(_ connection: PostgresConnection, programId: String, memberId: String, rewardId: String, program: ProgramDefinition,
                          sourceEventId: String?, now: Date, _ logger: Logger) async throws -> RecordedOutcome.Gift {
        guard let row = try await connection.row("SELECT * FROM rewards WHERE program_id = \(programId) AND id = \(rewardId)", logger),
              let record = try? rewardRecord(row) else {
            return RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: "unknown_reward")
        }
        guard record.reward.active else {
            return RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: RedemptionRefusal.inactive.code)
        }
        let check = RedemptionCheck(program: program)
        let id = Identifiers.make("rdm", now: now)
        // A gift that cannot be issued must leave nothing behind (a unit taken, a code row): a savepoint undoes it.
        try await connection.query("SAVEPOINT gift", logger: logger)
        do {
            let code = try await takeUnit(connection, programId: programId, reward: record.reward, redemptionId: id, now: now, logger)
            try await insertRedemption(connection, RedemptionRecord(id: id, programId: programId, memberId: memberId, rewardId: rewardId, points: 0,
                                                                    status: .issued, code: code, value: check.value(of: record.reward, cost: 0),
                                                                    sourceEventId: sourceEventId, createdAt: now, updatedAt: now,
                                                                    expiresAt: check.expiry(of: record.reward, issuedAt: now),
                                                                    activeFrom: check.activation(of: record.reward, issuedAt: now)), logger)
            if case .clubMembership(let clubId) = record.reward.kind, let club = program.club(clubId) {
                try await joinClubRow(connection, programId: programId, club: club, memberId: memberId, via: .gift, invitedBy: nil, now: now,
                                      calendar: program.calendar, logger)
            }
            try await connection.query("RELEASE SAVEPOINT gift", logger: logger)
        } catch let error as LoyaltyError {
            try await connection.query("ROLLBACK TO SAVEPOINT gift", logger: logger)
            return RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: Self.giftStatus(error))
        }
        return RecordedOutcome.Gift(rewardId: rewardId, redemptionId: id, status: "issued")
    }

    /// Credits points a mechanic gives outside the earning rules, under the member's lock (taken
    /// here; see the SQLite twin). Returns the points credited.
    static func creditPoints(_ connection: PostgresConnection, program: ProgramDefinition, version: Int, programId: String, memberId: String,
                             points: Int, sourceId: String, availableAt: Date, actor: String, reason: String, now: Date,
                             _ logger: Logger) async throws -> Int {
        guard points > 0, let member = try await fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else { return 0 }
        var ledger = try await loadLedger(connection, member: member, logger)
        ledger.settle(now: now, sourceId: sourceId)
        guard ledger.canCredit(points) else { return 0 }
        ledger.earn(points, sourceId: sourceId, earnedAt: now, availableAt: availableAt,
                    expiresAt: program.expiry.expiryDate(earnedAt: now, calendar: program.calendar), now: now)
        try await saveLedger(connection, programId: programId, ledger: ledger, version: version, program: program, now: now, actor: actor, reason: reason, logger)
        return points
    }

    /// Takes back `points` that `creditPoints` gave under `creditId`, under the member's lock (see the SQLite twin).
    static func takeBackCredit(_ connection: PostgresConnection, program: ProgramDefinition, version: Int, programId: String, memberId: String,
                               points: Int, creditId: String, returnId: String, actor: String, reason: String, now: Date,
                               _ logger: Logger) async throws {
        guard points > 0, let member = try await fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else { return }
        var ledger = try await loadLedger(connection, member: member, logger)
        guard (try? ledger.cancelCredit(points, adjustmentId: creditId, policy: program.returns, sourceId: returnId)) != nil else { return }
        try await saveLedger(connection, programId: programId, ledger: ledger, version: version, program: program, now: now, actor: actor, reason: reason, logger)
    }

    /// A gift's redemption, locked, if it is still issued (see the SQLite twin).
    static func issuedGift(_ connection: PostgresConnection, redemptionId: String?, now: Date, _ logger: Logger) async throws -> RedemptionRecord? {
        guard let redemptionId,
              let row = try await connection.row("SELECT * FROM redemptions WHERE id = \(redemptionId) AND status = 'issued' FOR UPDATE", logger) else {
            return nil
        }
        let stored = try redemption(row, now: now)
        return stored.status == .issued ? stored : nil
    }

    /// Cancels a gift still issued because the purchase that gave it was returned.
    static func cancelReturnedGift(_ connection: PostgresConnection, _ redemption: RedemptionRecord, program: ProgramDefinition, version: Int, now: Date,
                                   _ logger: Logger) async throws {
        _ = try await cancel(connection, redemption, program: program, version: version, reason: "purchase_returned", now: now, logger)
    }

    /// One transaction per event: each locks its member, so a batch in one transaction would hold
    /// many member locks at once against the live API. With a journal, or all or nothing, the call
    /// is one transaction instead (`importEventsTogether`).
    public func importEvents(programId: String, events: [ImportedEvent], now: Date, journal: ImportJournalMark?,
                             allOrNothing: Bool, reviewingTiers: Bool) async throws -> [ImportResult] {
        if journal != nil || allOrNothing {
            return try await importEventsTogether(programId: programId, events: events, now: now, journal: journal, allOrNothing: allOrNothing,
                                                  reviewingTiers: reviewingTiers)
        }
        var results: [ImportResult] = []
        for imported in events {
            do {
                let memberId: String
                switch imported.member {
                case .id(let id): memberId = id
                case .externalId(let externalId):
                    guard let member = try await member(programId: programId, externalId: externalId) else {
                        throw StoreError.notFound("member with external_id \(externalId)")
                    }
                    memberId = member.id
                }
                let judgedAt = imported.judgedAt(importedAt: now)
                if reviewingTiers { try await reviewDueTiers(programId: programId, memberId: memberId, until: judgedAt) }
                // Imports are not screened by fraud controls (docs/security.md says why).
                let recorded = try await record(programId: programId, memberId: memberId, event: imported.event, payload: imported.payload(memberId),
                                                now: judgedAt, screening: nil, idempotency: nil)
                results.append(.recorded(eventId: imported.event.id, points: recorded.value?.points ?? 0))
            } catch let error as StoreError {
                results.append(.refused(error.description))
            } catch let error as EventProcessingError {
                results.append(.refused(error.description))
            }
        }
        return results
    }

    public func event(programId: String, id: String) async throws -> EventRecord? {
        try await read { connection in
            try await connection.row("SELECT * FROM events WHERE program_id = \(programId) AND id = \(id)", logger).map { row in
                let outcomeJSON = try PackedOutcome.text(try row.get("outcome", ByteBuffer.self))
                return EventRecord(id: try row.get("id"), programId: try row.get("program_id"), memberId: try row.get("member_id"), type: try row.get("type"),
                            occurredAt: try row.date("occurred_at"), recordedAt: try row.date("recorded_at"),
                            programVersion: try row.get("program_version"),
                            status: EventOutcome.Status(rawValue: try row.get("status")) ?? .processed, points: try row.get("points"),
                            payload: try row.get("payload"), outcome: try JSONText.decode(RecordedOutcome.self, outcomeJSON), outcomeJSON: outcomeJSON)
            }
        }
    }
}

extension PostgresStore {
    /// What the core needs to evaluate an event besides the member, read in one round trip
    /// (`EventSQL.State`) after the member's lock.
    struct EventState {
        var ledger: MemberLedger
        var usage: [String: RuleUsage]
        var tier: TierStanding?
        /// The oldest tier contribution in the window as of now, when the program's next check needs it.
        var oldestContribution: Date?
    }

    /// Appends the parameters of `EventSQL.stateItems`: the limit queries, the tier window at
    /// `date` (an empty range without tiers) and where the oldest contribution is looked for (only
    /// when the program's next check needs it).
    static func bindState(_ bindings: inout PostgresBindings, limits: [LimitQuery], tiers: TierQualification?, at date: Date, now: Date) {
        bindings.append(limits.map(\.ruleId)); bindings.append(limits.map { $0.from?.millis ?? Int64.min })
        bindings.append(limits.map { $0.to == .distantFuture ? Int64.max : $0.to.millis })
        bindings.append(tiers.map { $0.windowStart(at: date)?.millis ?? Int64.min } ?? Int64.max); bindings.append(tiers == nil ? Int64.min : date.millis)
        bindings.append(tiers.flatMap { $0.checksOldestInWindow ? $0.windowStart(at: now)?.millis ?? Int64.min : nil } ?? Int64.max)
    }

    /// The event's state from the rows of `EventSQL.State` or `Snapshot` (`EventSQL.stateColumns`);
    /// `onlyDueLots` when the rows hold only the lots due by the event's time (`EventSQL.dueLots`).
    static func eventState(_ rows: [PostgresRandomAccessRow], member: MemberRecord, limits: [LimitQuery], tiers: TierQualification?,
                           onlyDueLots: Bool = false) throws -> EventState {
        guard let first = rows.first else { throw StoreError.notFound("member \(member.id)") }
        var usage: [String: RuleUsage] = [:]
        for (query, (points, times)) in zip(limits, zip(try first.get("usage_points", [Int].self), try first.get("usage_times", [Int].self))) {
            usage[query.ruleId] = RuleUsage(points: points, times: times)
        }
        let totals = TierContribution(points: try first.get("tier_points", Int.self), amount: Amount(units: try first.get("tier_units", Int64.self)),
                                      purchases: try first.get("tier_purchases", Int.self))
        // Without open lots, the one row's lot columns are NULL.
        let lots = try rows.compactMap { row in try row.get("lot_id", String?.self) == nil ? nil : try lot(row, LotColumns.event) }
        let ledger = onlyDueLots
            ? MemberLedger(memberId: member.id, dueLots: lots, available: member.available, pending: member.pending, debt: member.debt,
                           lifetimeEarned: member.lifetimeEarned)
            : MemberLedger(memberId: member.id, lots: lots, debt: member.debt, lifetimeEarned: member.lifetimeEarned)
        return EventState(ledger: ledger,
                          usage: usage, tier: tiers.map { _ in TierStanding(state: member.tier, totals: totals) },
                          oldestContribution: try first.optionalDate("oldest_contribution"))
    }
}
