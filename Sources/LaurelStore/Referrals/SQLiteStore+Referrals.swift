import Foundation
import GRDB
import LaurelCore

/// `ReferralStore` on SQLite, and the referral steps of member creation and of the event write.
extension SQLiteStore {
    public func referralCode(programId: String, memberId: String) async throws -> String {
        let stored = try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            return try Self.storedReferralCode(db, memberId: memberId)
        }
        if let stored { return stored }
        return try await write { db in try Self.assignReferralCode(db, programId: programId, memberId: memberId) }
    }

    public func referrals(programId: String, referrerId: String, now: Date) async throws -> Page<ReferralRecord> {
        try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: referrerId) != nil else { throw StoreError.notFound("member \(referrerId)") }
            var friends = try db.rows("""
                SELECT r.*, m.name FROM referrals r JOIN members m ON m.id = r.friend_id
                WHERE r.referrer_id = ? AND r.program_id = ? ORDER BY r.enrolled_at DESC, r.friend_id LIMIT ?
                """, [referrerId, programId, ReferralRecord.listLimit + 1])
            let hasMore = friends.count > ReferralRecord.listLimit
            friends = Array(friends.prefix(ReferralRecord.listLimit))
            let grants = Dictionary(grouping: try db.rows("""
                SELECT * FROM referral_grants WHERE friend_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id
                """, [try JSONText.encode(friends.map { $0["friend_id"] as String })], Self.referralGrant), by: { $0.friendId })
            return Page(items: friends.map { row in
                let friendId: String = row["friend_id"]
                let given = grants[friendId]?.map(\.record) ?? []
                let firstPurchaseAt = (row["first_purchase_at"] as Int64?).map(Date.init(millis:))
                let refused = (row["status"] as String) == "refused"
                return ReferralRecord(friendId: friendId, friendName: row["name"], code: row["code"],
                                      status: ReferralRecord.status(refused: refused, firstPurchaseAt: firstPurchaseAt, grants: given, now: now),
                                      refusal: row["refusal"], refusalDetail: row["refusal_detail"], enrolledAt: Date(millis: row["enrolled_at"]),
                                      firstPurchaseAt: firstPurchaseAt, grants: given)
            }, hasMore: hasMore)
        }
    }

    private static func referralGrant(_ row: Row) -> (friendId: String, record: ReferralGrantRecord) {
        (row["friend_id"], ReferralGrantRecord(id: row["id"], rewardId: row["reward_id"], trigger: row["trigger_name"],
                                               side: ReferralSide(rawValue: row["side"]) ?? .friend, memberId: row["member_id"],
                                               eventId: row["event_id"], points: row["points"], reward: row["reward"], redemptionId: row["redemption_id"],
                                               rewardStatus: row["reward_status"], availableAt: Date(millis: row["available_at"]),
                                               status: ReferralGrantRecord.Status(rawValue: row["status"]) ?? .given,
                                               createdAt: Date(millis: row["created_at"])))
    }

    static func storedReferralCode(_ db: Database, memberId: String) throws -> String? {
        try db.row("SELECT code FROM referral_codes WHERE member_id = ?", [memberId]) { $0["code"] as String }
    }

    /// The member's code, made now if they have none: the first free candidate.
    static func assignReferralCode(_ db: Database, programId: String, memberId: String) throws -> String {
        if let code = try storedReferralCode(db, memberId: memberId) { return code }
        for attempt in 0..<ReferralCodes.attempts {
            let code = ReferralCode.candidate(programId: programId, memberId: memberId, attempt: attempt)
            try db.run("INSERT INTO referral_codes (member_id, program_id, code) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [memberId, programId, code])
            if db.changesCount == 1 { return code }
        }
        throw ReferralCodes.exhausted(memberId)
    }

    /// A new member's part of referrals, in `createMember`'s transaction: when they enrolled with a
    /// code, the link to its owner (their own code is made when first asked for) with the screen's verdict and the enrolment's
    /// gifts. An unknown code throws before anything is kept.
    static func enrolReferral(_ db: Database, cache: ProgramCache, member: MemberRecord, code text: String?) throws {
        guard let text else { return }
        let (version, processor) = try currentVersion(db, cache: cache, programId: member.programId)
        let program = processor.program
        guard let policy = program.referrals, let code = ReferralCode.normalised(text),
              let referrerId = try db.row("SELECT member_id FROM referral_codes WHERE program_id = ? AND code = ?", [member.programId, code],
                                          { $0["member_id"] as String }),
              let referrer = try fetchMember(db, programId: member.programId, id: referrerId) else {
            throw StoreError.unknownReferralCode(text)
        }
        var accepted = 0
        if let cap = policy.cap {
            accepted = try db.row("""
                SELECT COUNT(*) FROM referrals WHERE referrer_id = ? AND status = 'accepted' AND enrolled_at >= ?
                """, [referrerId, cap.start(at: member.createdAt, calendar: program.calendar)?.millis ?? Int64.min]) { $0[0] as Int } ?? 0
        }
        let verdict = ReferralScreen.judge(policy, referrer: referrer.referralParty, friend: member.referralParty, acceptedInPeriod: accepted)
        try db.run("""
            INSERT INTO referrals (friend_id, program_id, referrer_id, code, status, refusal, refusal_detail, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [member.id, member.programId, referrerId, code, verdict == nil ? "accepted" : "refused", verdict?.refusal.rawValue, verdict?.detail,
                  member.createdAt.millis])
        guard verdict == nil else { return }
        for grant in policy.grantsOnEnrolment(at: member.createdAt) {
            _ = try giveReferralGrant(db, program: program, version: version.version, programId: member.programId, friendId: member.id,
                                      referrerId: referrerId, grant: grant, eventId: nil, now: member.createdAt)
        }
    }

    /// A friend's purchase: the gifts it earns either side, and `referral.converted` on their first purchase.
    static func referralOnPurchase(_ db: Database, program: ProgramDefinition, version: Int, programId: String, memberId: String, event: LoyaltyEvent,
                                   now: Date) throws {
        guard let policy = program.referrals, let purchase = event.purchase,
              let link = try db.row("""
                SELECT referrer_id, enrolled_at, first_purchase_at FROM referrals WHERE friend_id = ? AND status = 'accepted'
                """, [memberId], { (referrerId: $0["referrer_id"] as String, enrolledAt: $0["enrolled_at"] as Int64, first: $0["first_purchase_at"] as Int64?) })
        else { return }
        var timesGiven: [String: Int] = [:]
        for row in try db.rows("""
            SELECT reward_id, COUNT(DISTINCT COALESCE(event_id, id)) FROM referral_grants WHERE friend_id = ? AND status = 'given' GROUP BY reward_id
            """, [memberId]) {
            timesGiven[row[0] as String] = row[1] as Int
        }
        var given: [ReferralGrantRecord] = []
        for grant in policy.grantsOnPurchase(total: purchase.total, at: event.occurredAt, enrolledAt: Date(millis: link.enrolledAt), timesGiven: timesGiven,
                                             programPendingDays: program.pendingDays) {
            given.append(try giveReferralGrant(db, program: program, version: version, programId: programId, friendId: memberId,
                                               referrerId: link.referrerId, grant: grant, eventId: event.id, now: now))
        }
        guard link.first == nil else { return }
        try db.run("UPDATE referrals SET first_purchase_at = ? WHERE friend_id = ?", [event.occurredAt.millis, memberId])
        try emit(db, programId: programId, memberId: link.referrerId,
                 [OutboxMessages.referralConverted(referrerId: link.referrerId, friendId: memberId, eventId: event.id, grants: given, now: now)], now: now)
    }

    /// A friend's return: the gifts its purchase gave that are still in their return window are
    /// taken back (points still pending, rewards still unused).
    static func referralOnReturn(_ db: Database, program: ProgramDefinition, version: Int, programId: String, memberId: String, purchaseId: String,
                                 returnId: String, now: Date) throws {
        guard program.referrals != nil else { return }
        for row in try db.rows("SELECT * FROM referral_grants WHERE event_id = ? AND friend_id = ? AND status = 'given' ORDER BY id", [purchaseId, memberId]) {
            let grant = referralGrant(row).record
            guard grant.availableAt > now else { continue }
            try takeBackCredit(db, program: program, version: version, programId: programId, memberId: grant.memberId, points: grant.points,
                               creditId: grant.id, returnId: returnId, actor: "referral",
                               reason: "referral \(grant.rewardId) cancelled: friend \(memberId) returned purchase \(purchaseId)", now: now)
            var rewardStatus = grant.rewardStatus
            if let issued = try issuedGift(db, redemptionId: grant.redemptionId, now: now) {
                try cancelReturnedGift(db, issued, program: program, version: version, now: now)
                rewardStatus = "cancelled"
            }
            try db.run("UPDATE referral_grants SET status = 'cancelled', reward_status = ? WHERE id = ?", [rewardStatus, grant.id])
        }
    }

    /// Gives one side its gift: points into a lot pending until `grant.availableAt` (an `earn` entry
    /// whose reason names the referral), the reward as an issued redemption; records the grant.
    private static func giveReferralGrant(_ db: Database, program: ProgramDefinition, version: Int, programId: String, friendId: String,
                                          referrerId: String, grant: ReferralGrant, eventId: String?, now: Date) throws -> ReferralGrantRecord {
        let memberId = grant.side == .referrer ? referrerId : friendId
        let id = Identifiers.make("rfg", now: now)
        let points = try creditPoints(db, program: program, version: version, programId: programId, memberId: memberId, points: grant.points,
                                      sourceId: id, availableAt: grant.availableAt, actor: "referral",
                                      reason: ReferralCodes.reason(grant, friendId: friendId, eventId: eventId), now: now)
        let gift = try grant.reward.map {
            try issueGift(db, programId: programId, memberId: memberId, rewardId: $0, program: program, sourceEventId: nil, now: now)
        }
        let record = ReferralGrantRecord(id: id, rewardId: grant.rewardId, trigger: grant.trigger, side: grant.side, memberId: memberId, eventId: eventId,
                                         points: points, reward: grant.reward, redemptionId: gift?.redemptionId, rewardStatus: gift?.status,
                                         availableAt: max(grant.availableAt, now), status: .given, createdAt: now)
        try db.run("""
            INSERT INTO referral_grants (id, program_id, friend_id, reward_id, trigger_name, side, member_id, event_id, points, reward, redemption_id,
                                         reward_status, available_at, status, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'given', ?)
            """, [id, programId, friendId, record.rewardId, record.trigger, record.side.rawValue, memberId, eventId, points, record.reward,
                  record.redemptionId, record.rewardStatus, record.availableAt.millis, now.millis])
        return record
    }
}
