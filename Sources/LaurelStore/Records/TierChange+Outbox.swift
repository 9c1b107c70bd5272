import LaurelCore

extension TierChange {
    /// The payload of the `tier.changed` outbox message for this change, as both stores write it.
    func outboxPayload(memberId: String, sourceId: String) -> [String: JSONValue] {
        ["member_id": .string(memberId), "from": from.map(JSONValue.string) ?? .null, "to": to.map(JSONValue.string) ?? .null,
         "reason": .string(reason.rawValue), "source_id": .string(sourceId)]
    }
}
