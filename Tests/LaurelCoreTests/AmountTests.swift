import Foundation
import Testing
import LaurelCore
import LaurelTestSupport

/// Money is exact: four fractional digits held as an integer, parsed from and printed as text.
struct AmountTests {
    @Test(arguments: [
        ("12", Int64(120_000)), ("12.5", 125_000), ("-0.0001", -1), ("+3", 30_000), ("0", 0), ("-0", 0),
        ("1.50000", 15_000), ("0007.25", 72_500), ("900000000000000", 9_000_000_000_000_000_000),
        ("-900000000000000", -9_000_000_000_000_000_000),
    ])
    func parsesExactly(text: String, units: Int64) {
        #expect(Amount(text)?.units == units, "\(text)")
    }

    @Test(arguments: ["1.23456", "abc", "1e5", "", "-", "+", ".5", "12.", "1,5", " 12", "12 ", "0x10", "1.2.3", "--1", "١٢",
                      "12.5e1", "Infinity", "NaN"])
    func rejectsNonDecimals(text: String) {
        #expect(Amount(text) == nil, "\"\(text)\" should not parse")
    }

    /// The parser reads bytes; this is the reading it must agree with, by characters (the parser's
    /// earlier form): an optional sign, ASCII digits (at most 15), optionally a point and digits,
    /// trailing zeros beyond the fourth fractional digit ignored.
    static func readByCharacters(_ text: String) -> Int64? {
        var chars = Substring(text)
        let negative = chars.first == "-"
        if negative || chars.first == "+" { chars = chars.dropFirst() }
        let parts = chars.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 15, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || (!fraction.isEmpty && fraction.allSatisfy({ $0.isASCII && $0.isNumber })) else { return nil }
        while fraction.count > 4, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= 4, let wholeValue = Int64(whole), wholeValue <= 900_000_000_000_000 else { return nil }
        let magnitude = wholeValue * 10_000 + Int64(fraction.padding(toLength: 4, withPad: "0", startingAt: 0))!
        guard magnitude <= 9_000_000_000_000_000_000 else { return nil }
        return negative ? -magnitude : magnitude
    }

    @Test(arguments: 1...20)
    func generatedTextsParseAsReadByCharacters(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let pieces = ["0", "1", "7", "9", "00", "123", "99999", "900000000000000", ".", "-", "+", "e", " ", "é", "١", "0\u{301}", ","]
        for _ in 0..<500 {
            let text = random.text(from: pieces, fewerThan: 7)
            #expect(Amount(text)?.units == Self.readByCharacters(text), "\"\(text)\"")
        }
    }

    /// Beyond ±900 000 000 000 000 the value does not fit the 1/10 000 unit count; the parser must
    /// say nil rather than trap (a program file or event attribute can carry any number).
    @Test(arguments: ["999999999999999", "-999999999999999", "922337203685478", "900000000000000.0001", "900000000000001",
                      "1000000000000000"])
    func rejectsValuesOutOfRangeWithoutTrapping(text: String) {
        #expect(Amount(text) == nil, "\(text)")
    }

    @Test(arguments: [("12", "12.00"), ("12.5", "12.50"), ("-0.0001", "-0.0001"), ("0.1", "0.10"), ("-12", "-12.00"),
                      ("1.2340", "1.234"), ("+7.05", "7.05")])
    func description(text: String, expected: String) throws {
        let amount = try Fixtures.amount(text)
        #expect(amount.description == expected)
        #expect(Amount(amount.description) == amount, "the description parses back")
    }

    @Test func arithmeticAndComparison() throws {
        let a = try Fixtures.amount("12.34"), b = try Fixtures.amount("0.66")
        #expect((a + b).description == "13.00")
        #expect((a - b).description == "11.68")
        #expect((b - a).description == "-11.68")
        #expect((a * 3).description == "37.02")
        #expect(b < a && !(a < b))
        #expect((b - a).isNegative && a.isPositive && !Amount.zero.isPositive && !Amount.zero.isNegative)
        #expect(Amount(integer: 5) == Amount("5.0000"))
        #expect(PurchaseLine(sku: "x", quantity: 3, unitPrice: try Fixtures.amount("2.50")).amount == Amount("7.5"))
        #expect(Purchase(currency: "EUR", lines: [Fixtures.line("a", "1.10"), Fixtures.line("b", "2.20", quantity: 2)]).total == Amount("5.50"))
    }

    @Test func codableAcceptsStringsAndNumbersAndWritesStrings() throws {
        struct Box: Codable { var value: Amount }
        let decoder = JSONDecoder()
        for (json, expected) in [(#"{"value":"12.5"}"#, "12.50"), (#"{"value":12.5}"#, "12.50"), (#"{"value":12}"#, "12.00"),
                                 (#"{"value":-0.0001}"#, "-0.0001"), (#"{"value":0.1}"#, "0.10")] {
            #expect(try decoder.decode(Box.self, from: Data(json.utf8)).value.description == expected, "\(json)")
        }
        for json in [#"{"value":"1.23456"}"#, #"{"value":1.23456}"#, #"{"value":1e30}"#, #"{"value":true}"#, #"{"value":"abc"}"#] {
            #expect(throws: DecodingError.self, "\(json)") { try decoder.decode(Box.self, from: Data(json.utf8)) }
        }
        let encoded = String(decoding: try JSONEncoder().encode(Box(value: try Fixtures.amount("3.5"))), as: UTF8.self)
        #expect(encoded == #"{"value":"3.50"}"#)
    }
}
