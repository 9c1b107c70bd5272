import Foundation
import LaurelCore
@testable import LaurelServer
import LaurelTestSupport
import Testing

/// `EventBodyReader` reads event bodies without `JSONDecoder`; whatever it reads must be what the
/// decoder reads, and whatever it cannot read exactly it must leave to the decoder.
struct EventBodyReaderTests {
    /// The decoder's reading, as the stored payload's text (which covers every field).
    func decoded(_ json: String) -> String? {
        (try? JSONDecoder().decode(EventBody.self, from: Data(json.utf8))).flatMap { try? $0.jsonText() }
    }

    func read(_ json: String) -> String? { EventBodyReader.read(Data(json.utf8)).flatMap { try? $0.jsonText() } }

    @Test(arguments: 1...300)
    func generatedBodiesReadAsTheDecoderReadsThem(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        func space() -> String { ["", " ", "\n", "\t ", "\r\n  "][random.int(5)] }
        // Strings without escapes, which the reader reads itself.
        func text() -> String { "\"" + random.text(from: ["a", "Z", "/", "×", "é", "😀", " ", "sku-1", "0.5", "{}", "[", "'"], fewerThan: 5) + "\"" }
        func amount() -> String {
            [text(), "\"\(random.int(10_000)).\(random.int(100))\"", "\(random.int(10_000))", "0", "\"12.5\""][random.int(5)]
        }
        func object(_ members: [(String, String?)]) -> String {
            // Absent members are left out or written as null; unknown members come and go; order is shuffled.
            var parts = members.compactMap { key, value -> String? in
                guard let value else { return random.int(2) == 0 ? nil : "\"\(key)\"\(space()):\(space())null" }
                return "\"\(key)\"\(space()):\(space())\(value)"
            }
            if random.int(4) == 0 {
                let unknown = ["{\"a\": [1, -2.5e3, true, null, {\"b\": \"c\"}]}", "12", "\"x\"", "[]", "false", "0.25"][random.int(6)]
                parts.append("\"unknown_\(random.int(9))\":\(space())\(unknown)")
            }
            parts.shuffle(using: &random)
            return "{" + space() + parts.joined(separator: "," + space()) + space() + "}"
        }
        func maybe(_ value: @autoclosure () -> String) -> String? { random.int(2) == 0 ? value() : nil }
        let line = {
            object([("sku", text()), ("category", maybe(text())), ("labels", maybe("[" + (0..<random.int(3)).map { _ in text() }.joined(separator: ",") + "]")),
                    ("quantity", maybe("\(random.int(1000))")), ("unit_price", amount()), ("delivery", maybe(random.int(2) == 0 ? "true" : "false"))])
        }
        let purchase = object([("currency", "\"EUR\""), ("total", maybe(amount())),
                               ("lines", maybe("[" + (0..<random.int(4)).map { _ in line() }.joined(separator: ",") + "]")),
                               ("transaction_id", maybe(text()))])
        let json = space() + object([
            ("member_id", maybe(text())), ("external_id", maybe(text())), ("type", text()), ("occurred_at", maybe("\"2026-11-23T10:15:00Z\"")),
            ("store", maybe(text())), ("channel", maybe(text())), ("purchase", maybe(purchase)),
            ("return", maybe(object([("purchase_event_id", text()), ("amount", amount())]))),
        ]) + space()
        let expected = decoded(json)
        let actual = read(json)
        if let actual { #expect(actual == expected, "\(json)") }
        // Everything generated here is plain JSON (no escapes, fractions or repeated keys): what the decoder reads, the reader reads.
        if expected != nil { #expect(actual != nil, "\(json)") }
    }

    @Test(arguments: [
        #"{"type":"review","member_id":"m\u00e9"}"#, // an escape
        #"{"type":"review","member_id":"a","member_id":"b"}"#, // a repeated key
        #"{"type":"purchase","member_id":"m","purchase":{"currency":"EUR","lines":[{"sku":"a","unit_price":1.5}]}}"#, // a fraction
        #"{"type":"purchase","member_id":"m","purchase":{"currency":"EUR","lines":[{"sku":"a","unit_price":"1","quantity":2.0}]}}"#,
        #"{"type":"purchase","member_id":"m","purchase":{"currency":"EUR","lines":[{"sku":"a","unit_price":"1","quantity":01}]}}"#,
        #"{"type":"review","member_id":"m","attributes":{"stars":5}}"#, // attributes
        #"{"type":"review","member_id":"m"} x"#, // trailing text
        #"{"type":"review","member_id":"m",}"#, // a trailing comma
        #"{"type":"review","member_id":7}"#, // a number for a string
        #"{"type":null,"member_id":"m"}"#, // null where required
        #"{"member_id":"m"}"#, // a missing field
        #"["type"]"#, "", " ", "null", #"{"type":"review","member_id":"m","x":01}"#, #"{"type":"review","x":-}"#,
        #"{"type":"review","x":1.}"#, #"{"type":"review","x":tru}"#, "\u{FEFF}{\"type\":\"review\"}",
        #"{"type":"purchase","member_id":"m","purchase":{"currency":"EUR","total":"1.23456"}}"#, // an amount with too many digits
        #"{"type":"purchase","member_id":"m","purchase":{"currency":"EUR","total":99999999999999999999}}"#,
        #"{"type":"purchase","member_id":"m","purchase":{"currency":"EUR","lines":[{"sku":"a","unit_price":"1","labels":["x",null]}]}}"#,
    ])
    func oddBodiesAreLeftToTheDecoderOrReadAlike(json: String) {
        if let actual = read(json) { #expect(actual == decoded(json)) }
    }

    @Test func whatTheReaderLeavesToTheDecoder() {
        #expect(read(#"{"type":"review","member_id":"m\u00e9"}"#) == nil)
        #expect(read(#"{"type":"review","member_id":"a","member_id":"b"}"#) == nil)
        #expect(read(#"{"type":"review","member_id":"m","attributes":{"stars":5}}"#) == nil)
        #expect(read(#"{"type":"review","member_id":"m","attributes":null}"#) != nil)
        #expect(read(#"{"type":"review","member_id":"m"} x"#) == nil)
    }
}
