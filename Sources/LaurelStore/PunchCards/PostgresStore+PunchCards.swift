import Foundation
import LaurelCore
import Logging
import PostgresNIO

/// `PunchCardStore` on PostgreSQL, and the punch card steps of the event write (under the member's
/// row lock, like every write to their points).
extension PostgresStore {
    /// Two queries for all the cards (see the SQLite twin).
    public func punchCards(programId: String, memberId: String, cards: [PunchCard], now: Date) async throws -> [PunchCardStatus] {
        try await read { connection in
            let open = Dictionary(grouping: try await connection.rows("""
                SELECT card_id, id, stamped_at, expires_at FROM punch_stamps
                WHERE member_id = \(memberId) AND program_id = \(programId) AND completion_id IS NULL AND (expires_at IS NULL OR expires_at > \(now.millis))
                """, logger).map {
                (cardId: try $0.get("card_id", String.self),
                 stamp: PunchStamp(id: try $0.get("id"), stampedAt: Date(millis: try $0.get("stamped_at")),
                                   expiresAt: try $0.get("expires_at", Int64?.self).map(Date.init(millis:))))
            }, by: \.cardId)
            var done: [String: (count: Int, last: Int64)] = [:]
            for row in try await connection.rows("""
                SELECT card_id, COUNT(*)::BIGINT AS n, MAX(completed_at) AS last FROM punch_completions
                WHERE member_id = \(memberId) AND program_id = \(programId) AND status = 'given' GROUP BY card_id
                """, logger) {
                done[try row.get("card_id", String.self)] = (try row.get("n", Int.self), try row.get("last", Int64.self))
            }
            if open.isEmpty, done.isEmpty, try await Self.fetchMember(connection, programId: programId, id: memberId, logger) == nil {
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
    private static func openStamps(_ connection: PostgresConnection, memberId: String, cardId: String, now: Date, _ logger: Logger) async throws
        -> [PunchStamp] {
        try await connection.rows("""
            SELECT id, stamped_at, expires_at FROM punch_stamps
            WHERE member_id = \(memberId) AND card_id = \(cardId) AND completion_id IS NULL AND (expires_at IS NULL OR expires_at > \(now.millis))
            """, logger).map {
            PunchStamp(id: try $0.get("id"), stampedAt: Date(millis: try $0.get("stamped_at")),
                       expiresAt: try $0.get("expires_at", Int64?.self).map(Date.init(millis:)))
        }
    }

    /// A purchase stamps each card it qualifies for; a stamp that fills a card completes it (see the SQLite twin).
    func punchCardsOnPurchase(_ connection: PostgresConnection, program: ProgramDefinition, version: Int, programId: String, memberId: String,
                              event: LoyaltyEvent, now: Date) async throws {
        guard let purchase = event.purchase else { return }
        for card in program.punchCards where card.qualifies(purchase) {
            let open = try await Self.openStamps(connection, memberId: memberId, cardId: card.id, now: now, logger)
            var progress = PunchCardProgress(card: card, open: open, now: now)
            let stamp = PunchStamp(id: Identifiers.make("pst", now: now), stampedAt: event.occurredAt,
                                   expiresAt: card.expiry(stampedAt: event.occurredAt))
            try await connection.query("""
                INSERT INTO punch_stamps (id, program_id, member_id, card_id, event_id, stamped_at, expires_at)
                VALUES (\(stamp.id), \(programId), \(memberId), \(card.id), \(event.id), \(stamp.stampedAt.millis), \(stamp.expiresAt?.millis))
                """, logger: logger)
            guard let spent = progress.add(stamp) else { continue }
            let id = Identifiers.make("pcc", now: now)
            let points = try await Self.creditPoints(connection, program: program, version: version, programId: programId, memberId: memberId,
                                                     points: card.points ?? 0, sourceId: id, availableAt: now, actor: "punch_card:\(card.id)",
                                                     reason: "punch card \(card.name) completed by purchase \(event.id)", now: now, logger)
            var gift: RecordedOutcome.Gift?
            if let rewardId = card.reward {
                gift = try await Self.issueGift(connection, programId: programId, memberId: memberId, rewardId: rewardId, program: program,
                                                sourceEventId: nil, now: now, logger)
            }
            try await connection.query("UPDATE punch_stamps SET completion_id = \(id) WHERE id = ANY(\(spent.map(\.id)))", logger: logger)
            try await connection.query("""
                INSERT INTO punch_completions (id, program_id, member_id, card_id, event_id, completed_at, points, reward, redemption_id, reward_status, status)
                VALUES (\(id), \(programId), \(memberId), \(card.id), \(event.id), \(now.millis), \(points), \(card.reward), \(gift?.redemptionId),
                        \(gift?.status), 'given')
                """, logger: logger)
            try await Self.emit(connection, programId: programId, memberId: memberId,
                                [OutboxMessages.punchCardCompleted(memberId: memberId, card: card, completionId: id, eventId: event.id, points: points,
                                                                   gift: gift, now: now)], now: now, logger)
        }
    }

    /// A return removes its purchase's stamps; a completion such a stamp was spent on takes an open
    /// stamp in its place, or under `on_return: revoke` is revoked (`PunchCardReturnPlan`).
    func punchCardsOnReturn(_ connection: PostgresConnection, program: ProgramDefinition, version: Int, programId: String, memberId: String,
                            purchaseId: String, returnId: String, now: Date) async throws {
        let stamps = try await connection.rows("""
            SELECT id, card_id, completion_id FROM punch_stamps WHERE event_id = \(purchaseId) AND member_id = \(memberId)
            """, logger).map { (id: try $0.get("id", String.self), cardId: try $0.get("card_id", String.self), completionId: try $0.get("completion_id", String?.self)) }
        for stamp in stamps {
            if let completionId = stamp.completionId, let completion = try await connection.row("""
                SELECT points, redemption_id FROM punch_completions WHERE id = \(completionId) AND status = 'given' FOR UPDATE
                """, logger) {
                let completionPoints = try completion.get("points", Int.self)
                let pointsLeft = try await connection.row("""
                    SELECT COALESCE(SUM(remaining), 0)::BIGINT AS n FROM lots WHERE member_id = \(memberId) AND source_id = \(completionId)
                    """, logger).map { try $0.get("n", Int.self) } ?? 0
                let redemption = try await Self.issuedGift(connection, redemptionId: try completion.get("redemption_id", String?.self), now: now, logger)
                let card = program.punchCard(stamp.cardId)
                var open: [PunchStamp] = []
                if let card {
                    let stamps = try await Self.openStamps(connection, memberId: memberId, cardId: card.id, now: now, logger)
                    open = PunchCardProgress(card: card, open: stamps, now: now).stamps
                }
                let plan = PunchCardReturnPlan.plan(card: card, openStamps: open.count, completionPoints: completionPoints,
                                                    pointsLeft: pointsLeft, rewardUnused: redemption != nil)
                if plan.substitute, let replacement = open.first {
                    try await connection.query("UPDATE punch_stamps SET completion_id = \(completionId) WHERE id = \(replacement.id)", logger: logger)
                }
                if plan.revokeCompletion {
                    try await Self.takeBackCredit(connection, program: program, version: version, programId: programId, memberId: memberId,
                                                  points: plan.takeBackPoints, creditId: completionId, returnId: returnId, actor: "punch_card:\(stamp.cardId)",
                                                  reason: "punch card completion \(completionId) revoked: purchase \(purchaseId) returned", now: now, logger)
                    if plan.cancelReward, let redemption {
                        try await Self.cancelReturnedGift(connection, redemption, program: program, version: version, now: now, logger)
                    }
                    let rewardStatus: String? = plan.cancelReward && redemption != nil ? "cancelled" : nil
                    try await connection.query("""
                        UPDATE punch_completions SET status = 'revoked', reward_status = COALESCE(\(rewardStatus), reward_status) WHERE id = \(completionId)
                        """, logger: logger)
                    try await connection.query("""
                        UPDATE punch_stamps SET completion_id = NULL WHERE completion_id = \(completionId) AND id <> \(stamp.id)
                        """, logger: logger)
                }
            }
            try await connection.query("DELETE FROM punch_stamps WHERE id = \(stamp.id)", logger: logger)
        }
    }
}
