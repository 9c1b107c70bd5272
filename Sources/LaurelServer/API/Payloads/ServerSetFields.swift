import Foundation

/// A request body whose resource has fields Laurel sets itself (ids, balances, statuses, times,
/// outcomes…). A body that sends one is refused with 422 `read_only_field` naming it: the value is
/// never bound, and never silently dropped either, so a caller who thinks it sets a balance or a
/// status learns at once that it does not. Other unknown keys are still ignored (docs/api.md).
protocol ServerSetFields {
    /// The top-level keys refused in this body.
    static var serverSetFields: Set<String> { get }
}

enum ServerSetFieldCheck {
    /// Throws for the first (in sorted order) of `fields` the body's top-level object has.
    static func refuse(_ body: Data, _ fields: Set<String>) throws {
        // A body the decoder cannot read is left to the decode that follows, which words the error.
        guard let keys = try? JSONDecoder().decode(TopLevelKeys.self, from: body).names,
              let field = keys.filter(fields.contains).sorted().first else { return }
        throw problem(field)
    }

    static func problem(_ field: String) -> Problem {
        Problem(.unprocessableContent, "read_only_field", "\(field) is set by Laurel and cannot be sent", field: field)
    }

    /// The keys of a JSON object, read by the decoder that reads the body itself.
    private struct TopLevelKeys: Decodable {
        let names: [String]
        init(from decoder: any Decoder) throws {
            names = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension CreateMemberBody: ServerSetFields {
    static let serverSetFields: Set<String> = [
        "id", "object", "program_id", "points", "balance", "available", "pending", "debt", "lifetime_earned", "tier_id", "tier",
        "discount_percent", "clubs", "segments", "created_at", "updated_at", "referral", "punch_cards",
    ]
}

extension UpdateMemberBody: ServerSetFields {
    static var serverSetFields: Set<String> { CreateMemberBody.serverSetFields }
}

extension EventBody: ServerSetFields {
    static let serverSetFields: Set<String> = [
        "id", "object", "program_id", "status", "points", "balance", "program_version", "recorded_at", "outcome", "details", "created_at",
    ]
}

extension RedemptionBody: ServerSetFields {
    static let serverSetFields: Set<String> = [
        "id", "object", "program_id", "status", "code", "value", "source_event_id", "created_at", "updated_at", "expires_at",
        "active_from", "fulfilled_at", "cancelled_at", "codes",
    ]
}

extension CancelAdjustmentBody: ServerSetFields {
    static let serverSetFields: Set<String> = ["id", "object", "adjustment_id", "member_id", "points", "into_debt", "balance_after", "created_at"]
}

extension AdjustmentBody: ServerSetFields {
    static let serverSetFields: Set<String> = ["id", "object", "program_id", "member_id", "balance_after", "created_at"]
}

extension TransferBody: ServerSetFields {
    static let serverSetFields: Set<String> = ["id", "object", "program_id", "created_at"]
}

extension ClubInvitationBody: ServerSetFields {
    static let serverSetFields: Set<String> = ["object", "program_id", "club_id", "via", "status", "joined_at", "expires_at", "ended_at"]
}

extension ClubJoinBody: ServerSetFields {
    static var serverSetFields: Set<String> { ClubInvitationBody.serverSetFields.union(["invited_by"]) }
}

extension TierFloorBody: ServerSetFields {
    static let serverSetFields: Set<String> = ["member_id", "program_id", "actor", "from", "to", "created_at"]
}
