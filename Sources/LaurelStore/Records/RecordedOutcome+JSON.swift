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
        json.object { json in
            json.field("available_at", availableAt)
            json.object("balance_after") { json in
                json.field("available", balanceAfter.available)
                json.field("pending", balanceAfter.pending)
            }
            json.field("expires_at", expiresAt)
            json.array("gifts", gifts) { json, gift in
                json.object { json in
                    json.field("redemption_id", gift.redemptionId)
                    json.field("reward_id", gift.rewardId)
                    json.field("status", gift.status)
                }
            }
            json.field("pending", pending)
            json.field("points_earned", pointsEarned)
            json.field("reason", reason)
            if let reversal {
                json.object("reversal") { json in
                    json.field("forgiven", reversal.forgiven)
                    json.field("into_debt", reversal.intoDebt)
                    json.field("reversed", reversal.reversed)
                }
            }
            json.field("review_id", reviewId)
            json.array("rules", rules) { json, rule in
                json.object { json in
                    json.field("campaign", rule.campaign)
                    json.field("explanation", rule.explanation)
                    json.field("gift", rule.gift)
                    json.field("matched", rule.matched)
                    json.field("points", rule.points)
                    json.field("rule_id", rule.ruleId)
                    json.field("rule_name", rule.ruleName)
                }
            }
            json.field("status", status.rawValue)
            json.field("tier", tier)
            if let tierChange {
                json.object("tier_change") { json in
                    json.field("from", tierChange.from)
                    json.field("reason", tierChange.reason.rawValue)
                    json.field("to", tierChange.to)
                }
            }
        }
    }
}
