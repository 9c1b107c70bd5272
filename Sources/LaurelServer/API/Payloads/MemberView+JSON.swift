import Foundation
import LaurelStore

extension MemberView {
    /// The view as `APIJSON.encode` writes it, byte for byte, without Foundation's encoder: a
    /// balance read is the API's most frequent request, and the encoder was ~10 % of its CPU.
    /// Attributes, free-form JSON, still go through the encoder.
    func jsonData() throws -> Data {
        var json = JSONTextWriter(capacity: 768)
        let attributes = self.attributes.isEmpty ? "{}" : String(decoding: try APIJSON.encode(self.attributes), as: UTF8.self)
        json.object { json in
            json.key("attributes")
            json.raw(attributes)
            json.field("birthday", birthday)
            json.array("clubs", clubs) { json, club in club.write(to: &json) }
            json.field("created_at", createdAt)
            json.field("discount_percent", discountPercent)
            json.field("email", email)
            json.field("external_id", externalId)
            json.field("id", id)
            json.field("name", name)
            json.field("object", object)
            json.object("points") { points.write(to: &$0) }
            json.array("punch_cards", punchCards) { json, card in card.write(to: &json) }
            if let referral {
                json.object("referral") { json in
                    json.field("code", referral.code)
                    json.field("link", referral.link)
                }
            }
            json.field("segments", segments)
            json.field("status", status.rawValue)
            if let tier { json.object("tier") { tier.write(to: &$0) } }
            json.field("tier_id", tierId)
            json.field("updated_at", updatedAt)
        }
        return Data(json.bytes)
    }
}

extension MemberView.Points {
    /// The points' members (the caller opens and closes the object).
    func write(to json: inout JSONTextWriter) {
        let dated = { (json: inout JSONTextWriter, entry: MemberView.DatedPoints) in
            json.object { json in
                json.field("date", entry.date)
                json.field("points", entry.points)
            }
        }
        json.field("available", available)
        json.field("debt", debt)
        json.array("expiring_soon", expiringSoon, dated)
        json.field("lifetime_earned", lifetimeEarned)
        json.field("pending", pending)
        json.array("pending_release", pendingRelease, dated)
    }
}

extension TierView {
    /// The tier's members (the caller opens and closes the object).
    func write(to json: inout JSONTextWriter) {
        json.object("basis") { json in
            json.field("type", basis.type)
            json.field("value", basis.value)
        }
        if let benefits {
            json.object("benefits") { json in
                json.field("bonus_points", benefits.bonusPoints)
                json.field("discount_percent", benefits.discountPercent)
                json.field("earning_multiplier", benefits.earningMultiplier)
                json.field("perks", benefits.perks)
            }
        }
        if let floor {
            json.object("floor") { json in
                json.field("tier", floor.tier)
                json.field("until", floor.until)
            }
        }
        json.field("id", id)
        if let keep {
            json.object("keep") { json in
                json.field("by", keep.by)
                json.field("missing", keep.missing)
            }
        }
        json.field("name", name)
        if let nextTier {
            json.object("next_tier") { json in
                json.field("id", nextTier.id)
                json.field("missing", nextTier.missing)
                json.field("name", nextTier.name)
                json.field("threshold", nextTier.threshold)
            }
        }
        json.field("since", since)
    }
}

extension ClubMembershipView {
    /// The membership as one JSON object.
    func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("club_id", clubId)
            json.field("ended_at", endedAt)
            json.field("expires_at", expiresAt)
            json.field("invited_by", invitedBy)
            json.field("joined_at", joinedAt)
            json.field("member_id", memberId)
            json.field("object", object)
            json.field("status", status.rawValue)
            json.field("via", via.rawValue)
        }
    }
}
