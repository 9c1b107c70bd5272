import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// Clubs the member belongs to now.
    static func activeClubs(_ connection: PostgresConnection, memberId: String, _ logger: Logger) async throws -> [String] {
        try await connection.rows("""
            SELECT club_id FROM club_memberships WHERE member_id = \(memberId) AND status = 'active' ORDER BY club_id
            """, logger).map { try $0.get("club_id", String.self) }
    }

    static func memberships(_ connection: PostgresConnection, memberId: String, _ logger: Logger) async throws -> [ClubMembershipRecord] {
        try await connection.rows("""
            SELECT * FROM club_memberships WHERE member_id = \(memberId) AND status = 'active' ORDER BY club_id
            """, logger).map(membership)
    }

    static func membership(_ row: PostgresRandomAccessRow) throws -> ClubMembershipRecord {
        ClubMembershipRecord(programId: try row.get("program_id"), clubId: try row.get("club_id"), memberId: try row.get("member_id"),
                             via: ClubMembershipRecord.Via(rawValue: try row.get("via")) ?? .invitation, invitedBy: try row.get("invited_by", String?.self),
                             status: ClubMembershipRecord.Status(rawValue: try row.get("status")) ?? .ended, joinedAt: try row.date("joined_at"),
                             expiresAt: try row.optionalDate("expires_at"), endedAt: try row.optionalDate("ended_at"))
    }

    /// Adds a member to a club, or extends a paid membership whose club renews by purchase; checks the cap.
    /// The caller holds the member's row lock; the membership row is locked here, and the club's member count
    /// is taken under a per-club advisory lock, so two nodes can never both fill the last place.
    @discardableResult
    static func joinClubRow(_ connection: PostgresConnection, programId: String, club: ClubDefinition, memberId: String,
                            via: ClubMembershipRecord.Via, invitedBy: String?, now: Date, calendar: Calendar = Calendar(identifier: .gregorian),
                            _ logger: Logger) async throws -> ClubMembershipRecord {
        let existing = try await connection.row("""
            SELECT * FROM club_memberships WHERE program_id = \(programId) AND club_id = \(club.id) AND member_id = \(memberId) FOR UPDATE
            """, logger).map(membership)
        if let existing, existing.status == .active {
            guard via == .points, club.renewal == .purchase, let end = existing.expiresAt, let newEnd = club.endDate(from: end, calendar: calendar) else {
                throw LoyaltyError.alreadyInClub(club.id)
            }
            try await connection.query("""
                UPDATE club_memberships SET expires_at = \(newEnd.millis), notify_at = \(notifyAt(club, newEnd))
                WHERE program_id = \(programId) AND club_id = \(club.id) AND member_id = \(memberId)
                """, logger: logger)
            try await emit(connection, programId: programId, type: "club.membership_renewed", memberId: memberId,
                           payload: ["club_id": .string(club.id), "member_id": .string(memberId), "expires_at": .string(Timestamps.format(newEnd))],
                           now: now, logger)
            var renewed = existing
            renewed.expiresAt = newEnd
            return renewed
        }
        if let cap = club.memberCap {
            // Held until commit: the next node to count sees this membership.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(programId) || ':' || \(club.id)))", logger: logger)
            let count = try await connection.row("""
                SELECT COUNT(*) AS n FROM club_memberships WHERE program_id = \(programId) AND club_id = \(club.id) AND status = 'active'
                """, logger)?.get("n", Int.self) ?? 0
            if count >= cap { throw LoyaltyError.clubFull(club.id) }
        }
        let expiresAt = club.endDate(from: now, calendar: calendar)
        try await connection.query("""
            INSERT INTO club_memberships (program_id, club_id, member_id, via, invited_by, status, joined_at, expires_at, ended_at, notify_at)
            VALUES (\(programId), \(club.id), \(memberId), \(via.rawValue), \(invitedBy), 'active', \(now.millis), \(expiresAt?.millis), NULL,
                    \(expiresAt.map { notifyAt(club, $0) }))
            ON CONFLICT (program_id, club_id, member_id) DO UPDATE SET via = excluded.via, invited_by = excluded.invited_by, status = 'active',
                joined_at = excluded.joined_at, expires_at = excluded.expires_at, ended_at = NULL, notify_at = excluded.notify_at
            """, logger: logger)
        var payload: [String: JSONValue] = ["club_id": .string(club.id), "member_id": .string(memberId), "via": .string(via.rawValue)]
        if let expiresAt { payload["expires_at"] = .string(Timestamps.format(expiresAt)) }
        try await emit(connection, programId: programId, type: "club.joined", memberId: memberId, payload: payload, now: now, logger)
        return ClubMembershipRecord(programId: programId, clubId: club.id, memberId: memberId, via: via, invitedBy: invitedBy, status: .active,
                                    joinedAt: now, expiresAt: expiresAt, endedAt: nil)
    }

    static func notifyAt(_ club: ClubDefinition, _ end: Date) -> Int64 {
        end.addingTimeInterval(-Double(club.notifyDaysBefore) * 86_400).millis
    }

    public func joinClub(programId: String, clubId: String, memberId: String, via: ClubMembershipRecord.Via, invitedBy: String?, now: Date,
                         idempotency: Idempotency<ClubMembershipRecord>?) async throws -> Idempotent<ClubMembershipRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            let (version, processor) = try await currentVersion(connection, programId: programId)
            guard let club = processor.program.club(clubId) else { throw StoreError.notFound("club \(clubId)") }
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            guard member.status == .active else { throw StoreError.memberBlocked(memberId) }
            if !club.segments.isEmpty, via == .invitation || via == .points {
                let segments = try await Self.materialisedSegments(connection, memberId: memberId, logger)
                guard club.segments.contains(where: segments.contains) else {
                    throw LoyaltyError.clubJoinNotAllowed(clubId, "it is for members of segment \(club.segments.joined(separator: " or "))")
                }
            }
            let calendar = processor.program.calendar
            switch via {
            case .invitation:
                guard club.invitations != .none else { throw LoyaltyError.clubJoinNotAllowed(clubId, "it does not take invitations") }
                if let inviter = invitedBy, inviter.hasPrefix("mem_") {
                    guard club.invitations == .members else { throw LoyaltyError.clubJoinNotAllowed(clubId, "only staff invite members") }
                    guard try await Self.activeClubs(connection, memberId: inviter, logger).contains(clubId) else {
                        throw LoyaltyError.clubJoinNotAllowed(clubId, "the inviting member \(inviter) does not belong to it")
                    }
                }
                let record = try await Self.joinClubRow(connection, programId: programId, club: club, memberId: memberId, via: .invitation,
                                                        invitedBy: invitedBy, now: now, calendar: calendar, logger)
                return try await Self.remember(connection, programId: programId, idempotency, record, logger)
            case .points:
                guard let cost = club.pointsCost else { throw LoyaltyError.clubJoinNotAllowed(clubId, "it cannot be bought with points") }
                let record = try await Self.joinClubRow(connection, programId: programId, club: club, memberId: memberId, via: .points, invitedBy: nil,
                                                        now: now, calendar: calendar, logger)
                var ledger = try await Self.loadLedger(connection, member: member, logger)
                ledger.settle(now: now)
                try ledger.spend(cost, sourceId: "club_\(clubId)_\(now.millis)")
                try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, logger)
                return try await Self.remember(connection, programId: programId, idempotency, record, logger)
            case .tier, .gift:
                throw LoyaltyError.clubJoinNotAllowed(clubId, "tier and gift memberships come with reaching the tier or with the gift")
            }
        }
    }

    public func leaveClub(programId: String, clubId: String, memberId: String, now: Date,
                          idempotency: Idempotency<ClubMembershipRecord>?) async throws -> Idempotent<ClubMembershipRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            // Locked, so a concurrent leave (or the membership job ending it) waits and then finds it no longer active.
            guard var record = try await connection.row("""
                SELECT * FROM club_memberships
                WHERE program_id = \(programId) AND club_id = \(clubId) AND member_id = \(memberId) AND status = 'active' FOR UPDATE
                """, logger).map(Self.membership) else {
                throw StoreError.notFound("membership of \(memberId) in club \(clubId)")
            }
            try await Self.endMembership(connection, record, reason: "left", now: now, logger)
            record.status = .ended
            record.endedAt = now
            return try await Self.remember(connection, programId: programId, idempotency, record, logger)
        }
    }

    /// Ends an active membership whose row the caller has locked.
    static func endMembership(_ connection: PostgresConnection, _ record: ClubMembershipRecord, reason: String, now: Date, _ logger: Logger) async throws {
        try await connection.query("""
            UPDATE club_memberships SET status = 'ended', ended_at = \(now.millis), notify_at = NULL
            WHERE program_id = \(record.programId) AND club_id = \(record.clubId) AND member_id = \(record.memberId)
            """, logger: logger)
        try await emit(connection, programId: record.programId, type: "club.membership_ended", memberId: record.memberId,
                       payload: ["club_id": .string(record.clubId), "member_id": .string(record.memberId), "reason": .string(reason)], now: now, logger)
    }

    public func clubMembers(programId: String, clubId: String, limit: Int, startingAfter: String?) async throws -> Page<ClubMembershipRecord> {
        try await read { connection in
            let rows = try await connection.rows("""
                SELECT * FROM club_memberships WHERE program_id = \(programId) AND club_id = \(clubId) AND status = 'active'
                AND member_id > \(startingAfter ?? "") ORDER BY member_id LIMIT \(limit + 1)
                """, logger)
            return Page(items: try rows.prefix(limit).map(Self.membership), hasMore: rows.count > limit)
        }
    }

    /// Each membership is handled in its own transaction under its row lock (`FOR UPDATE SKIP LOCKED`, with the
    /// due condition checked again), so nodes running the job at once never warn about, renew or end one twice.
    public func runClubMemberships(now: Date, batchSize: Int) async throws -> Int {
        var handled = 0
        for key in try await dueMemberships(notifying: true, now: now, batchSize: batchSize) {
            let emitted = try await transaction { connection -> Bool in
                guard let record = try await connection.row("""
                    SELECT * FROM club_memberships
                    WHERE program_id = \(key.programId) AND club_id = \(key.clubId) AND member_id = \(key.memberId)
                      AND notify_at <= \(now.millis) AND status = 'active'
                    FOR UPDATE SKIP LOCKED
                    """, logger).map(Self.membership) else { return false }
                try await connection.query("""
                    UPDATE club_memberships SET notify_at = NULL WHERE program_id = \(key.programId) AND club_id = \(key.clubId) AND member_id = \(key.memberId)
                    """, logger: logger)
                guard let end = record.expiresAt, end > now else { return false }
                try await Self.emit(connection, programId: record.programId, type: "club.membership_expiring", memberId: record.memberId,
                                    payload: ["club_id": .string(record.clubId), "member_id": .string(record.memberId),
                                              "expires_at": .string(Timestamps.format(end))], now: now, logger)
                return true
            }
            if emitted { handled += 1 }
        }
        for key in try await dueMemberships(notifying: false, now: now, batchSize: batchSize) {
            let done = try await transaction { connection -> Bool in
                guard let record = try await connection.row("""
                    SELECT * FROM club_memberships
                    WHERE program_id = \(key.programId) AND club_id = \(key.clubId) AND member_id = \(key.memberId)
                      AND expires_at <= \(now.millis) AND status = 'active'
                    FOR UPDATE SKIP LOCKED
                    """, logger).map(Self.membership) else { return false }
                let (_, processor) = try await currentVersion(connection, programId: record.programId)
                if let club = processor.program.club(record.clubId), club.renewal == .whileInTier, let end = record.expiresAt,
                   let tier = try await Self.fetchMember(connection, programId: record.programId, id: record.memberId, logger)?.tier.tierId,
                   club.tiers.contains(tier), let newEnd = club.renewedEnd(after: end, now: now, calendar: processor.program.calendar) {
                    try await connection.query("""
                        UPDATE club_memberships SET expires_at = \(newEnd.millis), notify_at = \(Self.notifyAt(club, newEnd))
                        WHERE program_id = \(record.programId) AND club_id = \(record.clubId) AND member_id = \(record.memberId)
                        """, logger: logger)
                    try await Self.emit(connection, programId: record.programId, type: "club.membership_renewed", memberId: record.memberId,
                                        payload: ["club_id": .string(record.clubId), "member_id": .string(record.memberId),
                                                  "expires_at": .string(Timestamps.format(newEnd))], now: now, logger)
                } else {
                    try await Self.endMembership(connection, record, reason: "expired", now: now, logger)
                }
                return true
            }
            if done { handled += 1 }
        }
        return handled
    }

    private struct MembershipKey: Sendable { var programId: String, clubId: String, memberId: String }

    /// Active memberships whose warning (`notifying`) or end is due at `now`, at most `batchSize`.
    private func dueMemberships(notifying: Bool, now: Date, batchSize: Int) async throws -> [MembershipKey] {
        try await read { connection in
            let rows = if notifying {
                try await connection.rows("""
                    SELECT program_id, club_id, member_id FROM club_memberships WHERE notify_at <= \(now.millis) AND status = 'active' LIMIT \(batchSize)
                    """, logger)
            } else {
                try await connection.rows("""
                    SELECT program_id, club_id, member_id FROM club_memberships WHERE expires_at <= \(now.millis) AND status = 'active' LIMIT \(batchSize)
                    """, logger)
            }
            return try rows.map { MembershipKey(programId: try $0.get("program_id"), clubId: try $0.get("club_id"), memberId: try $0.get("member_id")) }
        }
    }
}
