import Foundation
import GRDB
import LaurelCore

/// `CampaignStore` on SQLite (writes are serialised, so a gift's claim row is decisive at once).
extension SQLiteStore {
    public func campaignRuns(programId: String) async throws -> [CampaignRunRecord] {
        try await read { db in
            try db.rows("SELECT campaign_id, started_at, ended_at FROM campaign_runs WHERE program_id = ?", [programId]) { row in
                CampaignRunRecord(campaignId: row["campaign_id"], startedAt: (row["started_at"] as Int64?).map(Date.init(millis:)),
                                  endedAt: (row["ended_at"] as Int64?).map(Date.init(millis:)))
            }
        }
    }

    public func markCampaign(programId: String, campaign: Campaign, transition: CampaignTransition, now: Date) async throws -> Bool {
        try await write { db in
            try db.run("INSERT INTO campaign_runs (program_id, campaign_id) VALUES (?, ?) ON CONFLICT DO NOTHING", [programId, campaign.id])
            var marked = false
            for step in transition == .ended ? [CampaignTransition.started, .ended] : [.started] {
                let column = step == .started ? "started_at" : "ended_at"
                try db.run("UPDATE campaign_runs SET \(column) = ? WHERE program_id = ? AND campaign_id = ? AND \(column) IS NULL",
                           [now.millis, programId, campaign.id])
                guard db.changesCount == 1 else { continue }
                let type = step == .started ? MessageType.campaignStarted : MessageType.campaignEnded
                try Self.emit(db, programId: programId, type: type, memberId: nil, payload: CampaignMessages.payload(campaign), now: now)
                marked = marked || step == transition
            }
            return marked
        }
    }

    public func membersAwaitingCampaignGift(programId: String, campaignId: String, limit: Int, startingAfter: String?) async throws -> [MemberRecord] {
        try await read { db in
            try db.rowsByPosition("""
                SELECT \(Self.memberColumns) FROM members
                WHERE members.program_id = ? AND members.id > ? AND members.status = 'active'
                  AND NOT EXISTS (SELECT 1 FROM campaign_gifts g WHERE g.program_id = members.program_id AND g.campaign_id = ? AND g.member_id = members.id)
                ORDER BY members.id LIMIT ?
                """, [.text(programId), .text(startingAfter ?? ""), .text(campaignId), .int(limit)], Self.member)
        }
    }

    public func giveCampaignGift(programId: String, campaign: Campaign, memberId: String, now: Date) async throws -> GiftGrant? {
        let cache = programs
        return try await write { db in
            try db.run("""
                INSERT INTO campaign_gifts (program_id, campaign_id, member_id, points, reward_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, [programId, campaign.id, memberId, campaign.pointsGift ?? 0, campaign.rewardGift, now.millis])
            guard db.changesCount == 1 else { return nil }
            let grant = try Self.give(db, cache: cache, programId: programId, memberId: memberId, points: campaign.pointsGift,
                                      reward: campaign.rewardGift, actor: "campaign:\(campaign.id)", reason: "gift of campaign \(campaign.name)",
                                      sourcePrefix: "cgf", now: now)
            try db.run("UPDATE campaign_gifts SET redemption_id = ?, reward_status = ? WHERE program_id = ? AND campaign_id = ? AND member_id = ?",
                       [grant.reward?.redemptionId, grant.reward?.status, programId, campaign.id, memberId])
            return grant
        }
    }

    public func membersWithBirthday(programId: String, monthDays: [String], grantedSince: Date, limit: Int,
                                    startingAfter: String?) async throws -> [MemberRecord] {
        try await read { db in
            try db.rowsByPosition("""
                SELECT \(Self.memberColumns) FROM members
                WHERE members.program_id = ? AND members.id > ? AND members.status = 'active'
                  AND substr(members.birthday, 6, 5) IN (SELECT value FROM json_each(?))
                  AND NOT EXISTS (SELECT 1 FROM birthday_grants g WHERE g.program_id = members.program_id AND g.member_id = members.id
                                  AND g.created_at >= ?)
                ORDER BY members.id LIMIT ?
                """, [.text(programId), .text(startingAfter ?? ""), .text(try JSONText.encode(monthDays)), .integer(grantedSince.millis), .int(limit)],
                Self.member)
        }
    }

    public func giveBirthdayGift(programId: String, gift: BirthdayGift, memberId: String, year: Int, now: Date) async throws -> GiftGrant? {
        let cache = programs
        return try await write { db in
            try db.run("""
                INSERT INTO birthday_grants (program_id, member_id, year, points, reward_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, [programId, memberId, year, gift.points ?? 0, gift.reward, now.millis])
            guard db.changesCount == 1 else { return nil }
            let grant = try Self.give(db, cache: cache, programId: programId, memberId: memberId, points: gift.points, reward: gift.reward,
                                      actor: "birthday", reason: "birthday \(year)", sourcePrefix: "bdy", now: now)
            try db.run("UPDATE birthday_grants SET redemption_id = ?, reward_status = ? WHERE program_id = ? AND member_id = ? AND year = ?",
                       [grant.reward?.redemptionId, grant.reward?.status, programId, memberId, year])
            try Self.emit(db, programId: programId, type: MessageType.birthday, memberId: memberId,
                          payloadJSON: CampaignMessages.birthdayPayload(grant, year: year), now: now)
            return grant
        }
    }

    /// Credits `points` (an `adjust` entry from the program's `adjusted` account, with `actor` and
    /// `reason`) and issues `reward`, in the caller's transaction.
    private static func give(_ db: Database, cache: ProgramCache, programId: String, memberId: String, points: Int?, reward: String?,
                             actor: String, reason: String, sourcePrefix: String, now: Date) throws -> GiftGrant {
        guard let member = try fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
        let (version, processor) = try currentVersion(db, cache: cache, programId: programId)
        let sourceId = Identifiers.make(sourcePrefix, now: now)
        var credited = 0
        if let points, points > 0 {
            var ledger = try loadLedger(db, member: member)
            ledger.settle(now: now, sourceId: sourceId)
            try ledger.adjust(points, program: processor.program, sourceId: sourceId, now: now)
            try saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, actor: actor, reason: reason)
            credited = points
        }
        let issued = try reward.map {
            try issueGift(db, programId: programId, memberId: memberId, rewardId: $0, program: processor.program, sourceEventId: nil, now: now)
        }
        return GiftGrant(memberId: memberId, points: credited, reward: issued)
    }

    /// Every member of the program as a campaign's member-level conditions see them: with their
    /// segments and granted consents when the audience names some (two grouped reads, not one per member).
    static func audienceProfiles(_ db: Database, programId: String, audience: CampaignAudience) throws -> [MemberProfile] {
        var segments: [String: [String]] = [:], consents: [String: Set<String>] = [:]
        if !audience.segments.isEmpty {
            for row in try Row.fetchAll(db, sql: "SELECT member_id, segment_id FROM segment_memberships WHERE program_id = ? ORDER BY segment_id",
                                        arguments: [programId]) {
                segments[row[0], default: []].append(row[1])
            }
        }
        if !audience.consents.isEmpty {
            for row in try Row.fetchAll(db, sql: """
                SELECT c.member_id, c.name FROM member_consents c
                WHERE c.program_id = ? AND \(Consents.grantedNow)
                """, arguments: [programId]) {
                consents[row[0], default: []].insert(row[1])
            }
        }
        return try db.rowsByPosition("SELECT \(Self.memberColumns) FROM members WHERE members.program_id = ?", [.text(programId)], Self.member).map {
            $0.profile(segments: segments[$0.id] ?? [], consents: consents[$0.id] ?? [])
        }
    }

    public func campaignActivity(programId: String, campaign: Campaign) async throws -> CampaignActivity {
        try await read { db in
            let members = try Self.audienceProfiles(db, programId: programId, audience: campaign.audience)
            let window: StatementArguments = [programId, campaign.start.millis, campaign.end.millis]
            // By member: events and awards are indexed by member and time, not by program.
            let purchases = try db.rows("""
                SELECT e.member_id, e.purchase_total FROM members m
                JOIN events e ON e.member_id = m.id AND e.occurred_at >= ?2 AND e.occurred_at < ?3
                WHERE m.program_id = ?1 AND e.type = 'purchase' AND e.status = 'processed'
                """, window) { row in
                CampaignReport.Purchase(memberId: row[0], total: Amount(row[1] as String? ?? "0") ?? .zero)
            }
            var awards: [CampaignReport.Award] = []
            for rule in campaign.rules {
                awards += try db.rows("""
                    SELECT a.member_id, a.points FROM members m
                    JOIN rule_awards a ON a.member_id = m.id AND a.rule_id = ?4 AND a.occurred_at >= ?2 AND a.occurred_at < ?3
                    WHERE m.program_id = ?1
                    """, [programId, campaign.start.millis, campaign.end.millis, rule.id]) { CampaignReport.Award(memberId: $0[0], ruleId: rule.id, points: $0[1]) }
            }
            let gifts = try db.rows("""
                SELECT member_id, points, reward_id, redemption_id, reward_status FROM campaign_gifts WHERE program_id = ? AND campaign_id = ?
                """, [programId, campaign.id]) { row in
                GiftGrant(memberId: row[0], points: row[1], reward: (row[2] as String?).map {
                    RecordedOutcome.Gift(rewardId: $0, redemptionId: row[3], status: (row[4] as String?) ?? "pending")
                })
            }
            return CampaignActivity(members: members, purchases: purchases, awards: awards, gifts: gifts)
        }
    }
}

/// The payloads of the campaign and birthday messages, the same on both backends.
enum CampaignMessages {
    static func payload(_ campaign: Campaign) -> [String: JSONValue] {
        ["campaign_id": .string(campaign.id), "name": .string(campaign.name), "start": .string(Timestamps.format(campaign.start)),
         "end": .string(Timestamps.format(campaign.end))]
    }

    static func birthdayPayload(_ grant: GiftGrant, year: Int) throws -> String {
        var payload: [String: JSONValue] = ["member_id": .string(grant.memberId), "year": .number(String(year)), "points": .number(String(grant.points))]
        if let reward = grant.reward {
            var gift: [String: JSONValue] = ["reward_id": .string(reward.rewardId), "status": .string(reward.status)]
            if let redemption = reward.redemptionId { gift["redemption_id"] = .string(redemption) }
            payload["reward"] = .object(gift)
        }
        return try JSONText.encode(payload)
    }
}
