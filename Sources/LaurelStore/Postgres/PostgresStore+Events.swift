import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    public func recordEvent(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date,
                            idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            let (version, processor) = try await currentVersion(connection, programId: programId)

            var usage: [String: RuleUsage] = [:]
            for query in processor.limitQueries(for: event) {
                let from = query.from?.millis ?? Int64.min, to = query.to == .distantFuture ? Int64.max : query.to.millis
                let row = try await connection.row(EventSQL.RuleUsage.self, logger) {
                    $0.append(memberId); $0.append(query.ruleId); $0.append(from); $0.append(to)
                }
                usage[query.ruleId] = RuleUsage(points: try row?.get("points", Int.self) ?? 0, times: try row?.get("times", Int.self) ?? 0)
            }
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

            let program = processor.program
            let clubs = program.clubs.isEmpty ? [] : try await Self.activeClubs(connection, memberId: memberId, logger)
            var standing: TierStanding?
            if let tiers = processor.tiers {
                standing = try await Self.tierStanding(connection, member: member, tiers: tiers, at: event.occurredAt, logger)
            }
            let outcome = try processor.process(event, member: member.profile(clubs: clubs),
                                                ledger: try await Self.loadLedger(connection, member: member, logger),
                                                usage: usage, returnedPurchase: purchase, tier: standing, now: now)
            var recorded = RecordedOutcome(outcome)
            recorded.gifts = try await Self.settleGifts(connection, programId: programId, memberId: memberId, event: event, outcome: outcome,
                                                        program: program, version: version.version, now: now, logger)
            let points = outcome.reversal?.reversed ?? outcome.pointsEarned
            try await connection.run(EventSQL.InsertEvent.self, logger) {
                $0.append(event.id); $0.append(programId); $0.append(memberId); $0.append(event.type); $0.append(event.occurredAt.millis)
                $0.append(now.millis); $0.append(version.version); $0.append(outcome.status.rawValue); $0.append(points)
                $0.append(event.purchase?.total.description); $0.append(payload); $0.append(recorded.jsonText)
                $0.append(event.purchase == nil ? nil : outcome.tierContribution?.amount.description)
            }
            try await Self.saveLedger(connection, programId: programId, ledger: outcome.ledger, version: version.version, now: now, logger)
            if let tiers = processor.tiers, let state = outcome.tier {
                if let contribution = outcome.tierContribution, !contribution.isZero {
                    try await connection.run(EventSQL.InsertContribution.self, logger) {
                        $0.append(memberId); $0.append(event.occurredAt.millis); $0.append(contribution.points)
                        $0.append(contribution.amount.units); $0.append(contribution.purchases); $0.append(event.id)
                    }
                }
                try await Self.saveTier(connection, program: program, tiers: tiers, programId: programId, memberId: memberId, state: state,
                                        change: outcome.tierChange, previous: member.tier, sourceId: event.id, now: now, logger)
            }
            let awards = outcome.rules.filter { $0.points > 0 || $0.gift != nil }
            if !awards.isEmpty {
                // One round trip for all of the event's awards.
                try await connection.run(EventSQL.InsertAwards.self, logger) {
                    $0.append(memberId); $0.append(event.occurredAt.millis); $0.append(event.id)
                    $0.append(awards.map(\.ruleId)); $0.append(awards.map { Int64($0.points) })
                }
            }
            if let after = outcome.purchaseAfterReturn {
                try await connection.query("""
                    UPDATE events SET points_reversed = \(after.pointsReversed), amount_refunded = \(after.amountRefunded.description)
                    WHERE id = \(after.eventId)
                    """, logger: logger)
            }
            let record = EventRecord(id: event.id, programId: programId, memberId: memberId, type: event.type, occurredAt: event.occurredAt,
                                     recordedAt: now, programVersion: version.version, status: outcome.status, points: points,
                                     payload: payload, outcome: recorded)
            return try await Self.remember(connection, programId: programId, idempotency, record, logger)
        }
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
                _ = try await cancel(connection, redemption, program: program, version: version, reason: "purchase_returned", now: now, logger)
                gifts.append(RecordedOutcome.Gift(rewardId: redemption.rewardId, redemptionId: redemption.id, status: "cancelled"))
            }
        }
        let check = RedemptionCheck(program: program)
        for rule in outcome.rules {
            guard let rewardId = rule.gift else { continue }
            guard let row = try await connection.row("SELECT * FROM rewards WHERE program_id = \(programId) AND id = \(rewardId)", logger),
                  let record = try? rewardRecord(row) else {
                gifts.append(RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: "unknown_reward"))
                continue
            }
            guard record.reward.active else {
                gifts.append(RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: RedemptionRefusal.inactive.code))
                continue
            }
            let id = Identifiers.make("rdm", now: now)
            // A gift that cannot be issued must leave nothing behind (a unit taken, a code row): a savepoint undoes it.
            try await connection.query("SAVEPOINT gift", logger: logger)
            do {
                let code = try await takeUnit(connection, programId: programId, reward: record.reward, redemptionId: id, now: now, logger)
                try await insertRedemption(connection, RedemptionRecord(id: id, programId: programId, memberId: memberId, rewardId: rewardId, points: 0,
                                                                        status: .issued, code: code, value: check.value(of: record.reward, cost: 0),
                                                                        sourceEventId: event.id, createdAt: now, updatedAt: now,
                                                                        expiresAt: check.expiry(of: record.reward, issuedAt: now)), logger)
                if case .clubMembership(let clubId) = record.reward.kind, let club = program.club(clubId) {
                    try await joinClubRow(connection, programId: programId, club: club, memberId: memberId, via: .gift, invitedBy: nil, now: now,
                                          calendar: program.calendar, logger)
                }
                try await connection.query("RELEASE SAVEPOINT gift", logger: logger)
            } catch let error as LoyaltyError {
                try await connection.query("ROLLBACK TO SAVEPOINT gift", logger: logger)
                gifts.append(RecordedOutcome.Gift(rewardId: rewardId, redemptionId: nil, status: Self.giftStatus(error)))
                continue
            }
            gifts.append(RecordedOutcome.Gift(rewardId: rewardId, redemptionId: id, status: "issued"))
        }
        return gifts.isEmpty ? nil : gifts
    }

    /// One transaction per event: each locks its member, so a batch in one transaction would hold
    /// many member locks at once against the live API.
    public func importEvents(programId: String, events: [ImportedEvent], now: Date) async throws -> [ImportResult] {
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
                let recorded = try await recordEvent(programId: programId, memberId: memberId, event: imported.event, payload: imported.payload(memberId),
                                                     now: now, idempotency: nil)
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
                EventRecord(id: try row.get("id"), programId: try row.get("program_id"), memberId: try row.get("member_id"), type: try row.get("type"),
                            occurredAt: try row.date("occurred_at"), recordedAt: try row.date("recorded_at"),
                            programVersion: try row.get("program_version"),
                            status: EventOutcome.Status(rawValue: try row.get("status")) ?? .processed, points: try row.get("points"),
                            payload: try row.get("payload"), outcome: try JSONText.decode(RecordedOutcome.self, try row.get("outcome", String.self)))
            }
        }
    }
}
