import Foundation
import LaurelCore
import Logging
import PostgresNIO

/// Campaign and birthday bookkeeping. A gift's claim row is inserted first (`ON CONFLICT DO
/// NOTHING … RETURNING`): of two nodes giving the same gift at once, the second waits for the
/// first's commit and then finds the key taken, so each gift is given once.
extension PostgresStore {
    public func campaignRuns(programId: String) async throws -> [CampaignRunRecord] {
        try await read { connection in
            try await connection.rows("SELECT campaign_id, started_at, ended_at FROM campaign_runs WHERE program_id = \(programId)", logger).map { row in
                CampaignRunRecord(campaignId: try row.get("campaign_id"), startedAt: try row.optionalDate("started_at"),
                                  endedAt: try row.optionalDate("ended_at"))
            }
        }
    }

    public func markCampaign(programId: String, campaign: Campaign, transition: CampaignTransition, now: Date) async throws -> Bool {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO campaign_runs (program_id, campaign_id) VALUES (\(programId), \(campaign.id)) ON CONFLICT DO NOTHING
                """, logger: logger)
            var marked = false
            for step in transition == .ended ? [CampaignTransition.started, .ended] : [.started] {
                // The row lock makes a concurrent mark wait, then find the column set.
                let column = step == .started ? "started_at" : "ended_at"
                let updated = try await connection.rows("""
                    UPDATE campaign_runs SET \(unescaped: column) = \(now.millis)
                    WHERE program_id = \(programId) AND campaign_id = \(campaign.id) AND \(unescaped: column) IS NULL RETURNING campaign_id
                    """, logger)
                guard !updated.isEmpty else { continue }
                let type = step == .started ? MessageType.campaignStarted : MessageType.campaignEnded
                try await Self.emit(connection, programId: programId, type: type, memberId: nil, payload: CampaignMessages.payload(campaign), now: now, logger)
                marked = marked || step == transition
            }
            return marked
        }
    }

    public func membersAwaitingCampaignGift(programId: String, campaignId: String, limit: Int, startingAfter: String?) async throws -> [MemberRecord] {
        try await read { connection in
            try await connection.rows("""
                SELECT * FROM members
                WHERE program_id = \(programId) AND id > \(startingAfter ?? "") AND status = 'active'
                  AND NOT EXISTS (SELECT 1 FROM campaign_gifts g WHERE g.program_id = members.program_id AND g.campaign_id = \(campaignId)
                                  AND g.member_id = members.id)
                ORDER BY id LIMIT \(limit)
                """, logger).map(Self.member)
        }
    }

    public func giveCampaignGift(programId: String, campaign: Campaign, memberId: String, now: Date) async throws -> GiftGrant? {
        try await transaction { connection in
            let claimed = try await connection.rows("""
                INSERT INTO campaign_gifts (program_id, campaign_id, member_id, points, reward_id, created_at)
                VALUES (\(programId), \(campaign.id), \(memberId), \(campaign.pointsGift ?? 0), \(campaign.rewardGift), \(now.millis))
                ON CONFLICT DO NOTHING RETURNING member_id
                """, logger)
            guard !claimed.isEmpty else { return nil }
            let grant = try await give(connection, programId: programId, memberId: memberId, points: campaign.pointsGift, reward: campaign.rewardGift,
                                       actor: "campaign:\(campaign.id)", reason: "gift of campaign \(campaign.name)", sourcePrefix: "cgf", now: now)
            try await connection.query("""
                UPDATE campaign_gifts SET redemption_id = \(grant.reward?.redemptionId), reward_status = \(grant.reward?.status)
                WHERE program_id = \(programId) AND campaign_id = \(campaign.id) AND member_id = \(memberId)
                """, logger: logger)
            return grant
        }
    }

    public func membersWithBirthday(programId: String, monthDays: [String], grantedSince: Date, limit: Int,
                                    startingAfter: String?) async throws -> [MemberRecord] {
        try await read { connection in
            try await connection.rows("""
                SELECT * FROM members
                WHERE program_id = \(programId) AND id > \(startingAfter ?? "") AND status = 'active'
                  AND substr(birthday, 6, 5) = ANY(\(monthDays))
                  AND NOT EXISTS (SELECT 1 FROM birthday_grants g WHERE g.program_id = members.program_id AND g.member_id = members.id
                                  AND g.created_at >= \(grantedSince.millis))
                ORDER BY id LIMIT \(limit)
                """, logger).map(Self.member)
        }
    }

    public func giveBirthdayGift(programId: String, gift: BirthdayGift, memberId: String, year: Int, now: Date) async throws -> GiftGrant? {
        try await transaction { connection in
            let claimed = try await connection.rows("""
                INSERT INTO birthday_grants (program_id, member_id, year, points, reward_id, created_at)
                VALUES (\(programId), \(memberId), \(year), \(gift.points ?? 0), \(gift.reward), \(now.millis))
                ON CONFLICT DO NOTHING RETURNING member_id
                """, logger)
            guard !claimed.isEmpty else { return nil }
            let grant = try await give(connection, programId: programId, memberId: memberId, points: gift.points, reward: gift.reward,
                                       actor: "birthday", reason: "birthday \(year)", sourcePrefix: "bdy", now: now)
            try await connection.query("""
                UPDATE birthday_grants SET redemption_id = \(grant.reward?.redemptionId), reward_status = \(grant.reward?.status)
                WHERE program_id = \(programId) AND member_id = \(memberId) AND year = \(year)
                """, logger: logger)
            try await Self.emit(connection, programId: programId, type: MessageType.birthday, memberId: memberId,
                                payloadJSON: try CampaignMessages.birthdayPayload(grant, year: year), now: now, logger)
            return grant
        }
    }

    /// Credits `points` (an `adjust` entry from the program's `adjusted` account, with `actor` and
    /// `reason`) and issues `reward`, under the member's row lock in the caller's transaction.
    private func give(_ connection: PostgresConnection, programId: String, memberId: String, points: Int?, reward: String?,
                      actor: String, reason: String, sourcePrefix: String, now: Date) async throws -> GiftGrant {
        guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
            throw StoreError.notFound("member \(memberId)")
        }
        let (version, processor) = try await currentVersion(connection, programId: programId)
        let sourceId = Identifiers.make(sourcePrefix, now: now)
        var credited = 0
        if let points, points > 0 {
            var ledger = try await Self.loadLedger(connection, member: member, logger)
            ledger.settle(now: now, sourceId: sourceId)
            try ledger.adjust(points, program: processor.program, sourceId: sourceId, now: now)
            try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, actor: actor,
                                      reason: reason, logger)
            credited = points
        }
        var issued: RecordedOutcome.Gift?
        if let reward {
            issued = try await Self.issueGift(connection, programId: programId, memberId: memberId, rewardId: reward, program: processor.program,
                                              sourceEventId: nil, now: now, logger)
        }
        return GiftGrant(memberId: memberId, points: credited, reward: issued)
    }

    /// Every member of the program as a campaign's member-level conditions see them: with their
    /// segments and granted consents when the audience names some (two grouped reads, not one per member).
    static func audienceProfiles(_ connection: PostgresConnection, programId: String, audience: CampaignAudience,
                                 _ logger: Logger) async throws -> [MemberProfile] {
        var segments: [String: [String]] = [:], consents: [String: Set<String>] = [:]
        if !audience.segments.isEmpty {
            for row in try await connection.rows("""
                SELECT member_id, segment_id FROM segment_memberships WHERE program_id = \(programId) ORDER BY segment_id
                """, logger) {
                segments[try row.get("member_id", String.self), default: []].append(try row.get("segment_id"))
            }
        }
        if !audience.consents.isEmpty {
            for row in try await connection.rows("""
                SELECT c.member_id, c.name FROM member_consents c
                WHERE c.program_id = \(programId) AND \(unescaped: Consents.grantedNow)
                """, logger) {
                consents[try row.get("member_id", String.self), default: []].insert(try row.get("name"))
            }
        }
        return try await connection.rows("SELECT * FROM members WHERE program_id = \(programId)", logger).map {
            let member = try Self.member($0)
            return member.profile(segments: segments[member.id] ?? [], consents: consents[member.id] ?? [])
        }
    }

    public func campaignActivity(programId: String, campaign: Campaign) async throws -> CampaignActivity {
        try await snapshotRead { connection in
            let members = try await Self.audienceProfiles(connection, programId: programId, audience: campaign.audience, logger)
            let (start, end) = (campaign.start.millis, campaign.end.millis)
            // By member: events and awards are indexed by member and time, not by program.
            let purchases = try await connection.rows("""
                SELECT e.member_id, e.purchase_total FROM members m
                JOIN events e ON e.member_id = m.id AND e.occurred_at >= \(start) AND e.occurred_at < \(end)
                WHERE m.program_id = \(programId) AND e.type = 'purchase' AND e.status = 'processed'
                """, logger).map { row in
                CampaignReport.Purchase(memberId: try row.get("member_id"), total: Amount(try row.get("purchase_total", String?.self) ?? "0") ?? .zero)
            }
            let ruleIds = campaign.rules.map(\.id)
            let awards = ruleIds.isEmpty ? [] : try await connection.rows("""
                SELECT a.member_id, a.rule_id, a.points FROM members m
                JOIN rule_awards a ON a.member_id = m.id AND a.rule_id = ANY(\(ruleIds)) AND a.occurred_at >= \(start) AND a.occurred_at < \(end)
                WHERE m.program_id = \(programId)
                """, logger).map { row in
                CampaignReport.Award(memberId: try row.get("member_id"), ruleId: try row.get("rule_id"), points: Int(try row.get("points", Int64.self)))
            }
            let gifts = try await connection.rows("""
                SELECT member_id, points, reward_id, redemption_id, reward_status FROM campaign_gifts
                WHERE program_id = \(programId) AND campaign_id = \(campaign.id)
                """, logger).map { row in
                GiftGrant(memberId: try row.get("member_id"), points: Int(try row.get("points", Int64.self)),
                          reward: try row.get("reward_id", String?.self).map { rewardId in
                              RecordedOutcome.Gift(rewardId: rewardId, redemptionId: try row.get("redemption_id", String?.self),
                                                   status: try row.get("reward_status", String?.self) ?? "pending")
                          })
            }
            return CampaignActivity(members: members, purchases: purchases, awards: awards, gifts: gifts)
        }
    }
}
