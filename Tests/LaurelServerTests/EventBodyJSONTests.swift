import Foundation
import LaurelCore
@testable import LaurelServer
import LaurelTestSupport
import Testing

/// An event's stored payload is written by `EventBody.jsonText` instead of `JSONEncoder`: it must
/// give the same bytes as `APIJSON.encode`, or a replayed response and a read-back event would
/// differ from the first answer.
struct EventBodyJSONTests {
    @Test(arguments: 1...300)
    func bodiesWriteAsTheEncoderWrites(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        func text() -> String { random.text(from: SplitMix64.awkwardText + ["\u{1f}", "sku-1", "0.5", "{}"]) }
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { random.int(2) == 0 ? value() : nil }
        func amount() -> Amount { Amount("\(random.int(100_000)).\(random.int(100))")! }
        let line = { EventBody.LineBody(sku: text(), category: maybe(text()), labels: maybe((0..<random.int(3)).map { _ in text() }),
                                        quantity: maybe(random.int(1...1000)), unitPrice: amount(), delivery: maybe(random.int(2) == 0)) }
        let body = EventBody(
            memberId: maybe(text()), externalId: maybe(text()), type: text(), occurredAt: maybe("2026-11-23T10:15:00.000Z"),
            store: maybe(text()), channel: maybe(text()),
            attributes: maybe(["tier": .string(text()), "visits": .number("\(random.int(100))"), "vip": .bool(random.int(2) == 0),
                               "tags": .array([.string(text()), .null]), "nested": .object(["b": .number("1.5"), "a": .string(text())])]),
            purchase: maybe(EventBody.PurchaseBody(currency: "EUR", total: maybe(amount()), lines: maybe((0..<random.int(6)).map { _ in line() }),
                                                   transactionId: maybe(text()))),
            return: maybe(EventBody.ReturnBody(purchaseEventId: text(), amount: amount())))
        #expect(try body.jsonText() == String(decoding: try APIJSON.encode(body), as: UTF8.self))
    }
}
