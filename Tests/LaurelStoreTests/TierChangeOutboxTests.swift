import Foundation
import LaurelCore
@testable import LaurelStore
import Testing

/// The `tier.changed` payload is written without Foundation's encoder; its bytes must be those the
/// encoder gives for the same object, as every other outbox payload is written.
struct TierChangeOutboxTests {
    @Test func payloadIsWhatTheEncoderWrites() throws {
        let tiers: [String?] = [nil, "gold", "Silver \"VIP\"", "a/b", "café ✓", "line\nbreak\u{1}"]
        for from in tiers {
            for to in tiers {
                for reason in TierChangeReason.allCases {
                    let change = TierChange(from: from, to: to, reason: reason, at: Date(millis: 1_700_000_000_000))
                    let object: [String: JSONValue] = ["member_id": .string("mem_1/x"), "from": from.map(JSONValue.string) ?? .null,
                                                       "to": to.map(JSONValue.string) ?? .null, "reason": .string(reason.rawValue),
                                                       "source_id": .string("evt_\u{2028}9")]
                    #expect(change.outboxJSON(memberId: "mem_1/x", sourceId: "evt_\u{2028}9") == (try JSONText.encode(object)))
                }
            }
        }
    }
}
