import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// Claims an idempotency key for this transaction, or returns the response of the request
    /// that used it first. A concurrent transaction holding the same key (on any node) makes the
    /// insert wait until it commits, so the retry then replays its response.
    static func claim<Value>(_ connection: PostgresConnection, programId: String, _ idempotency: Idempotency<Value>, now: Date,
                             _ logger: Logger) async throws -> StoredResponse? {
        let claimed = try await connection.rows(IdempotencySQL.Claim.self, logger) {
            $0.append(programId); $0.append(idempotency.key); $0.append(idempotency.fingerprint); try $0.append(Data()); $0.append(now.millis)
        }
        if !claimed.isEmpty { return nil }
        return try await storedResponse(connection, programId: programId, idempotency, logger)
    }

    /// The response of the request that used the key first (after a claim found it taken), or a
    /// refusal when this request is another one under the same key.
    static func storedResponse<Value>(_ connection: PostgresConnection, programId: String, _ idempotency: Idempotency<Value>,
                                      _ logger: Logger) async throws -> StoredResponse? {
        guard let row = try await connection.row("""
            SELECT fingerprint, status, body FROM idempotency_keys WHERE program_id = \(programId) AND key = \(idempotency.key)
            """, logger) else { return nil }
        guard try row.get("fingerprint", String.self) == idempotency.fingerprint else { throw StoreError.idempotencyKeyReused(idempotency.key) }
        return StoredResponse(status: try row.get("status"), body: try row.get("body", Data.self))
    }

    /// Stores the response of a fresh write under its claimed key, in the same transaction.
    static func remember<Value>(_ connection: PostgresConnection, programId: String, _ idempotency: Idempotency<Value>?, _ value: Value,
                                _ logger: Logger) async throws -> Idempotent<Value> {
        guard let idempotency else { return .fresh(value, nil) }
        let response = try idempotency.render(value)
        try await connection.run(IdempotencySQL.Remember.self, logger) {
            $0.append(response.status); try $0.append(response.body); $0.append(programId); $0.append(idempotency.key)
        }
        return .fresh(value, response)
    }
}
