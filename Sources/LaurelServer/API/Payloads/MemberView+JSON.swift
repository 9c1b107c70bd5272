import Foundation
import LaurelStore

extension MemberView {
    /// The view as `APIJSON.encode` writes it, byte for byte, without Foundation's encoder: a
    /// balance read is the API's most frequent request, and the encoder was ~10 % of its CPU.
    /// Attributes, free-form JSON, still go through the encoder.
    func jsonData() throws -> Data {
        var json = JSONTextWriter(capacity: 768)
        try write(to: &json)
        return Data(json.bytes)
    }

    func write(to json: inout JSONTextWriter) throws {
        json.beginObject()
        json.key("attributes")
        json.raw(attributes.isEmpty ? "{}" : String(decoding: try APIJSON.encode(attributes), as: UTF8.self))
        json.field("birthday", birthday)
        if let clubs {
            json.key("clubs")
            json.beginArray()
            for club in clubs {
                json.element()
                club.write(to: &json)
            }
            json.endArray()
        }
        json.field("created_at", createdAt)
        json.field("discount_percent", discountPercent)
        json.field("email", email)
        json.field("external_id", externalId)
        json.field("id", id)
        json.field("name", name)
        json.field("object", object)
        json.key("points")
        points.write(to: &json)
        json.field("status", status.rawValue)
        if let tier {
            json.key("tier")
            tier.write(to: &json)
        }
        json.field("tier_id", tierId)
        json.field("updated_at", updatedAt)
        json.endObject()
    }
}

extension MemberView.Points {
    func write(to json: inout JSONTextWriter) {
        json.beginObject()
        json.field("available", available)
        json.field("debt", debt)
        Self.write(expiringSoon, as: "expiring_soon", to: &json)
        json.field("lifetime_earned", lifetimeEarned)
        json.field("pending", pending)
        Self.write(pendingRelease, as: "pending_release", to: &json)
        json.endObject()
    }

    private static func write(_ dated: [MemberView.DatedPoints]?, as name: String, to json: inout JSONTextWriter) {
        guard let dated else { return }
        json.key(name)
        json.beginArray()
        for entry in dated {
            json.element()
            json.beginObject()
            json.field("date", entry.date)
            json.field("points", entry.points)
            json.endObject()
        }
        json.endArray()
    }
}

extension TierView {
    func write(to json: inout JSONTextWriter) {
        json.beginObject()
        json.key("basis")
        json.beginObject()
        json.field("type", basis.type)
        json.field("value", basis.value)
        json.endObject()
        if let benefits {
            json.key("benefits")
            json.beginObject()
            json.field("bonus_points", benefits.bonusPoints)
            json.field("discount_percent", benefits.discountPercent)
            json.field("earning_multiplier", benefits.earningMultiplier)
            json.key("perks")
            json.beginArray()
            for perk in benefits.perks {
                json.element()
                json.string(perk)
            }
            json.endArray()
            json.endObject()
        }
        if let floor {
            json.key("floor")
            json.beginObject()
            json.field("tier", floor.tier)
            json.field("until", floor.until)
            json.endObject()
        }
        json.field("id", id)
        if let keep {
            json.key("keep")
            json.beginObject()
            json.field("by", keep.by)
            json.field("missing", keep.missing)
            json.endObject()
        }
        json.field("name", name)
        if let nextTier {
            json.key("next_tier")
            json.beginObject()
            json.field("id", nextTier.id)
            json.field("missing", nextTier.missing)
            json.field("name", nextTier.name)
            json.field("threshold", nextTier.threshold)
            json.endObject()
        }
        json.field("since", since)
        json.endObject()
    }
}

extension ClubMembershipView {
    func write(to json: inout JSONTextWriter) {
        json.beginObject()
        json.field("club_id", clubId)
        json.field("ended_at", endedAt)
        json.field("expires_at", expiresAt)
        json.field("invited_by", invitedBy)
        json.field("joined_at", joinedAt)
        json.field("member_id", memberId)
        json.field("object", object)
        json.field("status", status.rawValue)
        json.field("via", via.rawValue)
        json.endObject()
    }
}
