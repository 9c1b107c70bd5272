import Foundation

/// A free-form JSON value: member and event attributes, and the parsed tree of a program
/// file before it is validated. Numbers keep their decimal text so nothing is rounded.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }

    /// The value as an exact amount, for numbers and numeric strings.
    public var amountValue: Amount? {
        switch self {
        case .number(let text): return Amount(text)
        case .string(let text): return Amount(text)
        default: return nil
        }
    }

    /// Name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(String.self) { self = .string(value); return }
        if let value = try? container.decode(Int64.self) { self = .number(String(value)); return }
        if let value = try? container.decode(Decimal.self) { self = .number("\(value)"); return }
        // Beyond a decimal's exponent range (1e-300): kept as the double's text, never refused as "not JSON".
        if let value = try? container.decode(Double.self), value.isFinite { self = .number("\(value)"); return }
        if let value = try? container.decode([JSONValue].self) { self = .array(value); return }
        if let value = try? container.decode([String: JSONValue].self) { self = .object(value); return }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "unsupported JSON value")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let text):
            if let int = Int64(text) {
                try container.encode(int)
            } else if let decimal = Decimal(string: text) {
                try container.encode(decimal)
            } else if let double = Double(text), double.isFinite {
                try container.encode(double)
            } else {
                try container.encode(text)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
