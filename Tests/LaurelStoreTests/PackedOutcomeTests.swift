import Foundation
import GRDB
import LaurelCore
@testable import LaurelStore
import LaurelTestSupport
import PostgresNIO
import Testing

/// Events keep their outcome deflated (`PackedOutcome`): the same JSON text comes back, rows from
/// before packing still read, damaged values are refused rather than read wrong.
struct PackedOutcomeTests {
    /// Packed with format 1 when it was introduced: if the dictionary changes, stored outcomes
    /// stop reading and this fails.
    @Test func anOutcomeStoredInFormat1StillReads() throws {
        let stored = "019402abc65b2d1a1a21554ec6b514d65468954e62523252bd439b0c0b520bd486161ae110518547331a5003065ce1d50200"
        let json = #"{"balance_after":{"available":12,"pending":3},"pending":false,"points_earned":0,"reason":"fraud_review","#
            + #""review_id":"rev_01abc","rules":[{"explanation":"condition not met: day of week","matched":false,"points":0,"#
            + #""rule_id":"weekday","rule_name":"Weekday ☀"}],"status":"held"}"#
        #expect(try PackedOutcome.text(Self.bytes(hex: stored)) == json)
        #expect(try PackedOutcome.text(postgresJSON: "\\x" + stored) == json)
        #expect(throws: PackedOutcome.Unreadable.self) { try PackedOutcome.text(postgresJSON: "\\x" + stored + "0") }
    }

    @Test func packingGivesBackTheSameText() throws {
        var random = SplitMix64(seed: 20261207)
        for round in 0..<300 {
            // Outcomes of 0 to ~1,000 rules: the largest pass the 8 KB window many times over.
            let rules = round < 290 ? Int.random(in: 0...25, using: &random) : Int.random(in: 200...1000, using: &random)
            let json = Self.outcome(rules: rules, using: &random)
            let packed = PackedOutcome.pack(json)
            #expect(packed.first == PackedOutcome.format1)
            #expect(try PackedOutcome.text(packed) == json, "round \(round)")
            if rules >= 10 { #expect(packed.count * 4 < json.utf8.count, "round \(round): \(packed.count) of \(json.utf8.count) bytes") }
        }
    }

    @Test func textFromBeforePackingReadsAsItIs() throws {
        let json = #"{"pending":false,"points_earned":5,"rules":[],"status":"processed"}"#
        #expect(try PackedOutcome.text(Array(json.utf8)) == json)
        #expect(try PackedOutcome.text(postgresJSON: json) == json)
    }

    @Test func damagedValuesAreRefused() throws {
        var random = SplitMix64(seed: 7)
        let good = PackedOutcome.pack(Self.outcome(rules: 12, using: &random))
        let damaged: [(String, [UInt8])] = [
            ("empty", []),
            ("unknown format", [0x02] + good.dropFirst()),
            ("no length", [PackedOutcome.format1, 0x80, 0x80]),
            ("length beyond the limit", [PackedOutcome.format1, 0xff, 0xff, 0xff, 0xff, 0x0f]),
            ("truncated stream", Array(good.dropLast(5))),
            ("a length one short", [good[0], good[1] &- 1] + good.dropFirst(2)),
            ("a length one long", [good[0], good[1] &+ 1] + good.dropFirst(2)),
            ("garbage", [PackedOutcome.format1, 0x20] + Array(repeating: 0xab, count: 40)),
        ]
        for (why, bytes) in damaged {
            #expect(throws: PackedOutcome.Unreadable.self, "\(why)") { try PackedOutcome.text(bytes) }
        }
        #expect(throws: PackedOutcome.Unreadable.self) { try PackedOutcome.text(postgresJSON: "\\x01zz") }
    }

    @Test(arguments: StoreBackend.available)
    func eventsKeepTheirOutcomePackedAndRowsFromBeforeStillRead(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("m-1")
        let recorded = try await fixture.record(StoreFixture.purchase(total: "42.50", at: StoreFixture.start), memberId: member.id)
        #expect(recorded.outcomeJSON.contains("\"points_earned\":42"))

        let (first, length) = try await Self.storedColumn(fixture, eventId: recorded.id)
        #expect(first == PackedOutcome.format1 && length < recorded.outcomeJSON.utf8.count, "\(length) bytes")
        #expect(try await fixture.store.event(programId: fixture.programId, id: recorded.id)?.outcomeJSON == recorded.outcomeJSON)

        // A row written before outcomes were packed holds the JSON text.
        try await Self.storePlain(fixture, eventId: recorded.id, json: recorded.outcomeJSON)
        #expect(try await Self.storedColumn(fixture, eventId: recorded.id).first == UInt8(ascii: "{"))
        let read = try #require(try await fixture.store.event(programId: fixture.programId, id: recorded.id))
        #expect(read.outcomeJSON == recorded.outcomeJSON && read.outcome == recorded.outcome)
    }

    // MARK: - helpers

    /// The first byte and the length of the event's `outcome` column as stored.
    static func storedColumn(_ fixture: StoreFixture, eventId: String) async throws -> (first: UInt8, length: Int) {
        if let store = fixture.store as? SQLiteStore {
            return try await store.read { db in
                let row = try #require(try Row.fetchOne(db, sql: "SELECT CAST(outcome AS BLOB) AS bytes FROM events WHERE id = ?", arguments: [eventId]))
                let bytes: Data = row["bytes"]
                return (bytes.first ?? 0, bytes.count)
            }
        }
        let store = try #require(fixture.store as? PostgresStore)
        let rows = try await store.client.query("SELECT get_byte(outcome, 0), octet_length(outcome) FROM events WHERE id = \(eventId)")
        for try await (first, length) in rows.decode((Int32, Int32).self) { return (UInt8(first), Int(length)) }
        throw StoreError.notFound(eventId)
    }

    /// Writes the outcome as the stores did before packing: the JSON text.
    static func storePlain(_ fixture: StoreFixture, eventId: String, json: String) async throws {
        if let store = fixture.store as? SQLiteStore {
            try await store.write { db in try db.execute(sql: "UPDATE events SET outcome = ? WHERE id = ?", arguments: [json, eventId]) }
            return
        }
        let store = try #require(fixture.store as? PostgresStore)
        try await store.client.query("UPDATE events SET outcome = convert_to(\(json), 'UTF8') WHERE id = \(eventId)")
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    /// An outcome's JSON in the shape `RecordedOutcome.jsonText` writes, with `rules` rules of random
    /// names, points and explanations (some not ASCII, some escaped).
    static func outcome(rules: Int, using random: inout SplitMix64) -> String {
        let words = ["points", "per", "on", "matching", "lines", "condition not met:", "member.tier", "in", #"[\"gold\"]"#, "×1.50", "bonus",
                     "für", "über", "день", "🎉", "limit of 2 per day reached"]
        let results = (0..<rules).map { index in
            let explanation = (0..<Int.random(in: 1...9, using: &random)).map { _ in words.randomElement(using: &random)! }.joined(separator: " ")
            let id = "rule-\(index)-\(Int.random(in: 0...999, using: &random))"
            return #"{"explanation":"\#(explanation)","matched":\#(Bool.random(using: &random)),"points":\#(Int.random(in: -50...500, using: &random)),"#
                + #""rule_id":"\#(id)","rule_name":"\#(id) \#(words.randomElement(using: &random)!)"}"#
        }
        return #"{"balance_after":{"available":\#(Int.random(in: 0...99_999, using: &random)),"pending":\#(Int.random(in: 0...9_999, using: &random))},"#
            + #""pending":false,"points_earned":\#(Int.random(in: 0...5_000, using: &random)),"rules":[\#(results.joined(separator: ","))],"status":"processed"}"#
    }
}
