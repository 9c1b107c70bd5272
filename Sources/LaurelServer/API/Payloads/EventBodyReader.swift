import Foundation
import LaurelCore

/// Reads the JSON body of an event without Foundation's decoder, which was ~8 % of a purchase's
/// CPU over HTTP. It reads only what it reads exactly as `JSONDecoder` would and gives up (nil)
/// on anything else — escapes in strings, duplicate keys, fractions, attributes, any error — so the
/// caller falls back to `JSONDecoder`, which also words the errors. Tests compare the two.
struct EventBodyReader {
    /// Nested values deeper than this are left to `JSONDecoder`.
    private static let maxDepth = 32

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    static func read(_ data: Data) -> EventBody? {
        data.withUnsafeBytes { bytes in
            var reader = EventBodyReader(bytes: bytes)
            guard let body = reader.body() else { return nil }
            reader.skipSpace()
            return reader.index == bytes.count ? body : nil
        }
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func body() -> EventBody? {
        var type: String?
        var body = EventBody(type: "")
        let read = object { reader, key in
            switch key {
            case "member_id": return reader.optional(&body.memberId) { $0.string() }
            case "external_id": return reader.optional(&body.externalId) { $0.string() }
            case "type": type = reader.string(); return type != nil
            case "occurred_at": return reader.optional(&body.occurredAt) { $0.string() }
            case "store": return reader.optional(&body.store) { $0.string() }
            case "channel": return reader.optional(&body.channel) { $0.string() }
            case "attributes": return reader.literal("null")
            case "purchase": return reader.optional(&body.purchase) { $0.purchase() }
            case "return": return reader.optional(&body.return) { $0.returnBody() }
            default:
                // A field Laurel sets: left to `JSONDecoder`'s path, which refuses it by name.
                if EventBody.serverSetFields.contains(String(decoding: key.bytes, as: UTF8.self)) { return false }
                return reader.skipValue(depth: 1)
            }
        }
        guard read, let type else { return nil }
        body.type = type
        return body
    }

    private mutating func purchase() -> EventBody.PurchaseBody? {
        var currency: String?
        var purchase = EventBody.PurchaseBody(currency: "")
        let read = object { reader, key in
            switch key {
            case "currency": currency = reader.string(); return currency != nil
            case "total": return reader.optional(&purchase.total) { $0.amount() }
            case "lines": return reader.optional(&purchase.lines) { $0.array { $0.line() } }
            case "transaction_id": return reader.optional(&purchase.transactionId) { $0.string() }
            default: return reader.skipValue(depth: 2)
            }
        }
        guard read, let currency else { return nil }
        purchase.currency = currency
        return purchase
    }

    private mutating func line() -> EventBody.LineBody? {
        var sku: String?, unitPrice: Amount?
        var line = EventBody.LineBody(sku: "", unitPrice: .zero)
        let read = object { reader, key in
            switch key {
            case "sku": sku = reader.string(); return sku != nil
            case "category": return reader.optional(&line.category) { $0.string() }
            case "labels": return reader.optional(&line.labels) { $0.array { $0.string() } }
            case "quantity": return reader.optional(&line.quantity) { $0.integer().flatMap { Int(exactly: $0) } }
            case "unit_price": unitPrice = reader.amount(); return unitPrice != nil
            case "delivery": return reader.optional(&line.delivery) { $0.bool() }
            default: return reader.skipValue(depth: 4)
            }
        }
        guard read, let sku, let unitPrice else { return nil }
        line.sku = sku
        line.unitPrice = unitPrice
        return line
    }

    private mutating func returnBody() -> EventBody.ReturnBody? {
        var purchaseEventId: String?, amount: Amount?
        let read = object { reader, key in
            switch key {
            case "purchase_event_id": purchaseEventId = reader.string(); return purchaseEventId != nil
            case "amount": amount = reader.amount(); return amount != nil
            default: return reader.skipValue(depth: 2)
            }
        }
        guard read, let purchaseEventId, let amount else { return nil }
        return EventBody.ReturnBody(purchaseEventId: purchaseEventId, amount: amount)
    }

    // MARK: Values

    /// An optional field: `null` leaves it nil, as `decodeIfPresent` does.
    private mutating func optional<T>(_ field: inout T?, _ value: (inout EventBodyReader) -> T?) -> Bool {
        skipSpace()
        if peek == UInt8(ascii: "n") { return literal("null") }
        guard let read = value(&self) else { return false }
        field = read
        return true
    }

    /// Money as `Amount` decodes it: a string, or a whole number (fractions are left to the decoder).
    private mutating func amount() -> Amount? {
        skipSpace()
        if peek == UInt8(ascii: "\"") { return stringBytes().flatMap { Amount(utf8: $0) } }
        return integer().flatMap { Amount(String($0)) }
    }

    /// Members of an object, each passed to `member` with its key; a repeated key gives up. Keys
    /// stay bytes: making each a `String` and hashing it into a set was a third of the reading.
    private mutating func object(_ member: (inout EventBodyReader, Key) -> Bool) -> Bool {
        skipSpace()
        guard take(UInt8(ascii: "{")) else { return false }
        skipSpace()
        if take(UInt8(ascii: "}")) { return true }
        var seen: [Key] = []
        while true {
            skipSpace()
            guard let key = key(), !seen.contains(key) else { return false }
            seen.append(key)
            skipSpace()
            guard take(UInt8(ascii: ":")), member(&self, key) else { return false }
            skipSpace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "}"))
        }
    }

    private mutating func array<T>(_ element: (inout EventBodyReader) -> T?) -> [T]? {
        skipSpace()
        guard take(UInt8(ascii: "[")) else { return nil }
        var elements: [T] = []
        skipSpace()
        if take(UInt8(ascii: "]")) { return elements }
        while true {
            guard let value = element(&self) else { return nil }
            elements.append(value)
            skipSpace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "]")) ? elements : nil
        }
    }

    /// A string without escapes, valid UTF-8.
    private mutating func string() -> String? {
        guard let text = stringBytes() else { return nil }
        return String(validating: text, as: UTF8.self)
    }

    /// A member's key, as bytes; valid UTF-8 like any string (`Key` compares them with the names read).
    private mutating func key() -> Key? {
        guard let text = stringBytes(), text.allSatisfy({ $0 < 0x80 }) || String(validating: text, as: UTF8.self) != nil else { return nil }
        return Key(bytes: text)
    }

    /// The bytes of a string without escapes or control characters, between its quotes.
    private mutating func stringBytes() -> UnsafeRawBufferPointer? {
        skipSpace()
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return UnsafeRawBufferPointer(rebasing: bytes[start..<index - 1])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    /// A whole number: no fraction, no exponent, no leading zero, within `Int64`.
    private mutating func integer() -> Int64? {
        skipSpace()
        let negative = take(UInt8(ascii: "-"))
        let start = index
        var value: Int64 = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let digit = Int64(bytes[index] - UInt8(ascii: "0"))
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        if let next = peek, next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") { return nil }
        return value
    }

    private mutating func bool() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        skipSpace()
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// Skips a value of a member nobody reads (the decoder ignores unknown keys, but still checks
    /// they are valid JSON). Numbers are checked by their grammar.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < Self.maxDepth else { return false }
        skipSpace()
        switch peek {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"): return object { reader, _ in reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): return array { reader in reader.skipValue(depth: depth + 1) ? true : nil } != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    /// Any JSON number, by the grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number() -> Bool {
        _ = take(UInt8(ascii: "-"))
        guard let first = peek, isDigit(first) else { return false }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if take(UInt8(ascii: ".")) { guard skipDigits() else { return false } }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard skipDigits() else { return false }
        }
        return true
    }

    @discardableResult
    private mutating func skipDigits() -> Bool {
        let start = index
        while let byte = peek, isDigit(byte) { index += 1 }
        return index > start
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// JSON's whitespace: space, tab, line feed, carriage return.
    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }
}

/// An object member's key: its bytes in the body, matched against the names the reader knows
/// (`case "member_id":` in a `switch`).
private struct Key: Equatable {
    let bytes: UnsafeRawBufferPointer

    static func == (lhs: Key, rhs: Key) -> Bool { lhs.bytes.elementsEqual(rhs.bytes) }

    static func ~= (name: StaticString, key: Key) -> Bool {
        name.utf8CodeUnitCount == key.bytes.count
            && (key.bytes.isEmpty || memcmp(name.utf8Start, key.bytes.baseAddress!, key.bytes.count) == 0)
    }
}

extension EventBody {
    /// The body of `POST /v1/events` (or a line of an import): read directly when it can be,
    /// otherwise by `JSONDecoder`, whose errors name the field.
    static func decode(_ data: Data) throws -> EventBody {
        if let body = EventBodyReader.read(data) { return body }
        return try APIJSON.decode(EventBody.self, from: data)
    }
}
