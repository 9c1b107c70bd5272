import LaurelCore

extension TierChange {
    /// The payload of the `tier.changed` outbox message for this change, as both stores write it:
    /// the bytes `JSONText.encode` gives for the same object (keys in sorted order), written
    /// directly because Foundation's encoder took ~5 % of the samples of an import batch whose
    /// members climb tiers.
    func outboxJSON(memberId: String, sourceId: String) -> String {
        var json = JSONTextWriter(capacity: 128)
        json.object { json in
            json.fieldOrNull("from", from)
            json.field("member_id", memberId)
            json.field("reason", reason.rawValue)
            json.field("source_id", sourceId)
            json.fieldOrNull("to", to)
        }
        return json.text
    }
}
