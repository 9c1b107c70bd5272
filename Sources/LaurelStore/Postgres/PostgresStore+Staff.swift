import Foundation
import PostgresNIO

extension PostgresStore {
    public func createStaff(_ staff: StaffRecord, passwordToken: StaffPasswordTokenRecord) async throws {
        try await transaction { connection in
            guard try await connection.row("SELECT id FROM programs WHERE id = \(staff.programId)", logger) != nil else {
                throw StoreError.notFound("program \(staff.programId)")
            }
            // The unique (program_id, email) decides between concurrent creates.
            guard try await connection.row("""
                INSERT INTO staff (id, program_id, email, role, password_hash, created_at, disabled)
                VALUES (\(staff.id), \(staff.programId), \(staff.email), \(staff.role.rawValue), \(staff.passwordHash), \(staff.createdAt.millis),
                        \(staff.disabled))
                ON CONFLICT (program_id, email) DO NOTHING RETURNING id
                """, logger) != nil
            else { throw StaffEmailTaken(email: staff.email) }
            try await Self.insert(connection, passwordToken, logger)
        }
    }

    public func staff(id: String) async throws -> StaffRecord? {
        try await read { connection in try await connection.row("SELECT * FROM staff WHERE id = \(id)", logger).map(Self.staff) }
    }

    public func staff(programId: String, email: String) async throws -> StaffRecord? {
        try await read { connection in
            try await connection.row("SELECT * FROM staff WHERE program_id = \(programId) AND email = \(email)", logger).map(Self.staff)
        }
    }

    public func staff(email: String) async throws -> [StaffRecord] {
        try await read { connection in
            try await connection.rows("SELECT * FROM staff WHERE email = \(email) ORDER BY program_id", logger).map(Self.staff)
        }
    }

    public func staffList(programId: String?) async throws -> [StaffRecord] {
        try await read { connection in
            if let programId {
                return try await connection.rows("SELECT * FROM staff WHERE program_id = \(programId) ORDER BY email", logger).map(Self.staff)
            }
            return try await connection.rows("SELECT * FROM staff ORDER BY program_id, email", logger).map(Self.staff)
        }
    }

    public func setStaffDisabled(id: String, disabled: Bool) async throws -> StaffRecord? {
        try await transaction { connection in
            try await connection.row("UPDATE staff SET disabled = \(disabled) WHERE id = \(id) RETURNING *", logger).map(Self.staff)
        }
    }

    public func addStaffPasswordToken(_ token: StaffPasswordTokenRecord) async throws {
        try await transaction { connection in
            guard try await connection.row("SELECT id FROM staff WHERE id = \(token.staffId)", logger) != nil else {
                throw StoreError.notFound("staff \(token.staffId)")
            }
            try await Self.insert(connection, token, logger)
        }
    }

    public func staffForPasswordToken(hash: String, now: Date) async throws -> StaffRecord? {
        try await read { connection in
            try await connection.row("""
                SELECT staff.* FROM staff_password_tokens JOIN staff ON staff.id = staff_password_tokens.staff_id
                WHERE staff_password_tokens.hash = \(hash) AND used_at IS NULL AND expires_at > \(now.millis)
                """, logger).map(Self.staff)
        }
    }

    public func setStaffPassword(tokenHash: String, passwordHash: String, now: Date) async throws -> StaffRecord? {
        try await transaction { connection in
            // The update takes the token's row lock: of two concurrent uses, the second finds it used.
            guard let used = try await connection.row("""
                UPDATE staff_password_tokens SET used_at = \(now.millis)
                WHERE hash = \(tokenHash) AND used_at IS NULL AND expires_at > \(now.millis) RETURNING staff_id
                """, logger) else { return nil }
            let staffId: String = try used.get("staff_id")
            return try await connection.row("UPDATE staff SET password_hash = \(passwordHash) WHERE id = \(staffId) RETURNING *", logger)
                .map(Self.staff)
        }
    }

    public func rehashStaffPassword(id: String, from: String, to: String) async throws -> Bool {
        try await transaction { connection in
            try await connection.row("UPDATE staff SET password_hash = \(to) WHERE id = \(id) AND password_hash = \(from) RETURNING id", logger) != nil
        }
    }

    private static func insert(_ connection: PostgresConnection, _ token: StaffPasswordTokenRecord, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO staff_password_tokens (hash, staff_id, created_at, expires_at)
            VALUES (\(token.hash), \(token.staffId), \(token.createdAt.millis), \(token.expiresAt.millis))
            """, logger: logger)
    }

    static func staff(_ row: PostgresRandomAccessRow) throws -> StaffRecord {
        StaffRecord(id: try row.get("id"), programId: try row.get("program_id"), email: try row.get("email"),
                    role: StaffRole(rawValue: try row.get("role")) ?? .support, passwordHash: try row.get("password_hash", String?.self),
                    createdAt: try row.date("created_at"), disabled: try row.get("disabled"))
    }
}
