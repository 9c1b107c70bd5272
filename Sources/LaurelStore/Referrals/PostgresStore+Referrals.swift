import Foundation
import LaurelCore
import Logging
import PostgresNIO

/// `ReferralStore` on PostgreSQL, and the referral steps of member creation and of the event write.
/// A gift to the referrer locks their member row after the friend's, which the event already holds.
/// Referral chains alone cannot make a cycle (a referrer enrolled before their friend), but a
/// transfer between the two locks them in id order, which may be the other way round: PostgreSQL
/// then aborts one transaction with a deadlock (40P01), and `transaction` runs it again.
extension PostgresStore {
    public func referralCode(programId: String, memberId: String) async throws -> String {
        let stored = try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            return try await Self.storedReferralCode(connection, memberId: memberId, logger)
        }
        if let stored { return stored }
        return try await transaction { connection in try await Self.assignReferralCode(connection, programId: programId, memberId: memberId, logger) }
    }

    public func referrals(programId: String, referrerId: String, now: Date) async throws -> Page<ReferralRecord> {
        try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: referrerId, logger) != nil else {
                throw StoreError.notFound("member \(referrerId)")
            }
            var friends = try await connection.rows("""
                SELECT r.*, m.name FROM referrals r JOIN members m ON m.id = r.friend_id
                WHERE r.referrer_id = \(referrerId) AND r.program_id = \(programId) ORDER BY r.enrolled_at DESC, r.friend_id
                LIMIT \(ReferralRecord.listLimit + 1)
                """, logger)
            let hasMore = friends.count > ReferralRecord.listLimit
            friends = Array(friends.prefix(ReferralRecord.listLimit))
            let friendIds = try friends.map { try $0.get("friend_id", String.self) }
            let grants = Dictionary(grouping: try await connection.rows("""
                SELECT * FROM referral_grants WHERE friend_id = ANY(\(friendIds)) ORDER BY created_at, id
                """, logger).map(Self.referralGrant), by: { $0.friendId })
            return Page(items: try friends.map { row in
                let friendId = try row.get("friend_id", String.self)
                let given = grants[friendId]?.map(\.record) ?? []
                let firstPurchaseAt = try row.get("first_purchase_at", Int64?.self).map(Date.init(millis:))
                let refused = try row.get("status", String.self) == "refused"
                return ReferralRecord(friendId: friendId, friendName: try row.get("name"), code: try row.get("code"),
                                      status: ReferralRecord.status(refused: refused, firstPurchaseAt: firstPurchaseAt, grants: given, now: now),
                                      refusal: try row.get("refusal"), refusalDetail: try row.get("refusal_detail"),
                                      enrolledAt: Date(millis: try row.get("enrolled_at")), firstPurchaseAt: firstPurchaseAt, grants: given)
            }, hasMore: hasMore)
        }
    }

    private static func referralGrant(_ row: PostgresRandomAccessRow) throws -> (friendId: String, record: ReferralGrantRecord) {
        (try row.get("friend_id"),
         ReferralGrantRecord(id: try row.get("id"), rewardId: try row.get("reward_id"), trigger: try row.get("trigger_name"),
                             side: ReferralSide(rawValue: try row.get("side")) ?? .friend, memberId: try row.get("member_id"),
                             eventId: try row.get("event_id"), points: try row.get("points", Int.self), reward: try row.get("reward"),
                             redemptionId: try row.get("redemption_id"), rewardStatus: try row.get("reward_status"),
                             availableAt: Date(millis: try row.get("available_at")),
                             status: ReferralGrantRecord.Status(rawValue: try row.get("status")) ?? .given, createdAt: Date(millis: try row.get("created_at"))))
    }

    static func storedReferralCode(_ connection: PostgresConnection, memberId: String, _ logger: Logger) async throws -> String? {
        try await connection.row("SELECT code FROM referral_codes WHERE member_id = \(memberId)", logger).map { try $0.get("code", String.self) }
    }

    /// The member's code, made now if they have none: the first free candidate.
    static func assignReferralCode(_ connection: PostgresConnection, programId: String, memberId: String, _ logger: Logger) async throws -> String {
        if let code = try await storedReferralCode(connection, memberId: memberId, logger) { return code }
        for attempt in 0..<ReferralCodes.attempts {
            let code = ReferralCode.candidate(programId: programId, memberId: memberId, attempt: attempt)
            let inserted = try await connection.rows("""
                INSERT INTO referral_codes (member_id, program_id, code) VALUES (\(memberId), \(programId), \(code))
                ON CONFLICT DO NOTHING RETURNING code
                """, logger)
            if !inserted.isEmpty { return code }
            // Another transaction may have given this member a code meanwhile.
            if let code = try await storedReferralCode(connection, memberId: memberId, logger) { return code }
        }
        throw ReferralCodes.exhausted(memberId)
    }

    /// A new member's part of referrals, in `createMember`'s transaction (see the SQLite twin).
    func enrolReferral(_ connection: PostgresConnection, member: MemberRecord, code text: String?) async throws {
        guard let text else { return }
        let (version, processor) = try await currentVersion(connection, programId: member.programId)
        let program = processor.program
        guard let policy = program.referrals, let code = ReferralCode.normalised(text),
              let referrerId = try await connection.row("""
                SELECT member_id FROM referral_codes WHERE program_id = \(member.programId) AND code = \(code)
                """, logger).map({ try $0.get("member_id", String.self) }),
              let referrer = try await Self.fetchMember(connection, programId: member.programId, id: referrerId, lock: true, logger) else {
            throw StoreError.unknownReferralCode(text)
        }
        var accepted = 0
        if let cap = policy.cap {
            let from = cap.start(at: member.createdAt, calendar: program.calendar)?.millis ?? Int64.min
            accepted = try await connection.row("""
                SELECT COUNT(*)::BIGINT AS n FROM referrals WHERE referrer_id = \(referrerId) AND status = 'accepted' AND enrolled_at >= \(from)
                """, logger).map { try $0.get("n", Int.self) } ?? 0
        }
        let verdict = ReferralScreen.judge(policy, referrer: referrer.referralParty, friend: member.referralParty, acceptedInPeriod: accepted)
        try await connection.query("""
            INSERT INTO referrals (friend_id, program_id, referrer_id, code, status, refusal, refusal_detail, enrolled_at)
            VALUES (\(member.id), \(member.programId), \(referrerId), \(code), \(verdict == nil ? "accepted" : "refused"), \(verdict?.refusal.rawValue),
                    \(verdict?.detail), \(member.createdAt.millis))
            """, logger: logger)
        guard verdict == nil else { return }
        for grant in policy.grantsOnEnrolment(at: member.createdAt) {
            _ = try await giveReferralGrant(connection, program: program, version: version.version, programId: member.programId, friendId: member.id,
                                            referrerId: referrerId, grant: grant, eventId: nil, now: member.createdAt)
        }
    }

    /// A friend's purchase: the gifts it earns either side, and `referral.converted` on their first purchase.
    func referralOnPurchase(_ connection: PostgresConnection, program: ProgramDefinition, version: Int, programId: String, memberId: String,
                            event: LoyaltyEvent, now: Date) async throws {
        guard let policy = program.referrals, let purchase = event.purchase,
              let row = try await connection.row("""
                SELECT referrer_id, enrolled_at, first_purchase_at FROM referrals WHERE friend_id = \(memberId) AND status = 'accepted' FOR UPDATE
                """, logger) else { return }
        let referrerId = try row.get("referrer_id", String.self)
        let first = try row.get("first_purchase_at", Int64?.self)
        var timesGiven: [String: Int] = [:]
        for given in try await connection.rows("""
            SELECT reward_id, COUNT(DISTINCT COALESCE(event_id, id))::BIGINT AS n FROM referral_grants
            WHERE friend_id = \(memberId) AND status = 'given' GROUP BY reward_id
            """, logger) {
            let rewardId = try given.get("reward_id", String.self)
            timesGiven[rewardId] = try given.get("n", Int.self)
        }
        var given: [ReferralGrantRecord] = []
        for grant in policy.grantsOnPurchase(total: purchase.total, at: event.occurredAt, enrolledAt: Date(millis: try row.get("enrolled_at")),
                                             timesGiven: timesGiven, programPendingDays: program.pendingDays) {
            given.append(try await giveReferralGrant(connection, program: program, version: version, programId: programId, friendId: memberId,
                                                     referrerId: referrerId, grant: grant, eventId: event.id, now: now))
        }
        guard first == nil else { return }
        try await connection.query("UPDATE referrals SET first_purchase_at = \(event.occurredAt.millis) WHERE friend_id = \(memberId)", logger: logger)
        try await Self.emit(connection, programId: programId, memberId: referrerId,
                            [OutboxMessages.referralConverted(referrerId: referrerId, friendId: memberId, eventId: event.id, grants: given, now: now)],
                            now: now, logger)
    }

    /// A friend's return: the gifts its purchase gave that are still in their return window are
    /// taken back (points still pending, rewards still unused).
    func referralOnReturn(_ connection: PostgresConnection, program: ProgramDefinition, version: Int, programId: String, memberId: String,
                          purchaseId: String, returnId: String, now: Date) async throws {
        guard program.referrals != nil else { return }
        let rows = try await connection.rows("""
            SELECT * FROM referral_grants WHERE event_id = \(purchaseId) AND friend_id = \(memberId) AND status = 'given' ORDER BY id FOR UPDATE
            """, logger)
        for row in rows {
            let grant = try Self.referralGrant(row).record
            guard grant.availableAt > now else { continue }
            try await Self.takeBackCredit(connection, program: program, version: version, programId: programId, memberId: grant.memberId,
                                          points: grant.points, creditId: grant.id, returnId: returnId, actor: "referral",
                                          reason: "referral \(grant.rewardId) cancelled: friend \(memberId) returned purchase \(purchaseId)", now: now, logger)
            var rewardStatus = grant.rewardStatus
            if let redemption = try await Self.issuedGift(connection, redemptionId: grant.redemptionId, now: now, logger) {
                try await Self.cancelReturnedGift(connection, redemption, program: program, version: version, now: now, logger)
                rewardStatus = "cancelled"
            }
            try await connection.query("""
                UPDATE referral_grants SET status = 'cancelled', reward_status = \(rewardStatus) WHERE id = \(grant.id)
                """, logger: logger)
        }
    }

    /// Gives one side its gift (see the SQLite twin); the receiving member's row is locked before anything is written for them.
    private func giveReferralGrant(_ connection: PostgresConnection, program: ProgramDefinition, version: Int, programId: String, friendId: String,
                                   referrerId: String, grant: ReferralGrant, eventId: String?, now: Date) async throws -> ReferralGrantRecord {
        let memberId = grant.side == .referrer ? referrerId : friendId
        let id = Identifiers.make("rfg", now: now)
        // Locks the member when there are points to credit.
        let points = try await Self.creditPoints(connection, program: program, version: version, programId: programId, memberId: memberId,
                                                 points: grant.points, sourceId: id, availableAt: grant.availableAt, actor: "referral",
                                                 reason: ReferralCodes.reason(grant, friendId: friendId, eventId: eventId), now: now, logger)
        var gift: RecordedOutcome.Gift?
        if let rewardId = grant.reward {
            // Issuing a reward writes to the member's redemptions: under their lock too.
            if grant.points == 0 { _ = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) }
            gift = try await Self.issueGift(connection, programId: programId, memberId: memberId, rewardId: rewardId, program: program,
                                            sourceEventId: nil, now: now, logger)
        }
        let record = ReferralGrantRecord(id: id, rewardId: grant.rewardId, trigger: grant.trigger, side: grant.side, memberId: memberId, eventId: eventId,
                                         points: points, reward: grant.reward, redemptionId: gift?.redemptionId, rewardStatus: gift?.status,
                                         availableAt: max(grant.availableAt, now), status: .given, createdAt: now)
        try await connection.query("""
            INSERT INTO referral_grants (id, program_id, friend_id, reward_id, trigger_name, side, member_id, event_id, points, reward, redemption_id,
                                         reward_status, available_at, status, created_at)
            VALUES (\(id), \(programId), \(friendId), \(record.rewardId), \(record.trigger), \(record.side.rawValue), \(memberId), \(eventId), \(points),
                    \(record.reward), \(record.redemptionId), \(record.rewardStatus), \(record.availableAt.millis), 'given', \(now.millis))
            """, logger: logger)
        return record
    }
}
