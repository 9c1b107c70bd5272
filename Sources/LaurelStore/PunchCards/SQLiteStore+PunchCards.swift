import Foundation
import GRDB
import LaurelCore

/// `PunchCardStore` on SQLite, and the punch card steps of the event write.
extension SQLiteStore {
    /// Two queries for all the cards (live open stamps, completions per card), grouped here; the
    /// member is looked up only when they have neither.
    public func punchCards(programId: String, memberId: String, cards: [PunchCard], now: Date) async throws -> [PunchCardStatus] {
        try await read { db in
            let open = Dictionary(grouping: try db.rows("""
                SELECT card_id, id, stamped_at, expires_at FROM punch_stamps
                WHERE member_id = ? AND program_id = ? AND completion_id IS NULL AND (expires_at IS NULL OR expires_at > ?)
                """, [memberId, programId, now.millis]) {
                (cardId: $0[0] as String, stamp: PunchStamp(id: $0[1], stampedAt: Date(millis: $0[2]), expiresAt: ($0[3] as Int64?).map(Date.init(millis:))))
            }, by: \.cardId)
            let done = Dictionary(try db.rows("""
                SELECT card_id, COUNT(*), MAX(completed_at) FROM punch_completions WHERE member_id = ? AND program_id = ? AND status = 'given'
                GROUP BY card_id
                """, [memberId, programId]) { ($0[0] as String, (count: $0[1] as Int, last: $0[2] as Int64)) }, uniquingKeysWith: { first, _ in first })
            if open.isEmpty, done.isEmpty, try Self.fetchMember(db, programId: programId, id: memberId) == nil {
                throw StoreError.notFound("member \(memberId)")
            }
            return cards.map { card in
                let progress = PunchCardProgress(card: card, open: open[card.id]?.map(\.stamp) ?? [], now: now)
                let completed = done[card.id]
                return PunchCardStatus(cardId: card.id, name: card.name, stamps: progress.count, required: card.stamps, nextExpiry: progress.nextExpiry,
                                       completions: completed?.count ?? 0, lastCompletedAt: completed.map { Date(millis: $0.last) })
            }
        }
    }

    /// The member's stamps on the card not spent on a completion and not expired at `now`.
    private static func openStamps(_ db: Database, memberId: String, cardId: String, now: Date) throws -> [PunchStamp] {
        try db.rows("""
            SELECT id, stamped_at, expires_at FROM punch_stamps
            WHERE member_id = ? AND card_id = ? AND completion_id IS NULL AND (expires_at IS NULL OR expires_at > ?)
            """, [memberId, cardId, now.millis]) {
            PunchStamp(id: $0[0], stampedAt: Date(millis: $0[1]), expiresAt: ($0[2] as Int64?).map(Date.init(millis:)))
        }
    }

    /// A purchase stamps each card it qualifies for; a stamp that fills a card completes it: the
    /// card's points (an `earn` entry naming the card) and reward, and `punch_card.completed`.
    static func punchCardsOnPurchase(_ db: Database, program: ProgramDefinition, version: Int, programId: String, memberId: String,
                                     event: LoyaltyEvent, now: Date) throws {
        guard let purchase = event.purchase else { return }
        for card in program.punchCards where card.qualifies(purchase) {
            var progress = PunchCardProgress(card: card, open: try openStamps(db, memberId: memberId, cardId: card.id, now: now), now: now)
            let stamp = PunchStamp(id: Identifiers.make("pst", now: now), stampedAt: event.occurredAt,
                                   expiresAt: card.expiry(stampedAt: event.occurredAt))
            try db.run("""
                INSERT INTO punch_stamps (id, program_id, member_id, card_id, event_id, stamped_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [stamp.id, programId, memberId, card.id, event.id, stamp.stampedAt.millis, stamp.expiresAt?.millis])
            guard let spent = progress.add(stamp) else { continue }
            let id = Identifiers.make("pcc", now: now)
            let points = try creditPoints(db, program: program, version: version, programId: programId, memberId: memberId, points: card.points ?? 0,
                                          sourceId: id, availableAt: now, actor: "punch_card:\(card.id)",
                                          reason: "punch card \(card.name) completed by purchase \(event.id)", now: now)
            let gift = try card.reward.map {
                try issueGift(db, programId: programId, memberId: memberId, rewardId: $0, program: program, sourceEventId: nil, now: now)
            }
            try db.run("UPDATE punch_stamps SET completion_id = ? WHERE id IN (SELECT value FROM json_each(?))", [id, try JSONText.encode(spent.map(\.id))])
            try db.run("""
                INSERT INTO punch_completions (id, program_id, member_id, card_id, event_id, completed_at, points, reward, redemption_id, reward_status, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'given')
                """, [id, programId, memberId, card.id, event.id, now.millis, points, card.reward, gift?.redemptionId, gift?.status])
            try emit(db, programId: programId, memberId: memberId,
                     [OutboxMessages.punchCardCompleted(memberId: memberId, card: card, completionId: id, eventId: event.id, points: points, gift: gift,
                                                        now: now)], now: now)
        }
    }

    /// A return removes its purchase's stamps; a completion such a stamp was spent on takes an open
    /// stamp in its place, or under `on_return: revoke` is revoked (`PunchCardReturnPlan`).
    static func punchCardsOnReturn(_ db: Database, program: ProgramDefinition, version: Int, programId: String, memberId: String, purchaseId: String,
                                   returnId: String, now: Date) throws {
        let stamps = try db.rows("SELECT id, card_id, completion_id FROM punch_stamps WHERE event_id = ? AND member_id = ?", [purchaseId, memberId]) {
            (id: $0[0] as String, cardId: $0[1] as String, completionId: $0[2] as String?)
        }
        for stamp in stamps {
            if let completionId = stamp.completionId,
               let completion = try db.row("SELECT points, redemption_id FROM punch_completions WHERE id = ? AND status = 'given'", [completionId], {
                   (points: $0[0] as Int, redemptionId: $0[1] as String?)
               }) {
                let pointsLeft = try db.row("SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE member_id = ? AND source_id = ?", [memberId, completionId]) {
                    $0[0] as Int
                } ?? 0
                let issued = try issuedGift(db, redemptionId: completion.redemptionId, now: now)
                let card = program.punchCard(stamp.cardId)
                let open = try card.map {
                    PunchCardProgress(card: $0, open: try openStamps(db, memberId: memberId, cardId: $0.id, now: now), now: now).stamps
                } ?? []
                let plan = PunchCardReturnPlan.plan(card: card, openStamps: open.count, completionPoints: completion.points,
                                                    pointsLeft: pointsLeft, rewardUnused: issued != nil)
                if plan.substitute, let replacement = open.first {
                    try db.run("UPDATE punch_stamps SET completion_id = ? WHERE id = ?", [completionId, replacement.id])
                }
                if plan.revokeCompletion {
                    try takeBackCredit(db, program: program, version: version, programId: programId, memberId: memberId, points: plan.takeBackPoints,
                                       creditId: completionId, returnId: returnId, actor: "punch_card:\(stamp.cardId)",
                                       reason: "punch card completion \(completionId) revoked: purchase \(purchaseId) returned", now: now)
                    if plan.cancelReward, let issued {
                        try cancelReturnedGift(db, issued, program: program, version: version, now: now)
                    }
                    try db.run("UPDATE punch_completions SET status = 'revoked', reward_status = COALESCE(?, reward_status) WHERE id = ?",
                               [plan.cancelReward && issued != nil ? "cancelled" : nil, completionId])
                    try db.run("UPDATE punch_stamps SET completion_id = NULL WHERE completion_id = ? AND id != ?", [completionId, stamp.id])
                }
            }
            try db.run("DELETE FROM punch_stamps WHERE id = ?", [stamp.id])
        }
    }
}
