import Foundation
import LaurelCore
import LaurelStore

/// `POST /v1/members`.
struct CreateMemberBody: Decodable {
    var externalId: String
    var email: String?
    var name: String?
    var birthday: String?
    var attributes: [String: JSONValue]?
    var status: MemberStatus?
    /// A referrer's code: links the new member to them (`unknown_referral_code` when no member has it).
    var referralCode: String?

    enum CodingKeys: String, CodingKey { case externalId = "external_id", email, name, birthday, attributes, status, referralCode = "referral_code" }

    func validate() throws {
        try MemberFields.checkExternalId(externalId)
        if let email { try MemberFields.checkEmail(email) }
        if let birthday { try MemberFields.checkBirthday(birthday) }
        try MemberFields.checkAttributes(attributes)
        try MemberFields.checkStatus(status)
        if let referralCode, referralCode.isEmpty || referralCode.count > 32 {
            throw Problem.invalid("referral_code", "referral_code must be 1 to 32 characters (a member's code, such as 7KX2M9QD)")
        }
    }
}

/// `PATCH /v1/members/{id}`: only the fields present change; `null` clears a field.
struct UpdateMemberBody: Decodable {
    var email: String??
    var name: String??
    var birthday: String??
    var attributes: [String: JSONValue]?
    var status: MemberStatus?

    enum CodingKeys: String, CodingKey { case email, name, birthday, attributes, status, externalId = "external_id" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.externalId) {
            throw Problem.invalid("external_id", "external_id cannot be changed")
        }
        func optional(_ key: CodingKeys) throws -> String?? {
            guard container.contains(key) else { return nil }
            if try container.decodeNil(forKey: key) { return .some(nil) }
            return .some(try container.decode(String.self, forKey: key))
        }
        email = try optional(.email)
        name = try optional(.name)
        birthday = try optional(.birthday)
        attributes = try container.decodeIfPresent([String: JSONValue].self, forKey: .attributes)
        status = try container.decodeIfPresent(MemberStatus.self, forKey: .status)
    }

    var patch: MemberPatch { MemberPatch(email: email, name: name, birthday: birthday, attributes: attributes, status: status) }

    func validate() throws {
        if case .some(.some(let email)) = email { try MemberFields.checkEmail(email) }
        if case .some(.some(let birthday)) = birthday { try MemberFields.checkBirthday(birthday) }
        try MemberFields.checkAttributes(attributes)
        try MemberFields.checkStatus(status)
    }
}

/// Checks of member fields shared by create and update.
enum MemberFields {
    /// Lengths are counted in Unicode code points, as JSON Schema's `maxLength` counts them.
    static func checkExternalId(_ id: String) throws {
        guard !id.isEmpty, id.unicodeScalars.count <= 128 else { throw Problem.invalid("external_id", "external_id must be 1 to 128 characters") }
        guard !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Problem.invalid("external_id", "external_id must not contain control characters (U+0000–U+001F, U+007F–U+009F)")
        }
    }

    /// One `@` after a non-empty local part, a dot after it, no space: the OpenAPI pattern `^[^@ ]+@[^@ ]*\.[^@ ]*$`.
    static func checkEmail(_ email: String) throws {
        // Code points, not characters: a combining mark after `@` or `.` must not hide it.
        let scalars = email.unicodeScalars
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard scalars.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !scalars.contains(" ") else {
            throw Problem.invalid("email", "email must be an address such as ana@example.com")
        }
    }

    static func checkBirthday(_ birthday: String) throws {
        guard Timestamps.parseDay(birthday, in: TimeZone(identifier: "UTC")!) != nil else {
            throw Problem.invalid("birthday", "birthday must be a date such as 1990-04-27")
        }
    }

    /// `erased` is set only by `POST /v1/members/{id}/erase`.
    static func checkStatus(_ status: MemberStatus?) throws {
        guard status != .erased else {
            throw Problem.invalid("status", "status must be active or blocked; POST /v1/members/{id}/erase erases a member")
        }
    }

    static func checkAttributes(_ attributes: [String: JSONValue]?) throws {
        guard let attributes else { return }
        guard attributes.count <= 100 else { throw Problem.invalid("attributes", "at most 100 attributes") }
        for key in attributes.keys where key.isEmpty || key.unicodeScalars.count > 64 || key.unicodeScalars.contains(".") {
            throw Problem.invalid("attributes.\(key)", "attribute names must be 1 to 64 characters without dots")
        }
    }
}

/// A member as the API shows it.
struct MemberView: Encodable {
    struct Points: Encodable {
        var available: Int
        var pending: Int
        var debt: Int
        var lifetimeEarned: Int
        var pendingRelease: [DatedPoints]?
        var expiringSoon: [DatedPoints]?
        enum CodingKeys: String, CodingKey {
            case available, pending, debt, lifetimeEarned = "lifetime_earned", pendingRelease = "pending_release", expiringSoon = "expiring_soon"
        }
    }

    struct DatedPoints: Encodable {
        var date: String
        var points: Int
    }

    var id: String
    var object = "member"
    var externalId: String
    var email: String?
    var name: String?
    var birthday: String?
    var attributes: [String: JSONValue]
    var status: MemberStatus
    var points: Points
    /// The member's tier id (every view); the full standing comes with a single member.
    var tierId: String?
    var tier: TierView?
    /// The tier's member discount, for the checkout to apply.
    var discountPercent: String?
    var clubs: [ClubMembershipView]?
    /// The segments the member is in now (a single member, in a program with segments).
    var segments: [String]?
    var createdAt: String
    var updatedAt: String
    /// The member's referral code and link (a single member, in a program with referrals).
    var referral: MemberReferralView?
    /// Progress on each punch card (a single member, in a program with punch cards).
    var punchCards: [PunchCardView]?

    enum CodingKeys: String, CodingKey {
        case id, object, externalId = "external_id", email, name, birthday, attributes, status, points, tierId = "tier_id", tier
        case discountPercent = "discount_percent", clubs, segments, createdAt = "created_at", updatedAt = "updated_at"
        case referral, punchCards = "punch_cards"
    }

    init(_ member: MemberRecord, summary: PointsSummary? = nil) {
        id = member.id
        externalId = member.externalId
        email = member.email
        name = member.name
        birthday = member.birthday
        attributes = member.attributes
        status = member.status
        createdAt = Timestamps.format(member.createdAt)
        updatedAt = Timestamps.format(member.updatedAt)
        tierId = member.tier.tierId
        if let summary {
            tier = summary.tier.map(TierView.init)
            discountPercent = summary.tier?.tier?.benefits.discountPercent?.description
            clubs = summary.clubs.map(ClubMembershipView.init)
            points = Points(available: summary.available, pending: summary.pending, debt: summary.debt, lifetimeEarned: summary.lifetimeEarned,
                            pendingRelease: summary.pendingLots.map { DatedPoints(date: Timestamps.format($0.date), points: $0.points) },
                            expiringSoon: summary.expiring.map { DatedPoints(date: Timestamps.format($0.date), points: $0.points) })
        } else {
            points = Points(available: member.available, pending: member.pending, debt: member.debt, lifetimeEarned: member.lifetimeEarned)
        }
    }
}

/// `{ "data": [...], "has_more": …, "next_cursor": … }`.
struct ListView<Item: Encodable>: Encodable {
    var object = "list"
    var data: [Item]
    var hasMore: Bool
    var nextCursor: String?
    enum CodingKeys: String, CodingKey { case object, data, hasMore = "has_more", nextCursor = "next_cursor" }
}
