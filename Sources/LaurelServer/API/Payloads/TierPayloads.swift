import Foundation
import LaurelCore
import LaurelStore

/// A member's tier standing as `GET /v1/members/{id}` shows it: "how far to Gold".
struct TierView: Encodable {
    struct Basis: Encodable {
        var type: String
        var value: String
    }
    struct Benefits: Encodable {
        var earningMultiplier: String?
        var bonusPoints: Int
        var discountPercent: String?
        var perks: [String]
        enum CodingKeys: String, CodingKey {
            case earningMultiplier = "earning_multiplier", bonusPoints = "bonus_points", discountPercent = "discount_percent", perks
        }
    }
    struct Next: Encodable {
        var id: String
        var name: String
        var threshold: String
        var missing: String
    }
    struct Keep: Encodable {
        var missing: String
        var by: String?
    }
    struct Floor: Encodable {
        var tier: String
        var until: String?
    }

    var id: String?
    var name: String?
    var since: String?
    var basis: Basis
    var benefits: Benefits?
    var nextTier: Next?
    var keep: Keep?
    var floor: Floor?

    enum CodingKeys: String, CodingKey { case id, name, since, basis, benefits, nextTier = "next_tier", keep, floor }

    init(_ progress: TierProgress) {
        // Points and purchases are whole numbers; money keeps its cents.
        let text: (Amount) -> String = progress.basisName == .amountSpent ? { $0.description } : { String($0.units / Amount.scale) }
        id = progress.tier?.id
        name = progress.tier?.name
        since = progress.since.map(Timestamps.format)
        basis = Basis(type: progress.basisName.rawValue, value: text(progress.basis))
        benefits = progress.tier.map {
            Benefits(earningMultiplier: $0.benefits.earningMultiplier?.description, bonusPoints: $0.benefits.bonusPoints,
                     discountPercent: $0.benefits.discountPercent?.description, perks: $0.benefits.perks)
        }
        nextTier = progress.nextTier.map {
            Next(id: $0.id, name: $0.name, threshold: text($0.threshold), missing: text(progress.toNextTier ?? .zero))
        }
        keep = progress.toKeepTier.map { Keep(missing: text($0), by: progress.keepBy.map(Timestamps.format)) }
        floor = progress.floor.map { Floor(tier: $0.id, until: progress.floorUntil.map(Timestamps.format)) }
    }
}

/// `PUT /v1/members/{id}/tier`: a tier set by staff, held as a floor.
struct TierFloorBody: Decodable {
    var tier: String
    /// RFC 3339; absent = until removed.
    var until: String?
    var reason: String
}

struct TierChangeView: Encodable {
    var id: String
    var object = "tier_change"
    var memberId: String
    var from: String?
    var to: String?
    var reason: TierChangeReason
    var sourceId: String
    var actor: String?
    var note: String?
    var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, object, memberId = "member_id", from, to, reason, sourceId = "source_id", actor, note, createdAt = "created_at"
    }

    init(_ record: TierChangeRecord) {
        id = "tc_\(record.sequence)"
        memberId = record.memberId
        from = record.from
        to = record.to
        reason = record.reason
        sourceId = record.sourceId
        actor = record.actor
        note = record.note
        createdAt = Timestamps.format(record.createdAt)
    }
}
