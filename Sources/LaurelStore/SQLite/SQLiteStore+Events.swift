import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func recordEvent(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date, apiKeyId: String?,
                            idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord> {
        let (cache, judging) = (programs, judging)
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            let record: EventRecord
            do {
                record = try Self.record(db, cache: cache, judging: judging, programId: programId, memberId: memberId, event: event,
                                         payload: payload, now: now, screening: FraudScreening(apiKeyId: apiKeyId))
            } catch let hold as FraudHold {
                // Thrown before `record` wrote anything: the review is the event's only trace.
                record = try Self.hold(db, hold, programId: programId, memberId: memberId, event: event, payload: payload, apiKeyId: apiKeyId, now: now)
            }
            return try Self.remember(db, programId: programId, idempotency, record, now: now)
        }
    }

    /// Records one event in the caller's transaction: runs the core on it and writes the outcome.
    /// What judging reads besides the member row comes from `judging` when it still holds the
    /// member (see `JudgingCache`), else from the tables; the member row's balances and its new
    /// `revision` are written last, so that nothing after them changes the revision again.
    /// With `screening` (a live event; not imports or approvals), a program's fraud controls judge
    /// the outcome before anything is written: a trip throws `FraudHold`.
    static func record(_ db: Database, cache: ProgramCache, judging: JudgingCache, programId: String, memberId: String, event: LoyaltyEvent,
                       payload: String, now: Date, screening: FraudScreening? = nil) throws -> EventRecord {
        let (member, revision, version, processor) = try Self.memberAndVersion(db, cache: cache, programId: programId, memberId: memberId)
        var state = try judging.take(memberId: memberId, revision: revision, version: version.version) ?? JudgingState.read(db, memberId: memberId)
        let limits = processor.limitQueries(for: event)
        if let from = limits.lazy.map({ JudgingState.bounds($0).from }).min() {
            try state.coverAwards(db, memberId: memberId, limited: processor.limitedRuleIds, from: from)
        }
        let usage = state.usage(limits)
        var purchase: PurchaseRecord?
        if let details = event.returnOf {
            purchase = try db.row("""
                SELECT id, member_id, purchase_total, points, points_reversed, amount_refunded, tier_amount FROM events
                WHERE id = ? AND program_id = ? AND member_id = ? AND type = 'purchase' AND status = 'processed'
                """, [details.purchaseEventId, programId, memberId]).map { row in
                PurchaseRecord(eventId: row["id"], memberId: row["member_id"], total: Amount(row["purchase_total"] as String) ?? .zero,
                               pointsEarned: row["points"], pointsReversed: row["points_reversed"],
                               amountRefunded: Amount(row["amount_refunded"] as String) ?? .zero,
                               tierAmount: (row["tier_amount"] as String?).flatMap(Amount.init))
            }
        }

        let program = processor.program
        let clubs = program.clubs.isEmpty ? [] : try Self.activeClubs(db, memberId: memberId)
        let challengeEvaluator = processor.challenges
        let readsSegments = processor.readsSegments || challengeEvaluator?.readsSegments(for: event) == true
        let segments = readsSegments ? try Self.materialisedSegments(db, memberId: memberId) : []
        let consents = processor.readsConsents(for: event) ? try Self.grantedConsents(db, programId: programId, memberId: memberId) : []
        var standing: TierStanding?
        var contributionsFrom: Int64?
        if let tiers = processor.tiers {
            let from = tiers.windowStart(at: event.occurredAt)?.millis ?? Int64.min
            // `saveTier` may look for the oldest contribution in the window as of now.
            let oldestFrom = tiers.checksOldestInWindow ? tiers.windowStart(at: now)?.millis ?? Int64.min : from
            let needed = min(from, oldestFrom)
            contributionsFrom = needed
            try state.coverContributions(db, memberId: memberId, from: needed)
            standing = TierStanding(state: member.tier, totals: state.tierTotals(from: from, through: event.occurredAt.millis))
        }
        // The lots go from the cache to the state to the ledger to the outcome without a second
        // owner, so adding a lot to a member's thousands does not copy them all.
        let ledger = state.takeLedger(memberId: memberId, debt: member.debt, lifetimeEarned: member.lifetimeEarned)
        let before = (available: ledger.available, pending: ledger.pending)
        let profile = member.profile(clubs: clubs, segments: segments, consents: consents)
        var outcome = try processor.process(event, member: profile, ledger: consume ledger, usage: usage, returnedPurchase: purchase, tier: standing, now: now)
        let challenges = try Self.applyChallenges(db, challengeEvaluator, event: event, member: profile, outcome: &outcome, now: now)
        outcome.followBalance(processor.tiers, now: now)
        var counted: [CapSubject] = []
        if let screening, let policy = program.fraud {
            counted = try Self.screen(db, policy, programId: programId, memberId: memberId, event: event, outcome: outcome, before: before,
                                      version: version.version, apiKeyId: screening.apiKeyId, calendar: processor.calendar, now: now)
        }
        var recorded = RecordedOutcome(outcome)
        recorded.gifts = try Self.settleGifts(db, programId: programId, memberId: memberId, event: event, outcome: outcome, program: program,
                                              version: version.version, now: now)
        let outcomeJSON = recorded.jsonText
        try db.insert(SQLiteRows.eventTable, SQLiteRows.event(event, programId: programId, memberId: memberId, version: version.version,
                                                              outcome: outcome, outcomeJSON: outcomeJSON, payload: payload, now: now))
        try Self.saveEntriesAndLots(db, programId: programId, ledger: outcome.ledger, version: version.version, now: now)
        state.keepLots(of: outcome.ledger)
        if let tiers = processor.tiers, let tier = outcome.tier {
            if let contribution = outcome.tierContribution, !contribution.isZero {
                try db.insert(SQLiteRows.contributionTable, SQLiteRows.contribution(contribution, memberId: memberId, event: event))
                state.contributions.append((event.occurredAt.millis, contribution))
            }
            try Self.saveTier(db, program: program, tiers: tiers, programId: programId, memberId: memberId, state: tier, change: outcome.tierChange,
                              previous: member.tier, sourceId: event.id, now: now, contributions: state)
        }
        try db.insert(SQLiteRows.awardTable, SQLiteRows.awards(outcome.rules, limited: processor.keptAwardRuleIds, memberId: memberId, event: event))
        for rule in SQLiteRows.awardedRules(outcome.rules, limited: processor.limitedRuleIds) {
            state.awards.append(JudgingState.Award(ruleId: rule.ruleId, at: event.occurredAt.millis, points: rule.points))
        }
        if let after = outcome.purchaseAfterReturn {
            try db.run("UPDATE events SET points_reversed = ?, amount_refunded = ? WHERE id = ?",
                       [after.pointsReversed, after.amountRefunded.description, after.eventId])
        }
        try Self.saveChallenges(db, challenges, evaluator: challengeEvaluator, programId: programId, memberId: memberId, event: event,
                                gifts: ChallengeRows.gifts(outcome, recorded.gifts), now: now)
        if let screening, let policy = program.fraud {
            try Self.countAndFlag(db, policy, counted: counted, programId: programId, memberId: memberId, event: event, outcome: outcome,
                                  apiKeyId: screening.apiKeyId, now: now)
        }
        let newRevision = judging.nextRevision()
        try Self.updateBalances(db, outcome.ledger, revision: newRevision)
        // What this event needed is all a later one can need (windows move forward with time). The
        // awards' cut takes a calendar computation per limited rule (~1.7 % of the writer when made
        // for every event), so it is made only once awards pile up.
        let awardsCut = state.awards.count > JudgingState.awardsHeldUncut ? processor.earliestLimitStart(at: event.occurredAt)?.millis : nil
        state.forget(awardsBefore: awardsCut, contributionsBefore: contributionsFrom)
        judging.keep(memberId: memberId, revision: newRevision, version: version.version, state: state)
        if program.hasPlayMechanics && outcome.status == .processed {
            // Writes lots after the member row: their triggers give it a new revision, so the entry just kept stops matching.
            try Self.play(db, program: program, version: version.version, programId: programId, memberId: memberId, event: event, now: now)
        }
        return EventRecord(id: event.id, programId: programId, memberId: memberId, type: event.type, occurredAt: event.occurredAt,
                           recordedAt: now, programVersion: version.version, status: outcome.status, points: outcome.recordedPoints,
                           payload: payload, outcome: recorded, outcomeJSON: outcomeJSON)
    }

    /// The member, their row's `revision` and the program's current version, read with one
    /// statement (each statement costs the one writer a few microseconds of its own).
    static func memberAndVersion(_ db: Database, cache: ProgramCache, programId: String,
                                 memberId: String) throws -> (MemberRecord, revision: Int64, ProgramVersionRecord, EventProcessor) {
        guard let (member, revision, number) = try db.rowByPosition("""
            SELECT \(memberColumns), members.revision, programs.current_version FROM members JOIN programs ON programs.id = members.program_id
            WHERE members.program_id = ? AND members.id = ?
            """, [.text(programId), .text(memberId)], { (try Self.member($0), $0[memberColumnCount] as Int64, $0[memberColumnCount + 1] as Int?) })
        else { throw StoreError.notFound("member \(memberId)") }
        guard member.status != .erased else { throw StoreError.memberErased(memberId) }
        guard let number, let (version, processor) = try loadVersion(db, cache: cache, programId: programId, version: number) else {
            throw StoreError.programNotConfigured(programId)
        }
        return (member, revision, version, processor)
    }

    /// Issues the rewards the event's rules give (gift on purchase) and, for a return, cancels the
    /// unused gifts of its purchase; returns what happened to each for the event's outcome.
    static func settleGifts(_ db: Database, programId: String, memberId: String, event: LoyaltyEvent, outcome: EventOutcome,
                            program: ProgramDefinition, version: Int, now: Date) throws -> [RecordedOutcome.Gift]? {
        var gifts: [RecordedOutcome.Gift] = []
        if let purchaseId = event.returnOf?.purchaseEventId {
            for row in try db.rows("SELECT * FROM redemptions WHERE source_event_id = ? AND member_id = ? AND status = 'issued'", [purchaseId, memberId]) {
                let redemption = redemption(row, now: now)
                guard redemption.status == .issued else { continue }
                try cancelReturnedGift(db, redemption, program: program, version: version, now: now)
                gifts.append(RecordedOutcome.Gift(rewardId: redemption.rewardId, redemptionId: redemption.id, status: "cancelled"))
            }
        }
        for rule in outcome.rules {
            guard let rewardId = rule.gift else { continue }
            gifts.append(try issueGift(db, programId: programId, memberId: memberId, rewardId: rewardId, program: program, sourceEventId: event.id,
                                       now: now))
        }
        return gifts.isEmpty ? nil : gifts
    }

    /// Issues a reward without spending points (a gift rule, a campaign's or the birthday's gift), in
    /// the caller's transaction; a gift that cannot be issued leaves nothing behind and says why.
    static func issueGift(_ db: Database, programId: String, memberId: String, rewardId: String, program: ProgramDefinition,
                          sourceEventId: String?, now: Date) throws -> RecordedOutcome.Gift {
        guard let row = try db.row("SELECT * FROM rewards WHERE program_id = ? AND id = ?", [programId, rewardId]),
              let record = try? rewardRecord(row) else {
            return RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: "unknown_reward")
        }
        guard record.reward.active else {
            return RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: RedemptionRefusal.inactive.code)
        }
        let check = RedemptionCheck(program: program)
        let id = Identifiers.make("rdm", now: now)
        // A gift that cannot be issued must leave nothing behind (a unit taken, a code row): a savepoint undoes it.
        do {
            try db.inSavepoint {
                let code = try takeUnit(db, programId: programId, reward: record.reward, redemptionId: id, now: now)
                try insertRedemption(db, RedemptionRecord(id: id, programId: programId, memberId: memberId, rewardId: rewardId, points: 0,
                                                          status: .issued, code: code, value: check.value(of: record.reward, cost: 0),
                                                          sourceEventId: sourceEventId, createdAt: now, updatedAt: now,
                                                          expiresAt: check.expiry(of: record.reward, issuedAt: now),
                                                          activeFrom: check.activation(of: record.reward, issuedAt: now)))
                if case .clubMembership(let clubId) = record.reward.kind, let club = program.club(clubId) {
                    try joinClubRow(db, programId: programId, club: club, memberId: memberId, via: .gift, invitedBy: nil, now: now,
                                    calendar: program.calendar)
                }
                return .commit
            }
        } catch let error as LoyaltyError {
            return RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: giftStatus(error))
        }
        return RecordedOutcome.Gift(rewardId: rewardId, redemptionId: id, status: "issued")
    }

    /// Credits points a mechanic gives outside the earning rules (a punch card's completion, a
    /// referral's gift, a prize) in the caller's transaction: an `earn` entry with its own lot
    /// (`sourceId`), available at `availableAt`, expiring as the program's points do. Returns the
    /// points credited: 0 when `points` is 0, the member is unknown or their balance can take no more.
    static func creditPoints(_ db: Database, program: ProgramDefinition, version: Int, programId: String, memberId: String, points: Int,
                             sourceId: String, availableAt: Date, actor: String, reason: String, now: Date) throws -> Int {
        guard points > 0, let member = try fetchMember(db, programId: programId, id: memberId) else { return 0 }
        var ledger = try loadLedger(db, member: member)
        ledger.settle(now: now, sourceId: sourceId)
        guard ledger.canCredit(points) else { return 0 }
        ledger.earn(points, sourceId: sourceId, earnedAt: now, availableAt: availableAt,
                    expiresAt: program.expiry.expiryDate(earnedAt: now, calendar: program.calendar), now: now)
        try saveLedger(db, programId: programId, ledger: ledger, version: version, program: program, now: now, actor: actor, reason: reason)
        return points
    }

    /// Takes back `points` that `creditPoints` gave under `creditId`, for the return `returnId`, as
    /// the program's return policy allows; nothing when they can no longer be taken back.
    static func takeBackCredit(_ db: Database, program: ProgramDefinition, version: Int, programId: String, memberId: String, points: Int,
                               creditId: String, returnId: String, actor: String, reason: String, now: Date) throws {
        guard points > 0, let member = try fetchMember(db, programId: programId, id: memberId) else { return }
        var ledger = try loadLedger(db, member: member)
        guard (try? ledger.cancelCredit(points, adjustmentId: creditId, policy: program.returns, sourceId: returnId)) != nil else { return }
        try saveLedger(db, programId: programId, ledger: ledger, version: version, program: program, now: now, actor: actor, reason: reason)
    }

    /// A gift's redemption if it is still issued (not used, cancelled or expired): what a return may take back.
    static func issuedGift(_ db: Database, redemptionId: String?, now: Date) throws -> RedemptionRecord? {
        guard let redemptionId, let row = try db.row("SELECT * FROM redemptions WHERE id = ? AND status = 'issued'", [redemptionId]) else { return nil }
        let stored = redemption(row, now: now)
        return stored.status == .issued ? stored : nil
    }

    /// Cancels a gift still issued because the purchase that gave it was returned.
    static func cancelReturnedGift(_ db: Database, _ redemption: RedemptionRecord, program: ProgramDefinition, version: Int, now: Date) throws {
        _ = try cancel(db, redemption, program: program, version: version, reason: "purchase_returned", now: now)
    }

    public func event(programId: String, id: String) async throws -> EventRecord? {
        try await read { db in
            try db.row("SELECT * FROM events WHERE program_id = ? AND id = ?", [programId, id]) { row in
                let outcomeJSON = try PackedOutcome.text(row["outcome"] as DatabaseValue)
                return EventRecord(id: row["id"], programId: row["program_id"], memberId: row["member_id"], type: row["type"],
                            occurredAt: Date(millis: row["occurred_at"]), recordedAt: Date(millis: row["recorded_at"]),
                            programVersion: row["program_version"], status: EventOutcome.Status(rawValue: row["status"]) ?? .processed,
                            points: row["points"], payload: row["payload"], outcome: try JSONText.decode(RecordedOutcome.self, outcomeJSON),
                            outcomeJSON: outcomeJSON)
            }
        }
    }
}
