import Foundation
import LaurelCore
import LaurelStore

/// A catalogue reward as the API shows it: its definition plus the stock left.
struct RewardView: Encodable {
    var object = "reward"
    var definition: JSONValue
    var stockLeft: Int?
    var createdAt: String
    var updatedAt: String

    init(_ record: RewardRecord) {
        definition = record.reward.canonicalTree
        stockLeft = record.stockLeft
        createdAt = Timestamps.format(record.createdAt)
        updatedAt = Timestamps.format(record.updatedAt)
    }

    func encode(to encoder: any Encoder) throws {
        // The definition's fields sit at the top level, next to the stock and dates.
        var fields = definition.objectValue ?? [:]
        fields["object"] = .string(object)
        fields["stock_left"] = stockLeft.map { .number(String($0)) } ?? .null
        fields["created_at"] = .string(createdAt)
        fields["updated_at"] = .string(updatedAt)
        try JSONValue.object(fields).encode(to: encoder)
    }
}

/// One entry of a member's catalogue: the reward, whether the member can redeem it now, and why not.
struct CatalogueEntryView: Encodable {
    struct Reason: Encodable {
        var code: String
        var message: String
        var missingPoints: Int?
        var availableFrom: String?
        enum CodingKeys: String, CodingKey { case code, message, missingPoints = "missing_points", availableFrom = "available_from" }
    }
    var reward: RewardView
    var redeemable: Bool
    /// Shown but not claimable yet ("coming soon"), with the moment it opens for this member.
    var comingSoon: Bool
    var reasons: [Reason]
    enum CodingKeys: String, CodingKey { case reward, redeemable, comingSoon = "coming_soon", reasons }

    init(record: RewardRecord, refusals: [RedemptionRefusal]) {
        reward = RewardView(record)
        redeemable = refusals.isEmpty
        comingSoon = refusals.contains { if case .notYetAvailable = $0 { true } else { false } }
        reasons = refusals.map { refusal in
            var reason = Reason(code: refusal.code, message: refusal.description, missingPoints: refusal.missingPoints)
            if case .notYetAvailable(let opensAt) = refusal { reason.availableFrom = Timestamps.format(opensAt) }
            return reason
        }
    }
}

/// `POST /v1/rewards/{id}/codes` as JSON.
struct RewardCodesBody: Decodable {
    var codes: [String]
}

struct RewardCodesView: Encodable {
    var object = "reward_codes"
    var rewardId: String
    var received: Int
    var added: Int
    var stockLeft: Int?
    enum CodingKeys: String, CodingKey { case object, rewardId = "reward_id", received, added, stockLeft = "stock_left" }
}

extension RewardCodesView {
    init(_ result: RewardCodesAdded) {
        self.init(rewardId: result.rewardId, received: result.received, added: result.added, stockLeft: result.stockLeft)
    }
}

/// `POST /v1/redemptions`.
struct RedemptionBody: Decodable {
    var memberId: String
    var rewardId: String
    /// Points to spend, for points-to-money rewards only.
    var points: Int?
    /// Units to redeem at once (1–100, default 1): all or none.
    var quantity: Int?
    enum CodingKeys: String, CodingKey { case memberId = "member_id", rewardId = "reward_id", points, quantity }
}

struct RedemptionView: Encodable {
    var id: String
    var object = "redemption"
    var memberId: String
    var rewardId: String
    var points: Int
    var status: RedemptionStatus
    var quantity: Int
    var code: String?
    var codes: [String]?
    var value: String?
    var sourceEventId: String?
    var createdAt: String
    var updatedAt: String
    var expiresAt: String?
    var activeFrom: String?
    var fulfilledAt: String?
    var cancelledAt: String?

    enum CodingKeys: String, CodingKey {
        case id, object, memberId = "member_id", rewardId = "reward_id", points, status, quantity, code, codes, value, sourceEventId = "source_event_id"
        case createdAt = "created_at", updatedAt = "updated_at", expiresAt = "expires_at", activeFrom = "active_from", fulfilledAt = "fulfilled_at", cancelledAt = "cancelled_at"
    }

    init(_ record: RedemptionRecord) {
        id = record.id
        memberId = record.memberId
        rewardId = record.rewardId
        points = record.points
        status = record.status
        quantity = record.quantity
        code = record.code
        codes = record.codes.count > 1 ? record.codes : nil
        value = record.value?.description
        sourceEventId = record.sourceEventId
        createdAt = Timestamps.format(record.createdAt)
        updatedAt = Timestamps.format(record.updatedAt)
        expiresAt = record.expiresAt.map(Timestamps.format)
        activeFrom = record.activeFrom.map(Timestamps.format)
        fulfilledAt = record.fulfilledAt.map(Timestamps.format)
        cancelledAt = record.cancelledAt.map(Timestamps.format)
    }
}
