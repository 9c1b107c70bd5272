import GRDB
import GRDBSQLite

/// The writer's hot statements (an event's inserts and balance update, the member read before
/// judging) and the balance read run straight through SQLite's C API on GRDB's cached statements:
/// GRDB's `StatementArguments` turns every value into a `DatabaseValue` through an existential,
/// and each `Row` cursor builds a dictionary of lowercased column names before its first row.
/// Together those were ~10 % of the writer's samples in `laurel-bench http` (perf), against ~2 %
/// for SQLite's own stepping of the same reads.
///
/// The statements come from GRDB's statement cache and are stepped to their end (or reset) before
/// these helpers return, so GRDB finds them as it left them; transactions stay GRDB's.

/// A value bound to a statement by `Database.execute(_:_:)` and `Database.insert(_:_:)`.
enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
    static func optional(_ value: String?) -> SQLiteValue { value.map(SQLiteValue.text) ?? .null }
    static func optional(_ value: Int64?) -> SQLiteValue { value.map(SQLiteValue.integer) ?? .null }
    static func optional(_ value: Int?) -> SQLiteValue { value.map(SQLiteValue.int) ?? .null }
}

/// The current row of a statement, read by position (`row[0]`), as `SQLiteStore.member` and
/// `SQLiteStore.lot` read it; valid only inside the closure it is passed to.
struct SQLiteColumns {
    fileprivate let statement: OpaquePointer

    subscript<Value: SQLiteColumnValue>(index: Int) -> Value { Value.read(statement, Int32(index)) }
}

/// A Swift type a column is read as. A NULL read as a non-optional type stops the process, as
/// GRDB's `Row` subscript does: the schema says which columns may be NULL.
protocol SQLiteColumnValue {
    static func read(_ statement: OpaquePointer, _ index: Int32) -> Self
}

private func notNull(_ statement: OpaquePointer, _ index: Int32) {
    guard sqlite3_column_type(statement, index) != SQLITE_NULL else {
        preconditionFailure("NULL in column \(String(cString: sqlite3_column_name(statement, index))) read as a non-optional value")
    }
}

extension Int64: SQLiteColumnValue {
    static func read(_ statement: OpaquePointer, _ index: Int32) -> Int64 {
        notNull(statement, index)
        return sqlite3_column_int64(statement, index)
    }
}

extension Int: SQLiteColumnValue {
    static func read(_ statement: OpaquePointer, _ index: Int32) -> Int { Int(Int64.read(statement, index)) }
}

extension String: SQLiteColumnValue {
    static func read(_ statement: OpaquePointer, _ index: Int32) -> String {
        notNull(statement, index)
        guard let text = sqlite3_column_text(statement, index) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index))), as: UTF8.self)
    }
}

extension Optional: SQLiteColumnValue where Wrapped: SQLiteColumnValue {
    static func read(_ statement: OpaquePointer, _ index: Int32) -> Wrapped? {
        sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : Wrapped.read(statement, index)
    }
}

extension Database {
    /// Runs a statement that returns no rows, with `values` bound to its parameters in order.
    func execute(_ sql: String, _ values: some Collection<SQLiteValue>) throws {
        _ = try rowsByPosition(sql, values) { _ in () }
    }

    /// Each row of the statement turned into a value by `transform`, reading columns by position.
    func rowsByPosition<T>(_ sql: String, _ values: some Collection<SQLiteValue>, _ transform: (SQLiteColumns) throws -> T) throws -> [T] {
        let handle = try bound(sql, values)
        defer { sqlite3_reset(handle) }
        var rows: [T] = []
        while try step(handle, sql: sql) { rows.append(try transform(SQLiteColumns(statement: handle))) }
        return rows
    }

    /// The first row of the statement turned into a value by `transform`, or nil when it has none.
    func rowByPosition<T>(_ sql: String, _ values: some Collection<SQLiteValue>, _ transform: (SQLiteColumns) throws -> T) throws -> T? {
        let handle = try bound(sql, values)
        defer { sqlite3_reset(handle) }
        return try step(handle, sql: sql) ? try transform(SQLiteColumns(statement: handle)) : nil
    }

    /// True when the statement has a row, false when it is done.
    private func step(_ handle: OpaquePointer, sql: String) throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw failure(code, sql: sql)
        }
    }

    /// GRDB's cached statement for `sql`, reset and with every parameter bound; text is copied by SQLite (`SQLITE_TRANSIENT`),
    /// so the values need not outlive the call.
    private func bound(_ sql: String, _ values: some Collection<SQLiteValue>) throws -> OpaquePointer {
        let handle = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        guard values.count == Int(sqlite3_bind_parameter_count(handle)) else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(values.count) values for \(sqlite3_bind_parameter_count(handle)) parameters",
                                sql: sql)
        }
        var index: Int32 = 1
        for value in values {
            let code: Int32
            switch value {
            case .integer(let integer): code = sqlite3_bind_int64(handle, index, integer)
            case .null: code = sqlite3_bind_null(handle, index)
            case .text(let text):
                code = text.withCString { sqlite3_bind_text(handle, index, $0, Int32(text.utf8.count), transient) }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
            }
            guard code == SQLITE_OK else { throw failure(code, sql: sql) }
            index += 1
        }
        return handle
    }

    private func failure(_ code: Int32, sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
    }
}

/// SQLite's `SQLITE_TRANSIENT`: copy the bytes before the bind call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
