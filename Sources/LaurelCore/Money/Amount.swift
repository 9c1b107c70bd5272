/// An exact decimal amount (money, rates, multipliers) with four fractional digits.
///
/// Stored as an integer count of 1/10 000 units so arithmetic is exact and fast; binary
/// floating point is never used for money. Parsed from and printed as decimal strings.
public struct Amount: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Number of 1/10 000 units.
    public let units: Int64
    public static let scale: Int64 = 10_000
    public static let fractionDigits = 4
    /// The largest whole part `init?(_:)` accepts (±900 000 000 000 000).
    static let maxWhole: Int64 = 900_000_000_000_000

    public init(units: Int64) { self.units = units }
    public init(integer: Int) { self.units = Int64(integer) * Amount.scale }

    public static let zero = Amount(units: 0)
    public static let one = Amount(units: scale)

    /// Parses `"12"`, `"12.5"`, `"-0.0001"`. Returns nil for anything else, including more
    /// than four fractional digits or values beyond ±900 000 000 000 000.
    public init?(_ text: String) {
        var text = text
        guard let amount = text.withUTF8({ Amount(utf8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = amount
    }

    /// `init?(_:)` on the UTF-8 bytes of the text, read byte by byte: an event body's prices are
    /// read this way, and going through `Substring` and `Character` cost ~4 µs per amount.
    public init?(utf8 bytes: UnsafeRawBufferPointer) {
        func digit(_ byte: UInt8) -> Int64? { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int64(byte - UInt8(ascii: "0")) : nil }
        var index = 0
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative || (index < bytes.count && bytes[index] == UInt8(ascii: "+")) { index += 1 }
        let wholeStart = index
        var whole: Int64 = 0
        while index < bytes.count, let value = digit(bytes[index]) {
            // At most 15 digits, which fit Int64 (but not all of them once scaled: see below).
            guard index - wholeStart < 15 else { return nil }
            whole = whole * 10 + value
            index += 1
        }
        guard index > wholeStart, whole <= Amount.maxWhole else { return nil }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "."), index + 1 < bytes.count else { return nil }
            index += 1
            while index < bytes.count {
                guard let value = digit(bytes[index]) else { return nil }
                if fractionDigits < Amount.fractionDigits {
                    fraction = fraction * 10 + value
                    fractionDigits += 1
                } else if value != 0 {
                    return nil // trailing zeros beyond four digits are harmless ("1.50000"), other digits are not
                }
                index += 1
            }
        }
        for _ in fractionDigits..<Amount.fractionDigits { fraction *= 10 }
        let magnitude = whole * Amount.scale + fraction
        guard magnitude <= Amount.maxWhole * Amount.scale else { return nil }
        self.units = negative ? -magnitude : magnitude
    }

    /// Canonical text: at least two fractional digits, trailing zeros beyond them trimmed ("12.00", "0.125").
    /// Written digit by digit into the string's own storage: explanations print an amount per event.
    public var description: String {
        let magnitude = units.magnitude
        var fraction = magnitude % UInt64(Amount.scale)
        var digits = Amount.fractionDigits
        while digits > 2, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var whole = magnitude / UInt64(Amount.scale)
        var wholeDigits = 1
        var rest = whole
        while rest >= 10 {
            rest /= 10
            wholeDigits += 1
        }
        let count = (units < 0 ? 1 : 0) + wholeDigits + 1 + digits
        return String(unsafeUninitializedCapacity: count) { text in
            var index = count
            for _ in 0..<digits {
                index -= 1
                text[index] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
            }
            index -= 1
            text[index] = UInt8(ascii: ".")
            repeat {
                index -= 1
                text[index] = UInt8(ascii: "0") + UInt8(whole % 10)
                whole /= 10
            } while whole > 0
            if units < 0 { text[0] = UInt8(ascii: "-") }
            return count
        }
    }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.units < rhs.units }
    public static func + (lhs: Amount, rhs: Amount) -> Amount { Amount(units: lhs.units + rhs.units) }
    public static func - (lhs: Amount, rhs: Amount) -> Amount { Amount(units: lhs.units - rhs.units) }
    public static func * (lhs: Amount, rhs: Int) -> Amount { Amount(units: lhs.units * Int64(rhs)) }
    public var isNegative: Bool { units < 0 }
    public var isPositive: Bool { units > 0 }
}

extension Amount: Codable {
    /// Accepts a decimal string or a JSON number; always encodes as a string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = Amount(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a decimal number with at most 4 fractional digits, got \"\(text)\"")
            }
            self = value
        } else if let int = try? container.decode(Int64.self), let value = Amount(String(int)) {
            self = value
        } else if let number = try? container.decode(Double.self) {
            // JSON numbers with fractions: parse the shortest text that round-trips (exponent forms are refused).
            guard let value = Amount("\(number)") else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a decimal number with at most 4 fractional digits")
            }
            self = value
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a decimal number (string or number)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
