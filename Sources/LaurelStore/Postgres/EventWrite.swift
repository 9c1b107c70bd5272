import Foundation
import LaurelCore
import PostgresNIO

/// What an event writes, worked out once from its outcome and bound as $1–$60 of
/// `EventSQL.Write` or `EventSQL.GuardedWrite`.
struct EventWrite {
    let record: EventRecord
    /// The response stored under the event's idempotency key, when it has one.
    let response: StoredResponse?
    private let event: LoyaltyEvent
    private let outcome: EventOutcome
    private let programId: String
    private let now: Date
    private let outcomeJSON: String
    private let contribution: TierContribution?
    private let tierWrite: (state: MemberTier, checkAt: Date?)?
    private let key: String?
    /// The outbox messages of the event's points and tier change.
    private let messages: [PendingMessage]
    /// The rules whose awards the judging version keeps (`EventProcessor.keptAwardRuleIds`).
    private let keptAwards: Set<String>

    init(event: LoyaltyEvent, payload: String, outcome: EventOutcome, gifts: [RecordedOutcome.Gift]? = nil, member: MemberRecord,
         state: PostgresStore.EventState, processor: EventProcessor, version: Int, programId: String, now: Date,
         idempotency: Idempotency<EventRecord>?) throws {
        let tiers = processor.tiers
        keptAwards = processor.keptAwardRuleIds
        var recorded = RecordedOutcome(outcome)
        recorded.gifts = gifts
        let outcomeJSON = recorded.jsonText
        record = EventRecord(id: event.id, programId: programId, memberId: member.id, type: event.type, occurredAt: event.occurredAt,
                             recordedAt: now, programVersion: version, status: outcome.status,
                             points: outcome.recordedPoints, payload: payload, outcome: recorded, outcomeJSON: outcomeJSON)
        response = try idempotency?.render(record)
        let contribution = tiers == nil || outcome.tier == nil ? nil : outcome.tierContribution.flatMap { $0.isZero ? nil : $0 }
        // The tier state is written unless the evaluation left it as stored; the next check may
        // depend on the oldest contribution in the window, this event's included.
        var tierWrite: (state: MemberTier, checkAt: Date?)?
        if let tiers, let tierState = outcome.tier, !tiers.skipsWrite(tierState, change: outcome.tierChange, previous: member.tier) {
            var oldest = state.oldestContribution
            if contribution != nil, tiers.checksOldestInWindow, event.occurredAt.millis >= tiers.windowStart(at: now)?.millis ?? Int64.min {
                oldest = min(oldest ?? event.occurredAt, event.occurredAt)
            }
            tierWrite = (tierState, tiers.nextCheck(tierState, oldestInWindow: oldest, now: now))
        }
        self.event = event
        self.outcome = outcome
        self.programId = programId
        self.now = now
        self.outcomeJSON = outcomeJSON
        self.contribution = contribution
        self.tierWrite = tierWrite
        self.key = idempotency?.key
        self.messages = OutboxMessages.points(outcome.ledger, now: now)
            + (outcome.tierChange.map { OutboxMessages.tier($0, policy: tiers?.policy, memberId: member.id, sourceId: event.id, now: now) } ?? [])
    }

    func bind(_ bindings: inout PostgresBindings) throws {
        LedgerSQL.bind(&bindings, programId: programId, ledger: outcome.ledger, version: record.programVersion, now: now, actor: nil, reason: nil)
        bindings.append(event.id); bindings.append(event.type); bindings.append(event.occurredAt.millis); bindings.append(outcome.status.rawValue)
        bindings.append(record.points); bindings.append(event.purchase?.total.description); bindings.append(record.payload)
        bindings.append(PackedOutcome.packedBuffer(outcomeJSON)); bindings.append(event.purchase == nil ? nil : outcome.tierContribution?.amount.description)
        let awards = outcome.rules.filter(\.isAward)
        bindings.append(awards.map(\.ruleId)); bindings.append(awards.map { Int64($0.points) })
        bindings.append(contribution?.points ?? 0); bindings.append(contribution?.amount.units ?? 0); bindings.append(contribution?.purchases ?? 0)
        bindings.append(contribution != nil)
        let tier = tierWrite?.state
        bindings.append(tierWrite != nil); bindings.append(tier?.tierId); bindings.append(tier?.since?.millis); bindings.append(tier?.floorTierId)
        bindings.append(tier?.floorUntil?.millis); bindings.append(tier?.reviewAt?.millis); bindings.append(tierWrite?.checkAt?.millis)
        bindings.append(response?.status); try bindings.append(response?.body); bindings.append(key)
        LedgerSQL.bindNewLots(&bindings, ledger: outcome.ledger)
        let change = outcome.tierChange
        bindings.append(change != nil); bindings.append(change?.from); bindings.append(change?.to); bindings.append(change?.reason.rawValue)
        LedgerSQL.bindMessages(&bindings, messages)
        bindings.append(awards.map { keptAwards.contains($0.ruleId) })
    }
}
