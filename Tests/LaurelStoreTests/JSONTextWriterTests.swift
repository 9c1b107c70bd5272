import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// `JSONTextWriter` must give exactly the bytes `JSONEncoder` (sorted keys, slashes unescaped) gives:
/// stored outcomes and idempotent replays are compared byte for byte.
struct JSONTextWriterTests {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    @Test func stringsEscapeAsTheEncoderDoes() throws {
        let samples = (0..<128).map { String(UnicodeScalar(UInt8($0))) } + ["", "a/b", "×2.00 on", "café", "😀 emoji", "\u{2028}\u{2029}", "\u{7F}", "quote \" back \\ slash"]
        for sample in samples {
            var json = JSONTextWriter()
            json.string(sample)
            #expect(json.text == String(decoding: try Self.encoder().encode([sample]), as: UTF8.self).dropFirst().dropLast().description,
                    "scalar \(sample.unicodeScalars.map(\.value))")
        }
    }

    @Test func integersPrintAsTheEncoderPrintsThem() throws {
        var random = SplitMix64(seed: 7)
        let samples = [0, 1, -1, 9, 10, -10, 99, 100, 1_000_000, -999_999, Int.max, Int.min, Int.max - 1, Int.min + 1]
            + (0..<500).map { _ in Int(truncatingIfNeeded: random.next()) >> Int(random.next() % 64) }
        for sample in samples {
            var json = JSONTextWriter()
            json.beginArray()
            json.element()
            json.int(sample)
            json.endArray()
            #expect(json.text == String(decoding: try Self.encoder().encode([sample]), as: UTF8.self))
        }
    }

    /// Seeded random outcomes (every optional present or absent, awkward strings), decoded from JSON
    /// and written both ways.
    @Test(arguments: 1...200)
    func outcomesWriteAsTheEncoderWrites(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        func text() -> String { random.text(from: SplitMix64.awkwardText + ["rule-1", "0.5"]) }
        func maybe(_ value: Any) -> Any? { random.next() % 2 == 0 ? value : nil }
        func int() -> Int { Int(truncatingIfNeeded: random.next() % 2_000_001) - 1_000_000 }
        var tree: [String: Any] = [
            "status": random.next() % 2 == 0 ? "processed" : "rejected",
            "points_earned": int(),
            "pending": random.next() % 2 == 0,
            "balance_after": ["available": int(), "pending": int()],
            "rules": (0..<Int(random.next() % 25)).map { _ -> [String: Any] in
                var rule: [String: Any] = ["rule_id": text(), "rule_name": text(), "matched": random.next() % 2 == 0, "points": int(),
                                           "explanation": text()]
                rule["gift"] = maybe(text())
                return rule
            },
        ]
        tree["reason"] = maybe(text())
        tree["available_at"] = maybe("2026-03-02T10:00:00.000Z")
        tree["expires_at"] = maybe("2027-03-02T10:00:00.000Z")
        tree["reversal"] = maybe(["reversed": int(), "into_debt": int(), "forgiven": int()])
        tree["tier"] = maybe(text())
        tree["tier_change"] = maybe(["from": maybe(text()) as Any, "to": maybe(text()) as Any, "reason": "qualified"].compactMapValues { $0 })
        tree["gifts"] = maybe((0..<Int(random.next() % 3)).map { _ in
            ["reward_id": text(), "redemption_id": maybe(text()) as Any, "status": "issued"].compactMapValues { $0 }
        })
        let outcome = try JSONDecoder().decode(RecordedOutcome.self, from: try JSONSerialization.data(withJSONObject: tree))
        #expect(outcome.jsonText == String(decoding: try Self.encoder().encode(outcome), as: UTF8.self))
    }
}
