import LaurelCore

extension TierChange {
    /// The payload of the `tier.changed` outbox message for this change, as both stores write it:
    /// the bytes `JSONText.encode` gives for the same object (keys in sorted order), written
    /// directly because Foundation's encoder was ~5 % of the writer's time in an import whose
    /// members climb tiers.
    func outboxJSON(memberId: String, sourceId: String) -> String {
        var json = JSONTextWriter(capacity: 128)
        func member(_ name: String, _ value: String?) {
            json.key(name)
            if let value { json.string(value) } else { json.raw("null") }
        }
        json.beginObject()
        member("from", from)
        member("member_id", memberId)
        member("reason", reason.rawValue)
        member("source_id", sourceId)
        member("to", to)
        json.endObject()
        return json.text
    }
}
