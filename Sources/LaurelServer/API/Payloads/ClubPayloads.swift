import Foundation
import LaurelCore
import LaurelStore

/// A club of the program as the API shows it.
struct ClubView: Encodable {
    var id: String
    var object = "club"
    var name: String
    var description: String?
    var invitations: String
    var tiers: [String]
    var points: Int?
    var durationMonths: Int?
    var renewal: String
    var memberCap: Int?

    enum CodingKeys: String, CodingKey {
        case id, object, name, description, invitations, tiers, points, durationMonths = "duration_months", renewal, memberCap = "member_cap"
    }

    init(_ club: ClubDefinition) {
        id = club.id
        name = club.name
        description = club.description
        invitations = club.invitations.rawValue
        tiers = club.tiers
        points = club.pointsCost
        durationMonths = club.durationMonths
        renewal = club.renewal.rawValue
        memberCap = club.memberCap
    }
}

struct ClubMembershipView: Encodable {
    var object = "club_membership"
    var clubId: String
    var memberId: String
    var via: ClubMembershipRecord.Via
    var invitedBy: String?
    var status: ClubMembershipRecord.Status
    var joinedAt: String
    var expiresAt: String?
    var endedAt: String?

    enum CodingKeys: String, CodingKey {
        case object, clubId = "club_id", memberId = "member_id", via, invitedBy = "invited_by", status, joinedAt = "joined_at"
        case expiresAt = "expires_at", endedAt = "ended_at"
    }

    init(_ record: ClubMembershipRecord) {
        clubId = record.clubId
        memberId = record.memberId
        via = record.via
        invitedBy = record.invitedBy
        status = record.status
        joinedAt = Timestamps.format(record.joinedAt)
        expiresAt = record.expiresAt.map(Timestamps.format)
        endedAt = record.endedAt.map(Timestamps.format)
    }
}

/// `POST /v1/clubs/{id}/members`: an invitation, by staff or (where the club allows) by a member of it.
struct ClubInvitationBody: Decodable {
    var memberId: String
    /// The inviting member's id; absent when staff invite.
    var invitedBy: String?
    enum CodingKeys: String, CodingKey { case memberId = "member_id", invitedBy = "invited_by" }
}

/// `POST /v1/clubs/{id}/join`: joining by paying the club's points.
struct ClubJoinBody: Decodable {
    var memberId: String
    enum CodingKeys: String, CodingKey { case memberId = "member_id" }
}

/// An outbox message as `GET /v1/messages` lists it.
struct MessageView: Encodable {
    var id: String
    var object = "message"
    var sequence: Int64
    var type: String
    var memberId: String?
    var data: JSONValue
    var createdAt: String
    enum CodingKeys: String, CodingKey { case id, object, sequence, type, memberId = "member_id", data, createdAt = "created_at" }

    init(_ message: OutboxMessage) throws {
        id = message.id
        sequence = message.sequence
        type = message.type
        memberId = message.memberId
        data = try JSONDecoder().decode(JSONValue.self, from: Data(message.payload.utf8))
        createdAt = Timestamps.format(message.createdAt)
    }
}
