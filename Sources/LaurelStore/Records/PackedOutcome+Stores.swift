import Foundation
import GRDB
import PostgresNIO

/// Reading the `outcome` column on each store: SQLite gives a blob (or text, rows from before
/// packing), PostgreSQL a `bytea`.
extension PackedOutcome {
    static func text(_ value: DatabaseValue) throws -> String {
        switch value.storage {
        case .blob(let data): return try text(data)
        case .string(let json): return json
        default: throw Unreadable(why: "neither a blob nor text")
        }
    }

    static func text(_ buffer: ByteBuffer) throws -> String {
        try text(buffer.readableBytesView)
    }

    /// A column of `row_to_json` on PostgreSQL (the member data export): a `bytea` arrives as
    /// `\x` and hex digits; other text is returned as it is.
    static func text(postgresJSON value: String) throws -> String {
        guard value.hasPrefix("\\x") else { return value }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count / 2)
        var high: UInt8?
        for character in value.utf8.dropFirst(2) {
            guard let digit = hexDigit(character) else { throw Unreadable(why: "not hex") }
            if let first = high { bytes.append(first << 4 | digit); high = nil } else { high = digit }
        }
        guard high == nil else { throw Unreadable(why: "an odd number of hex digits") }
        return try text(bytes)
    }

    private static func hexDigit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// `outcome` as PostgreSQL binds it.
    static func packedBuffer(_ json: String) -> ByteBuffer {
        ByteBuffer(bytes: pack(json))
    }

    /// `laurel_outcome(outcome)` on SQLite connections: the JSON text, for SQL that reads into an
    /// outcome (`json_each(laurel_outcome(e.outcome), '$.rules')`).
    static let sqliteFunction = DatabaseFunction("laurel_outcome", argumentCount: 1, pure: true) { values in
        values[0].isNull ? nil : try text(values[0])
    }
}
