import Foundation
import GRDB
import LaurelCore

/// One batch of `laurel import` on SQLite, judged in memory and written together.
///
/// `record` costs the writer ~8 statements per event: the member, the limited rules' usage, the
/// tier totals, the open lots, then the rows. Here the batch's members are read with a few
/// set-based queries (members, open lots, the limited rules' awards and the tier contributions
/// from the earliest window any event of the batch looks at); each event is judged against that
/// state exactly as `record` judges it against the tables, the state is updated as `record`'s
/// writes would have updated the tables, and the rows go out at the end in multi-row inserts, in
/// the order `record` would have written them.
///
/// Only programs whose events need nothing else are judged this way (`judgesInMemory`): with
/// clubs an event reads the member's clubs and a tier change joins clubs; a gift rule takes
/// reward stock; challenges read and write their progress; punch cards and referrals stamp, complete
/// and give gifts (`SQLiteStore.play`); rules on segments or consents read them per event. Those import through `record`. A return reads and updates its purchase: the rows
/// so far are written, the return is recorded by `record`, and its member is read again.
struct SQLiteImportBatch {
    static func judgesInMemory(_ program: ProgramDefinition) -> Bool {
        program.clubs.isEmpty && program.challenges.isEmpty && !program.hasPlayMechanics && !program.rulesReadSegments && program.consentEventTypes.isEmpty && !program.allEarningRules.contains { if case .giftReward = $0.effect { true } else { false } }
    }

    /// A member as the batch has left them so far.
    private struct MemberState {
        /// The member row; its debt and lifetime total follow the batch's events.
        var member: MemberRecord
        /// Open lots, the limited rules' awards from the batch's earliest limit window on and the
        /// tier contributions from its earliest tier window on, then those made here.
        var judging: JudgingState
        var ledger: MemberLedger {
            judging.ledger(memberId: member.id, debt: member.debt, lifetimeEarned: member.lifetimeEarned)
        }
        /// Whether the balances changed since the rows were last written.
        var ledgerChanged = false
        /// The tier to write and when to check it again, as `saveTier` writes them.
        var tierWrite: (state: MemberTier, checkAt: Date?)?
        /// When the tier is next reviewed (`tier_check_at`, milliseconds), as the batch has left it.
        var tierCheckAt: Int64?
    }

    let programId: String
    let version: Int
    let processor: EventProcessor
    let cache: ProgramCache
    /// For the returns, which `record` records.
    let judgingCache: JudgingCache
    /// The import's own time: no event is judged later (`ImportedEvent.judgedAt`).
    let now: Date
    /// Whether the tier reviews due before each event are made first (`LaurelStore.importEvents`).
    let reviewingTiers: Bool

    private var members: [String: MemberState] = [:]
    /// Members to read again before their next event: a return was recorded for them by `record`.
    private var stale: Set<String> = []
    private var externalIds: [String: String] = [:]
    /// Ids of the batch's events already recorded (an exported file imported again), then those
    /// recorded by the batch so far: each later event with one is refused.
    private var takenEventIds: Set<String> = []
    /// What `load` reads: the limited rules, and from when on their awards and the tier contributions.
    private var limitedRules: Set<String> = []
    private var awardsFrom = Int64.max, contributionsFrom = Int64.max

    /// Rows not written yet, in the order `record` would have written them.
    private var eventRows: SQLiteRows.Values = []
    private var entryRows: SQLiteRows.Values = []
    private var awardRows: SQLiteRows.Values = []
    private var contributionRows: SQLiteRows.Values = []
    /// Lots created in the batch (inserted in their final state) and older lots it changed.
    private var newLots: [String: PointLot] = [:], newLotOrder: [String] = []
    private var changedLots: [String: PointLot] = [:], changedLotOrder: [String] = []
    private var touchedMembers: [String] = []
    private var tierChanges: [(memberId: String, change: TierChange, sourceId: String, at: Date)] = []
    /// The outbox messages of the events, in their order, as recording them one by one writes them.
    private var messages: [(memberId: String, message: PendingMessage, at: Date)] = []

    init(programId: String, version: Int, processor: EventProcessor, cache: ProgramCache, judgingCache: JudgingCache, now: Date,
         reviewingTiers: Bool) {
        self.programId = programId
        self.version = version
        self.processor = processor
        self.cache = cache
        self.judgingCache = judgingCache
        self.now = now
        self.reviewingTiers = reviewingTiers
    }

    /// Judges and writes the batch; each event is recorded or refused as `record` would have.
    mutating func run(_ db: Database, _ events: [ImportedEvent]) throws -> [ImportResult] {
        let limits = try prepare(db, events)
        var results: [ImportResult] = []
        results.reserveCapacity(events.count)
        for (imported, limits) in zip(events, limits) {
            guard takenEventIds.insert(imported.event.id).inserted else {
                results.append(.refused(ImportedEvent.idTaken(imported.event.id)))
                continue
            }
            do {
                let memberId = try memberId(imported.member)
                if imported.event.returnOf != nil {
                    results.append(try recordReturn(db, imported, memberId: memberId))
                } else {
                    results.append(try judge(db, imported, limits: limits, memberId: memberId))
                }
            } catch let error as StoreError {
                results.append(.refused(error.description))
            } catch let error as EventProcessingError {
                results.append(.refused(error.description))
            }
        }
        try write(db)
        return results
    }

    /// Finds what `load` must read for the batch's events, resolves external ids and loads every
    /// member named; returns each event's limit queries.
    private mutating func prepare(_ db: Database, _ events: [ImportedEvent]) throws -> [[LimitQuery]] {
        var ids: [String] = [], external: [String] = []
        var limits: [[LimitQuery]] = []
        limits.reserveCapacity(events.count)
        for imported in events {
            switch imported.member {
            case .id(let id): ids.append(id)
            case .externalId(let externalId): external.append(externalId)
            }
            limits.append(processor.limitQueries(for: imported.event))
            for query in limits[limits.count - 1] {
                limitedRules.insert(query.ruleId)
                awardsFrom = min(awardsFrom, query.from?.millis ?? Int64.min)
            }
            if let tiers = processor.tiers {
                contributionsFrom = min(contributionsFrom, tiers.windowStart(at: imported.event.occurredAt)?.millis ?? Int64.min)
                // `saveTier` looks for the oldest contribution in the window as of the event's clock.
                if tiers.checksOldestInWindow {
                    contributionsFrom = min(contributionsFrom, tiers.windowStart(at: imported.judgedAt(importedAt: now))?.millis ?? Int64.min)
                }
            }
        }
        if !external.isEmpty {
            for row in try db.rows("SELECT external_id, id FROM members WHERE program_id = ? AND external_id IN (SELECT value FROM json_each(?))",
                                   [programId, Self.jsonArray(external)]) {
                externalIds[row["external_id"]] = row["id"] as String
            }
        }
        try load(db, ids + externalIds.values)
        for row in try db.rows("SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))", [Self.jsonArray(events.map(\.event.id))]) {
            takenEventIds.insert(row["id"] as String)
        }
        return limits
    }

    private func memberId(_ member: ImportedEvent.Member) throws -> String {
        switch member {
        case .id(let id): return id
        case .externalId(let externalId):
            guard let id = externalIds[externalId] else { throw StoreError.notFound(SQLiteStore.externalIdNotFound(externalId)) }
            return id
        }
    }

    /// Reads the members of `ids` in the program, with their open lots, limited awards and tier contributions.
    private mutating func load(_ db: Database, _ ids: [String]) throws {
        let list = Self.jsonArray(ids)
        var empty = JudgingState(lots: [])
        (empty.awardsFrom, empty.contributionsFrom) = (awardsFrom, contributionsFrom)
        for member in try db.rowsByPosition("SELECT \(SQLiteStore.memberColumns) FROM members WHERE program_id = ? AND id IN (SELECT value FROM json_each(?))",
                                            [.text(programId), .text(list)], SQLiteStore.member) {
            members[member.id] = MemberState(member: member, judging: empty)
        }
        for row in try db.rows("SELECT id, tier_check_at FROM members WHERE id IN (SELECT value FROM json_each(?)) AND tier_check_at IS NOT NULL",
                               [list]) {
            members[row[0] as String]?.tierCheckAt = row[1]
        }
        for lot in try db.rowsByPosition("SELECT \(SQLiteStore.lotColumns) FROM lots WHERE member_id IN (SELECT value FROM json_each(?)) AND remaining > 0",
                                         [.text(list)], SQLiteStore.lot) {
            members[lot.memberId]?.judging.lots.append(lot)
        }
        if !limitedRules.isEmpty {
            for row in try db.rows("""
                SELECT member_id, rule_id, occurred_at, points FROM rule_awards
                WHERE member_id IN (SELECT value FROM json_each(?)) AND rule_id IN (SELECT value FROM json_each(?)) AND occurred_at >= ?
                """, [list, Self.jsonArray(limitedRules.sorted()), awardsFrom]) {
                members[row[0] as String]?.judging.awards.append(JudgingState.Award(ruleId: row[1], at: row[2], points: row[3]))
            }
        }
        if processor.tiers != nil {
            for row in try db.rows("""
                SELECT member_id, occurred_at, points, amount_units, purchases FROM tier_contributions
                WHERE member_id IN (SELECT value FROM json_each(?)) AND occurred_at >= ?
                """, [list, contributionsFrom]) {
                members[row[0] as String]?.judging.contributions.append((row[1], TierContribution(points: row[2], amount: Amount(units: row[3]),
                                                                                                  purchases: row[4])))
            }
        }
    }

    /// Judges one event (not a return) against the member's state and keeps its rows.
    private mutating func judge(_ db: Database, _ imported: ImportedEvent, limits: [LimitQuery], memberId: String) throws -> ImportResult {
        if stale.remove(memberId) != nil { try load(db, [memberId]) }
        guard var state = members[memberId] else { throw StoreError.notFound("member \(memberId)") }
        var firstSinceWrite = !state.ledgerChanged && state.tierWrite == nil
        let event = imported.event
        // The event's own clock from here on, as `record` would be given it.
        let now = imported.judgedAt(importedAt: self.now)
        if reviewingTiers, try reviewDueTiers(db, &state, until: now), firstSinceWrite {
            touchedMembers.append(memberId)
            firstSinceWrite = false
        }
        members[memberId] = state
        guard state.member.status != .erased else { throw StoreError.memberErased(memberId) }
        let standing = processor.tiers.map { tiers in
            TierStanding(state: state.member.tier, totals: state.judging.tierTotals(from: tiers.windowStart(at: event.occurredAt)?.millis ?? Int64.min,
                                                                                     through: event.occurredAt.millis))
        }
        let outcome = try processor.process(event, member: state.member.profile(), ledger: state.ledger, usage: state.judging.usage(limits),
                                            returnedPurchase: nil, tier: standing, now: now)

        // Kept from here on: nothing below refuses.
        eventRows += SQLiteRows.event(event, programId: programId, memberId: memberId, version: version, outcome: outcome,
                                      outcomeJSON: RecordedOutcome(outcome).jsonText, payload: imported.payload(memberId), now: now)
        keep(outcome.ledger, in: &state, at: now)
        messages += OutboxMessages.points(outcome.ledger, now: now).map { (memberId, $0, now) }
        if let tiers = processor.tiers, let tier = outcome.tier {
            if let contribution = outcome.tierContribution, !contribution.isZero {
                contributionRows += SQLiteRows.contribution(contribution, memberId: memberId, event: event)
                state.judging.contributions.append((event.occurredAt.millis, contribution))
            }
            if !tiers.skipsWrite(tier, change: outcome.tierChange, previous: state.member.tier) {
                var oldest: Date?
                if tiers.checksOldestInWindow {
                    oldest = state.judging.oldestContribution(from: tiers.windowStart(at: now)?.millis ?? Int64.min).map(Date.init(millis:))
                }
                state.tierWrite = (tier, tiers.nextCheck(tier, oldestInWindow: oldest, now: now))
                state.tierCheckAt = state.tierWrite?.checkAt?.millis
                state.member.tier = tier.asStored
                if let change = outcome.tierChange {
                    tierChanges.append((memberId, change, event.id, now))
                    messages += OutboxMessages.tier(change, policy: tiers.policy, memberId: memberId, sourceId: event.id, now: now)
                        .map { (memberId, $0, now) }
                }
            }
        }
        for rule in SQLiteRows.awardedRules(outcome.rules, limited: processor.limitedRuleIds) {
            state.judging.awards.append(JudgingState.Award(ruleId: rule.ruleId, at: event.occurredAt.millis, points: rule.points))
        }
        awardRows += SQLiteRows.awards(outcome.rules, limited: processor.keptAwardRuleIds, memberId: memberId, event: event)
        if firstSinceWrite { touchedMembers.append(memberId) }
        state.ledgerChanged = true
        members[memberId] = state
        return .recorded(eventId: event.id, points: outcome.recordedPoints)
    }

    /// The scheduled tier reviews that fell due before an event judged at `date`, each at its own
    /// time, as `SQLiteStore.reviewDueTiers` makes them on the tables; returns whether one wrote.
    private mutating func reviewDueTiers(_ db: Database, _ state: inout MemberState, until date: Date) throws -> Bool {
        var last = Int64.min
        var wrote = false
        while let due = state.tierCheckAt, TierReviews.isDue(due, after: last, until: date) {
            last = due
            guard let tiers = processor.tiers else {
                // As `reviewTier` does for a program without tiers: no more reviews.
                state.tierWrite = (state.member.tier, nil)
                state.tierCheckAt = nil
                return true
            }
            let at = Date(millis: due)
            let windowStart = tiers.windowStart(at: at)?.millis ?? Int64.min
            try state.judging.coverContributions(db, memberId: state.member.id, from: windowStart)
            let standing = TierStanding(state: state.member.tier, totals: state.judging.tierTotals(from: windowStart, through: due),
                                        balance: state.ledger.available)
            let (tier, change) = tiers.evaluate(standing.state, basis: tiers.basis(standing), trigger: .scheduled, now: at)
            if tiers.skipsWrite(tier, change: change, previous: nil) { continue }
            let oldest = tiers.checksOldestInWindow ? state.judging.oldestContribution(from: windowStart).map(Date.init(millis:)) : nil
            state.tierWrite = (tier, tiers.nextCheck(tier, oldestInWindow: oldest, now: at))
            state.tierCheckAt = state.tierWrite?.checkAt?.millis
            state.member.tier = tier.asStored
            wrote = true
            if let change {
                let sourceId = TierReviews.sourceId(at: at)
                tierChanges.append((state.member.id, change, sourceId, at))
                messages += OutboxMessages.tier(change, policy: tiers.policy, memberId: state.member.id, sourceId: sourceId, now: at)
                    .map { (state.member.id, $0, at) }
            }
        }
        return wrote
    }

    /// Keeps the ledger's entries and lots as rows and carries its open lots to the member's next event.
    private mutating func keep(_ ledger: MemberLedger, in state: inout MemberState, at now: Date) {
        entryRows += SQLiteRows.entries(ledger.entries, programId: programId, version: version, now: now, actor: nil, reason: nil)
        for lot in ledger.touchedLots {
            if newLots[lot.id] != nil {
                newLots[lot.id] = lot
            } else if ledger.newLotIds.contains(lot.id) {
                newLots[lot.id] = lot
                newLotOrder.append(lot.id)
            } else {
                if changedLots[lot.id] == nil { changedLotOrder.append(lot.id) }
                changedLots[lot.id] = lot
            }
        }
        state.judging.keepLots(of: ledger)
        state.member.debt = ledger.debt
        state.member.lifetimeEarned = ledger.lifetimeEarned
    }

    /// Writes what the batch has so far, then records the return alone; its member is read again before their next event.
    private mutating func recordReturn(_ db: Database, _ imported: ImportedEvent, memberId: String) throws -> ImportResult {
        try write(db)
        if members.removeValue(forKey: memberId) != nil { stale.insert(memberId) }
        let judgedAt = imported.judgedAt(importedAt: now)
        if reviewingTiers { try SQLiteStore.reviewDueTiers(db, programId: programId, memberId: memberId, processor: processor, until: judgedAt) }
        let changesBefore = db.totalChangesCount
        do {
            let recorded = try SQLiteStore.record(db, cache: cache, judging: judgingCache, programId: programId, memberId: memberId, event: imported.event,
                                                  payload: imported.payload(memberId), now: judgedAt)
            return .recorded(eventId: imported.event.id, points: recorded.points)
        } catch let error as StoreError where db.totalChangesCount == changesBefore {
            return .refused(error.description)
        } catch let error as EventProcessingError where db.totalChangesCount == changesBefore {
            return .refused(error.description)
        }
    }

    /// Writes the kept rows and the touched members' balances and tiers.
    private mutating func write(_ db: Database) throws {
        try db.insert(SQLiteRows.eventTable, eventRows)
        try db.insert(SQLiteRows.entryTable, entryRows)
        try db.insert(SQLiteRows.lotTable, newLotOrder.flatMap { SQLiteRows.lot(newLots[$0]!, programId: programId) })
        for id in changedLotOrder { try SQLiteStore.updateLot(db, changedLots[id]!) }
        try db.insert(SQLiteRows.contributionTable, contributionRows)
        try db.insert(SQLiteRows.awardTable, awardRows)
        for id in touchedMembers {
            guard var state = members[id] else { continue }
            if state.ledgerChanged { try SQLiteStore.updateBalances(db, state.ledger) }
            if let tier = state.tierWrite { try SQLiteStore.updateTier(db, memberId: id, state: tier.state, checkAt: tier.checkAt) }
            state.ledgerChanged = false
            state.tierWrite = nil
            members[id] = state
        }
        for (memberId, change, sourceId, at) in tierChanges {
            try SQLiteStore.insertTierChangeRow(db, programId: programId, memberId: memberId, change: change, sourceId: sourceId, now: at)
        }
        for (memberId, message, at) in messages {
            try SQLiteStore.emit(db, programId: programId, memberId: memberId, [message], now: at)
        }
        messages.removeAll()
        eventRows.removeAll()
        entryRows.removeAll()
        awardRows.removeAll()
        contributionRows.removeAll()
        newLots.removeAll()
        newLotOrder.removeAll()
        changedLots.removeAll()
        changedLotOrder.removeAll()
        touchedMembers.removeAll()
        tierChanges.removeAll()
    }

    private static func jsonArray(_ strings: [String]) -> String {
        var writer = JSONTextWriter(capacity: strings.count * 32)
        writer.beginArray()
        for string in strings {
            writer.element()
            writer.string(string)
        }
        writer.endArray()
        return writer.text
    }
}

private extension MemberTier {
    /// The tier as the member's row gives it back: times in whole milliseconds.
    var asStored: MemberTier {
        MemberTier(tierId: tierId, since: since.map { Date(millis: $0.millis) }, floorTierId: floorTierId,
                   floorUntil: floorUntil.map { Date(millis: $0.millis) }, reviewAt: reviewAt.map { Date(millis: $0.millis) })
    }
}
