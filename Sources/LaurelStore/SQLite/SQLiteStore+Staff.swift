import Foundation
import GRDB

extension SQLiteStore {
    public func createStaff(_ staff: StaffRecord, passwordToken: StaffPasswordTokenRecord) async throws {
        try await write { db in
            guard try db.row("SELECT id FROM programs WHERE id = ?", [staff.programId]) != nil else {
                throw StoreError.notFound("program \(staff.programId)")
            }
            // The unique (program_id, email) decides between concurrent creates.
            guard try db.row("""
                INSERT INTO staff (id, program_id, email, role, password_hash, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (program_id, email) DO NOTHING RETURNING id
                """, [staff.id, staff.programId, staff.email, staff.role.rawValue, staff.passwordHash, staff.createdAt.millis, staff.disabled]) != nil
            else { throw StaffEmailTaken(email: staff.email) }
            try Self.insert(db, passwordToken)
        }
    }

    public func staff(id: String) async throws -> StaffRecord? {
        try await read { db in try db.row("SELECT * FROM staff WHERE id = ?", [id], Self.staff) }
    }

    public func staff(programId: String, email: String) async throws -> StaffRecord? {
        try await read { db in try db.row("SELECT * FROM staff WHERE program_id = ? AND email = ?", [programId, email], Self.staff) }
    }

    public func staff(email: String) async throws -> [StaffRecord] {
        try await read { db in try db.rows("SELECT * FROM staff WHERE email = ? ORDER BY program_id", [email], Self.staff) }
    }

    public func staffList(programId: String?) async throws -> [StaffRecord] {
        try await read { db in
            if let programId { return try db.rows("SELECT * FROM staff WHERE program_id = ? ORDER BY email", [programId], Self.staff) }
            return try db.rows("SELECT * FROM staff ORDER BY program_id, email", [], Self.staff)
        }
    }

    public func setStaffDisabled(id: String, disabled: Bool) async throws -> StaffRecord? {
        try await write { db in try db.row("UPDATE staff SET disabled = ? WHERE id = ? RETURNING *", [disabled, id], Self.staff) }
    }

    public func addStaffPasswordToken(_ token: StaffPasswordTokenRecord) async throws {
        try await write { db in
            guard try db.row("SELECT id FROM staff WHERE id = ?", [token.staffId]) != nil else { throw StoreError.notFound("staff \(token.staffId)") }
            try Self.insert(db, token)
        }
    }

    public func staffForPasswordToken(hash: String, now: Date) async throws -> StaffRecord? {
        try await read { db in
            try db.row("""
                SELECT staff.* FROM staff_password_tokens JOIN staff ON staff.id = staff_password_tokens.staff_id
                WHERE staff_password_tokens.hash = ? AND used_at IS NULL AND expires_at > ?
                """, [hash, now.millis], Self.staff)
        }
    }

    public func setStaffPassword(tokenHash: String, passwordHash: String, now: Date) async throws -> StaffRecord? {
        try await write { db in
            guard let staffId = try db.row("""
                UPDATE staff_password_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING staff_id
                """, [now.millis, tokenHash, now.millis], { row -> String in row["staff_id"] }) else { return nil }
            return try db.row("UPDATE staff SET password_hash = ? WHERE id = ? RETURNING *", [passwordHash, staffId], Self.staff)
        }
    }

    public func rehashStaffPassword(id: String, from: String, to: String) async throws -> Bool {
        try await write { db in
            try db.run("UPDATE staff SET password_hash = ? WHERE id = ? AND password_hash = ?", [to, id, from])
            return db.changesCount == 1
        }
    }

    private static func insert(_ db: Database, _ token: StaffPasswordTokenRecord) throws {
        try db.run("INSERT INTO staff_password_tokens (hash, staff_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                   [token.hash, token.staffId, token.createdAt.millis, token.expiresAt.millis])
    }

    static func staff(_ row: Row) -> StaffRecord {
        StaffRecord(id: row["id"], programId: row["program_id"], email: row["email"], role: StaffRole(rawValue: row["role"]) ?? .support,
                    passwordHash: row["password_hash"], createdAt: Date(millis: row["created_at"]), disabled: row["disabled"])
    }
}
