import LaurelCore

extension RecordedOutcome {
    /// The outcome as JSON text, the bytes `JSONEncoder` (sorted keys) gives, written directly:
    /// every event stores it and answers with it.
    public var jsonText: String {
        var json = JSONTextWriter(capacity: 256 + rules.count * 160)
        write(to: &json)
        return json.text
    }

    /// Writes the outcome as one JSON value, keys in sorted order.
    public func write(to json: inout JSONTextWriter) {
        json.beginObject()
        json.field("available_at", availableAt)
        json.key("balance_after")
        json.beginObject()
        json.field("available", balanceAfter.available)
        json.field("pending", balanceAfter.pending)
        json.endObject()
        json.field("expires_at", expiresAt)
        if let gifts {
            json.key("gifts")
            json.beginArray()
            for gift in gifts {
                json.element()
                json.beginObject()
                json.field("redemption_id", gift.redemptionId)
                json.field("reward_id", gift.rewardId)
                json.field("status", gift.status)
                json.endObject()
            }
            json.endArray()
        }
        json.field("pending", pending)
        json.field("points_earned", pointsEarned)
        json.field("reason", reason)
        if let reversal {
            json.key("reversal")
            json.beginObject()
            json.field("forgiven", reversal.forgiven)
            json.field("into_debt", reversal.intoDebt)
            json.field("reversed", reversal.reversed)
            json.endObject()
        }
        json.key("rules")
        json.beginArray()
        for rule in rules {
            json.element()
            json.beginObject()
            json.field("explanation", rule.explanation)
            json.field("gift", rule.gift)
            json.field("matched", rule.matched)
            json.field("points", rule.points)
            json.field("rule_id", rule.ruleId)
            json.field("rule_name", rule.ruleName)
            json.endObject()
        }
        json.endArray()
        json.field("status", status.rawValue)
        json.field("tier", tier)
        if let tierChange {
            json.key("tier_change")
            json.beginObject()
            json.field("from", tierChange.from)
            json.field("reason", tierChange.reason.rawValue)
            json.field("to", tierChange.to)
            json.endObject()
        }
        json.endObject()
    }
}
