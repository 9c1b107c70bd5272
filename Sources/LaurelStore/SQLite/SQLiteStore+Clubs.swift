import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    /// Clubs the member belongs to now.
    static func activeClubs(_ db: Database, memberId: String) throws -> [String] {
        try db.rows("SELECT club_id FROM club_memberships WHERE member_id = ? AND status = 'active' ORDER BY club_id", [memberId]) { $0["club_id"] }
    }

    static func memberships(_ db: Database, memberId: String) throws -> [ClubMembershipRecord] {
        try db.rows("SELECT * FROM club_memberships WHERE member_id = ? AND status = 'active' ORDER BY club_id", [memberId], membership)
    }

    static func membership(_ row: Row) -> ClubMembershipRecord {
        ClubMembershipRecord(programId: row["program_id"], clubId: row["club_id"], memberId: row["member_id"],
                             via: ClubMembershipRecord.Via(rawValue: row["via"]) ?? .invitation, invitedBy: row["invited_by"],
                             status: ClubMembershipRecord.Status(rawValue: row["status"]) ?? .ended, joinedAt: Date(millis: row["joined_at"]),
                             expiresAt: (row["expires_at"] as Int64?).map(Date.init(millis:)), endedAt: (row["ended_at"] as Int64?).map(Date.init(millis:)))
    }

    /// Adds a member to a club, or extends a paid membership whose club renews by purchase; checks the cap.
    @discardableResult
    static func joinClubRow(_ db: Database, programId: String, club: ClubDefinition, memberId: String, via: ClubMembershipRecord.Via,
                            invitedBy: String?, now: Date, calendar: Calendar = Calendar(identifier: .gregorian)) throws -> ClubMembershipRecord {
        let existing = try db.row("SELECT * FROM club_memberships WHERE program_id = ? AND club_id = ? AND member_id = ?",
                                  [programId, club.id, memberId]).map(membership)
        if let existing, existing.status == .active {
            guard via == .points, club.renewal == .purchase, let end = existing.expiresAt, let newEnd = club.endDate(from: end, calendar: calendar) else {
                throw LoyaltyError.alreadyInClub(club.id)
            }
            try db.run("UPDATE club_memberships SET expires_at = ?, notify_at = ? WHERE program_id = ? AND club_id = ? AND member_id = ?",
                       [newEnd.millis, notifyAt(club, newEnd), programId, club.id, memberId])
            try emit(db, programId: programId, type: "club.membership_renewed", memberId: memberId,
                     payload: ["club_id": .string(club.id), "member_id": .string(memberId), "expires_at": .string(Timestamps.format(newEnd))], now: now)
            var renewed = existing
            renewed.expiresAt = newEnd
            return renewed
        }
        if let cap = club.memberCap {
            let count = try db.row("SELECT COUNT(*) AS n FROM club_memberships WHERE program_id = ? AND club_id = ? AND status = 'active'",
                                   [programId, club.id])?["n"] as Int? ?? 0
            if count >= cap { throw LoyaltyError.clubFull(club.id) }
        }
        let expiresAt = club.endDate(from: now, calendar: calendar)
        try db.run("""
            INSERT INTO club_memberships (program_id, club_id, member_id, via, invited_by, status, joined_at, expires_at, ended_at, notify_at)
            VALUES (?, ?, ?, ?, ?, 'active', ?, ?, NULL, ?)
            ON CONFLICT (program_id, club_id, member_id) DO UPDATE SET via = excluded.via, invited_by = excluded.invited_by, status = 'active',
                joined_at = excluded.joined_at, expires_at = excluded.expires_at, ended_at = NULL, notify_at = excluded.notify_at
            """, [programId, club.id, memberId, via.rawValue, invitedBy, now.millis, expiresAt?.millis, expiresAt.flatMap { notifyAt(club, $0) }])
        var payload: [String: JSONValue] = ["club_id": .string(club.id), "member_id": .string(memberId), "via": .string(via.rawValue)]
        if let expiresAt { payload["expires_at"] = .string(Timestamps.format(expiresAt)) }
        try emit(db, programId: programId, type: "club.joined", memberId: memberId, payload: payload, now: now)
        return ClubMembershipRecord(programId: programId, clubId: club.id, memberId: memberId, via: via, invitedBy: invitedBy, status: .active,
                                    joinedAt: now, expiresAt: expiresAt, endedAt: nil)
    }

    static func notifyAt(_ club: ClubDefinition, _ end: Date) -> Int64 {
        end.addingTimeInterval(-Double(club.notifyDaysBefore) * 86_400).millis
    }

    public func joinClub(programId: String, clubId: String, memberId: String, via: ClubMembershipRecord.Via, invitedBy: String?, now: Date,
                         idempotency: Idempotency<ClubMembershipRecord>?) async throws -> Idempotent<ClubMembershipRecord> {
        let cache = programs
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            guard let club = processor.program.club(clubId) else { throw StoreError.notFound("club \(clubId)") }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            guard member.status == .active else { throw StoreError.memberBlocked(memberId) }
            if !club.segments.isEmpty, via == .invitation || via == .points {
                let segments = try Self.materialisedSegments(db, memberId: memberId)
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
                    guard try Self.activeClubs(db, memberId: inviter).contains(clubId) else {
                        throw LoyaltyError.clubJoinNotAllowed(clubId, "the inviting member \(inviter) does not belong to it")
                    }
                }
                let record = try Self.joinClubRow(db, programId: programId, club: club, memberId: memberId, via: .invitation, invitedBy: invitedBy,
                                                  now: now, calendar: calendar)
                return try Self.remember(db, programId: programId, idempotency, record, now: now)
            case .points:
                guard let cost = club.pointsCost else { throw LoyaltyError.clubJoinNotAllowed(clubId, "it cannot be bought with points") }
                let record = try Self.joinClubRow(db, programId: programId, club: club, memberId: memberId, via: .points, invitedBy: nil,
                                                  now: now, calendar: calendar)
                var ledger = try Self.loadLedger(db, member: member)
                ledger.settle(now: now)
                try ledger.spend(cost, sourceId: "club_\(clubId)_\(now.millis)")
                try Self.saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now)
                return try Self.remember(db, programId: programId, idempotency, record, now: now)
            case .tier, .gift:
                throw LoyaltyError.clubJoinNotAllowed(clubId, "tier and gift memberships come with reaching the tier or with the gift")
            }
        }
    }

    public func leaveClub(programId: String, clubId: String, memberId: String, now: Date,
                          idempotency: Idempotency<ClubMembershipRecord>?) async throws -> Idempotent<ClubMembershipRecord> {
        try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard var record = try db.row("SELECT * FROM club_memberships WHERE program_id = ? AND club_id = ? AND member_id = ? AND status = 'active'",
                                          [programId, clubId, memberId]).map(Self.membership) else {
                throw StoreError.notFound("membership of \(memberId) in club \(clubId)")
            }
            try Self.endMembership(db, record, reason: "left", now: now)
            record.status = .ended
            record.endedAt = now
            return try Self.remember(db, programId: programId, idempotency, record, now: now)
        }
    }

    static func endMembership(_ db: Database, _ record: ClubMembershipRecord, reason: String, now: Date) throws {
        try db.run("""
            UPDATE club_memberships SET status = 'ended', ended_at = ?, notify_at = NULL WHERE program_id = ? AND club_id = ? AND member_id = ?
            """, [now.millis, record.programId, record.clubId, record.memberId])
        try emit(db, programId: record.programId, type: "club.membership_ended", memberId: record.memberId,
                 payload: ["club_id": .string(record.clubId), "member_id": .string(record.memberId), "reason": .string(reason)], now: now)
    }

    public func clubMembers(programId: String, clubId: String, limit: Int, startingAfter: String?) async throws -> Page<ClubMembershipRecord> {
        try await read { db in
            let rows = try db.rows("""
                SELECT * FROM club_memberships WHERE program_id = ? AND club_id = ? AND status = 'active' AND member_id > ? ORDER BY member_id LIMIT ?
                """, [programId, clubId, startingAfter ?? "", limit + 1])
            return Page(items: rows.prefix(limit).map(Self.membership), hasMore: rows.count > limit)
        }
    }

    public func runClubMemberships(now: Date, batchSize: Int) async throws -> Int {
        let cache = programs
        return try await write { db in
            var handled = 0
            for row in try db.rows("SELECT * FROM club_memberships WHERE notify_at <= ? AND status = 'active' LIMIT ?", [now.millis, batchSize]) {
                let record = Self.membership(row)
                try db.run("UPDATE club_memberships SET notify_at = NULL WHERE program_id = ? AND club_id = ? AND member_id = ?",
                           [record.programId, record.clubId, record.memberId])
                guard let end = record.expiresAt, end > now else { continue }
                try Self.emit(db, programId: record.programId, type: "club.membership_expiring", memberId: record.memberId,
                              payload: ["club_id": .string(record.clubId), "member_id": .string(record.memberId),
                                        "expires_at": .string(Timestamps.format(end))], now: now)
                handled += 1
            }
            for row in try db.rows("SELECT * FROM club_memberships WHERE expires_at <= ? AND status = 'active' LIMIT ?", [now.millis, batchSize]) {
                let record = Self.membership(row)
                handled += 1
                let (_, processor) = try Self.currentVersion(db, cache: cache, programId: record.programId)
                if let club = processor.program.club(record.clubId), club.renewal == .whileInTier, let end = record.expiresAt,
                   let tier = try Self.fetchMember(db, programId: record.programId, id: record.memberId)?.tier.tierId, club.tiers.contains(tier),
                   let newEnd = club.renewedEnd(after: end, now: now, calendar: processor.program.calendar) {
                    try db.run("UPDATE club_memberships SET expires_at = ?, notify_at = ? WHERE program_id = ? AND club_id = ? AND member_id = ?",
                               [newEnd.millis, Self.notifyAt(club, newEnd), record.programId, record.clubId, record.memberId])
                    try Self.emit(db, programId: record.programId, type: "club.membership_renewed", memberId: record.memberId,
                                  payload: ["club_id": .string(record.clubId), "member_id": .string(record.memberId),
                                            "expires_at": .string(Timestamps.format(newEnd))], now: now)
                } else {
                    try Self.endMembership(db, record, reason: "expired", now: now)
                }
            }
            return handled
        }
    }
}
