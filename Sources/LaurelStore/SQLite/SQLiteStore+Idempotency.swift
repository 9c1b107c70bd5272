import Foundation
import GRDB

extension SQLiteStore {
    /// The stored response for a key already used with the same request; throws when it was
    /// used with a different one. Runs inside the write transaction, so a concurrent retry
    /// waits for the first attempt to commit and then gets its response.
    static func replay<Value>(_ db: Database, programId: String, _ idempotency: Idempotency<Value>) throws -> StoredResponse? {
        guard let row = try db.row("SELECT fingerprint, status, body FROM idempotency_keys WHERE program_id = ? AND key = ?",
                                   [programId, idempotency.key]) else { return nil }
        guard (row["fingerprint"] as String) == idempotency.fingerprint else { throw StoreError.idempotencyKeyReused(idempotency.key) }
        return StoredResponse(status: row["status"], body: row["body"])
    }

    /// Renders and stores the response of a fresh write in the same transaction.
    static func remember<Value>(_ db: Database, programId: String, _ idempotency: Idempotency<Value>?, _ value: Value,
                                now: Date) throws -> Idempotent<Value> {
        guard let idempotency else { return .fresh(value, nil) }
        let response = try idempotency.render(value)
        try db.run("INSERT INTO idempotency_keys (program_id, key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   [programId, idempotency.key, idempotency.fingerprint, response.status, response.body, now.millis])
        return .fresh(value, response)
    }
}
