import GRDB
@testable import LaurelStore
import Testing

/// The statements the writer and the balance read run straight through SQLite's C API
/// (`DirectStatements.swift`): values bind and read back as GRDB would give them, a bad call fails
/// with a `DatabaseError` and changes nothing, and a statement is left reset for its next use.
struct DirectStatementTests {
    private func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER, note TEXT)")
        }
        return queue
    }

    private struct Row: Equatable {
        var id: Int64, name: String, amount: Int?, note: String?
    }

    private func all(_ db: Database) throws -> [Row] {
        try db.rowsByPosition("SELECT id, name, amount, note FROM t ORDER BY id", [SQLiteValue]()) { row in
            Row(id: row[0], name: row[1], amount: row[2], note: row[3])
        }
    }

    @Test func valuesReadBackAsWritten() throws {
        let texts = ["", "plain", "été 🍰 ünïcode", "with\u{0}nul", String(repeating: "long ", count: 400)]
        let rows = try database().write { db -> [Row] in
            for (index, text) in texts.enumerated() {
                try db.execute("INSERT INTO t (id, name, amount, note) VALUES (?, ?, ?, ?)",
                               [.int(index + 1), .text(text), .optional(index.isMultiple(of: 2) ? nil : Int.min + index), .optional(nil as String?)])
            }
            return try all(db)
        }
        #expect(rows == texts.enumerated().map { Row(id: Int64($0 + 1), name: $1, amount: $0.isMultiple(of: 2) ? nil : Int.min + $0, note: nil) })
        // GRDB reads the same bytes: the empty string is text, not NULL.
        let viaGRDB = try database().write { db -> [String?] in
            try db.execute("INSERT INTO t (id, name) VALUES (?, ?)", [.integer(1), .text("")])
            return try String?.fetchAll(db, sql: "SELECT name FROM t")
        }
        #expect(viaGRDB == [""])
    }

    @Test func multiRowInsertsTakeEveryChunk() throws {
        let table = SQLiteRows.Table("t", ["id", "name", "amount", "note"])
        let count = table.rowsPerStatement * 2 + 3
        let rows = try database().write { db -> [Row] in
            try db.insert(table, (1...count).flatMap { id -> [SQLiteValue] in [.int(id), .text("n\(id)"), .int(id * 10), .null] })
            return try all(db)
        }
        #expect(rows == (1...count).map { Row(id: Int64($0), name: "n\($0)", amount: $0 * 10, note: nil) })
    }

    @Test func aWrongNumberOfValuesIsRefusedAndWritesNothing() throws {
        let queue = try database()
        try queue.write { db in
            #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO t (id, name) VALUES (?, ?)", [.integer(1)]) }
            #expect(throws: DatabaseError.self) {
                try db.execute("INSERT INTO t (id, name) VALUES (?, ?)", [.integer(1), .text("a"), .text("extra")])
            }
            let rows = try all(db)
            #expect(rows.isEmpty)
        }
    }

    @Test func aFailedStatementReportsSQLitesErrorAndCanRunAgain() throws {
        let queue = try database()
        try queue.write { db in
            let insert = "INSERT INTO t (id, name) VALUES (?, ?)"
            try db.execute(insert, [.integer(1), .text("first")])
            do {
                try db.execute(insert, [.integer(1), .text("again")])
                Issue.record("a duplicate primary key was accepted")
            } catch let error as DatabaseError {
                #expect(error.resultCode == .SQLITE_CONSTRAINT)
                #expect(error.message?.contains("UNIQUE") == true)
            }
            try db.execute(insert, [.integer(2), .text("second")])
            let names = try all(db).map(\.name)
            #expect(names == ["first", "second"])
        }
    }

    /// A statement left mid-result would keep the table busy: SQLite refuses to drop it.
    @Test func aFirstRowReadLeavesTheStatementReset() throws {
        let queue = try database()
        try queue.write { db in
            try db.insert(SQLiteRows.Table("t", ["id", "name"]), [.integer(1), .text("a"), .integer(2), .text("b")])
            let first = try db.rowByPosition("SELECT name FROM t ORDER BY id", [SQLiteValue]()) { row -> String in row[0] }
            #expect(first == "a")
            let none = try db.rowByPosition("SELECT name FROM t WHERE id = ?", [.integer(3)]) { row -> String in row[0] }
            #expect(none == nil)
            try db.execute(sql: "DROP TABLE t")
        }
    }
}
