import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    public func createWebhookEndpoint(_ endpoint: WebhookEndpointRecord,
                                      idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: endpoint.programId, idempotency, now: endpoint.createdAt, logger) {
                return .replayed(replay)
            }
            guard try await connection.row("SELECT id FROM programs WHERE id = \(endpoint.programId)", logger) != nil else {
                throw StoreError.notFound("program \(endpoint.programId)")
            }
            // From now on: messages of transactions still running may commit with lower sequence numbers
            // than those already visible, so the cursor starts at the oldest running transaction and
            // `from_seq` leaves out what was visible when the endpoint was created.
            try await connection.query("""
                INSERT INTO webhook_endpoints (id, program_id, url, description, types, requires_consent, enabled, disabled_reason, secret, cursor_xid,
                                               cursor_seq, from_seq, created_at, updated_at)
                SELECT \(endpoint.id), \(endpoint.programId), \(endpoint.url), \(endpoint.description), \(try JSONText.encode(endpoint.types)),
                       \(endpoint.requiresConsent), TRUE,
                       NULL, \(endpoint.secret), pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1, 0,
                       (SELECT coalesce(max(seq), 0) FROM outbox), \(endpoint.createdAt.millis), \(endpoint.updatedAt.millis)
                """, logger: logger)
            try await Self.appendAudit(connection, .webhookEndpoint(.webhookEndpointCreated, actor: actor, before: nil, after: endpoint,
                                                                    idempotencyKey: idempotency?.key, at: endpoint.createdAt), logger)
            return try await Self.remember(connection, programId: endpoint.programId, idempotency, endpoint, logger)
        }
    }

    public func webhookEndpoint(programId: String, id: String) async throws -> WebhookEndpointRecord? {
        try await read { connection in try await Self.fetchEndpoint(connection, programId: programId, id: id, logger) }
    }

    public func webhookEndpoints(programId: String, limit: Int, startingAfter: String?) async throws -> Page<WebhookEndpointRecord> {
        try await read { connection in
            let rows = try await connection.rows("""
                SELECT * FROM webhook_endpoints WHERE program_id = \(programId) AND id > \(startingAfter ?? "") ORDER BY id LIMIT \(limit + 1)
                """, logger)
            return Page(items: try rows.prefix(limit).map(Self.endpoint), hasMore: rows.count > limit)
        }
    }

    public func updateWebhookEndpoint(programId: String, id: String, patch: WebhookEndpointPatch, now: Date,
                                      idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard var endpoint = try await Self.fetchEndpoint(connection, programId: programId, id: id, lock: true, logger) else {
                throw StoreError.notFound("webhook endpoint \(id)")
            }
            let before = endpoint
            let enabling = endpoint.apply(patch, now: now)
            try await connection.query("""
                UPDATE webhook_endpoints SET url = \(endpoint.url), description = \(endpoint.description), types = \(try JSONText.encode(endpoint.types)),
                       requires_consent = \(endpoint.requiresConsent), enabled = \(endpoint.enabled), disabled_reason = \(endpoint.disabledReason), updated_at = \(now.millis),
                       failing_since = CASE WHEN \(enabling) THEN NULL ELSE failing_since END
                WHERE id = \(id)
                """, logger: logger)
            try await Self.appendAudit(connection, .webhookEndpoint(.webhookEndpointUpdated, actor: actor, before: before, after: endpoint,
                                                                    idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, endpoint, logger)
        }
    }

    public func deleteWebhookEndpoint(programId: String, id: String, now: Date,
                                      idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard let endpoint = try await Self.fetchEndpoint(connection, programId: programId, id: id, lock: true, logger) else {
                throw StoreError.notFound("webhook endpoint \(id)")
            }
            try await connection.query("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = \(id))",
                                       logger: logger)
            try await connection.query("DELETE FROM webhook_deliveries WHERE endpoint_id = \(id)", logger: logger)
            try await connection.query("DELETE FROM webhook_endpoints WHERE id = \(id)", logger: logger)
            try await Self.appendAudit(connection, .webhookEndpoint(.webhookEndpointDeleted, actor: actor, before: endpoint, after: nil,
                                                                    idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, endpoint, logger)
        }
    }

    public func rotateWebhookSecret(programId: String, id: String, secret: String, previousUntil: Date?, now: Date,
                                    idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard var endpoint = try await Self.fetchEndpoint(connection, programId: programId, id: id, lock: true, logger) else {
                throw StoreError.notFound("webhook endpoint \(id)")
            }
            let before = endpoint
            endpoint.rotate(to: secret, previousUntil: previousUntil, now: now)
            try await connection.query("""
                UPDATE webhook_endpoints SET secret = \(endpoint.secret), previous_secret = \(endpoint.previousSecret),
                       previous_secret_until = \(endpoint.previousSecretUntil?.millis), updated_at = \(now.millis)
                WHERE id = \(id)
                """, logger: logger)
            try await Self.appendAudit(connection, .webhookEndpoint(.webhookSecretRotated, actor: actor, before: before, after: endpoint,
                                                                    idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, endpoint, logger)
        }
    }

    public func webhookDeliveries(programId: String, endpointId: String, status: WebhookDeliveryStatus?, limit: Int,
                                  startingAfter: String?) async throws -> Page<WebhookDeliveryRecord> {
        try await snapshotRead { connection in
            guard try await Self.fetchEndpoint(connection, programId: programId, id: endpointId, logger) != nil else {
                throw StoreError.notFound("webhook endpoint \(endpointId)")
            }
            let rows = try await connection.rows("""
                SELECT * FROM webhook_deliveries
                WHERE endpoint_id = \(endpointId) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) AND id < \(startingAfter ?? "~")
                ORDER BY id DESC LIMIT \(limit + 1)
                """, logger)
            var page = try rows.prefix(limit).map(Self.delivery)
            let attempts = try await Self.attempts(connection, deliveryIds: page.map(\.id), logger)
            for index in page.indices { page[index].attempts = attempts[page[index].id] ?? [] }
            return Page(items: page, hasMore: rows.count > limit)
        }
    }

    public func replayWebhookDelivery(programId: String, endpointId: String, deliveryId: String, now: Date,
                                      idempotency: Idempotency<WebhookDeliveryRecord>?) async throws -> Idempotent<WebhookDeliveryRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard try await Self.fetchEndpoint(connection, programId: programId, id: endpointId, logger) != nil else {
                throw StoreError.notFound("webhook endpoint \(endpointId)")
            }
            let before = try await connection.row("SELECT * FROM webhook_deliveries WHERE id = \(deliveryId) AND endpoint_id = \(endpointId)", logger)
                .map(Self.delivery)
            guard let row = try await connection.row("""
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(now.millis), lease_until = NULL, round_attempts = 0,
                       first_attempt_at = NULL
                WHERE id = \(deliveryId) AND endpoint_id = \(endpointId) RETURNING *
                """, logger) else { throw StoreError.notFound("webhook delivery \(deliveryId)") }
            var delivery = try Self.delivery(row)
            delivery.attempts = try await Self.attempts(connection, deliveryIds: [deliveryId], logger)[deliveryId] ?? []
            try await Self.appendAudit(connection, .webhookDelivery(.webhookDeliveryReplayed, programId: programId, actor: actor, before: before,
                                                                    after: delivery, idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, delivery, logger)
        }
    }

    public func queueWebhookTest(programId: String, endpointId: String, deliveryId: String, messageId: String, payload: String,
                                 now: Date, idempotency: Idempotency<WebhookDeliveryRecord>?) async throws -> Idempotent<WebhookDeliveryRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard try await Self.fetchEndpoint(connection, programId: programId, id: endpointId, logger) != nil else {
                throw StoreError.notFound("webhook endpoint \(endpointId)")
            }
            guard let row = try await connection.row("""
                INSERT INTO webhook_deliveries (id, program_id, endpoint_id, message_id, message_seq, member_id, type, payload, message_created_at,
                                                status, next_attempt_at, created_at)
                VALUES (\(deliveryId), \(programId), \(endpointId), \(messageId), 0, NULL, \(MessageType.webhookTest), \(payload), \(now.millis), 'pending',
                        \(now.millis), \(now.millis))
                RETURNING *
                """, logger) else { throw StoreError.notFound("webhook delivery \(deliveryId)") }
            let delivery = try Self.delivery(row)
            try await Self.appendAudit(connection, .webhookDelivery(.webhookEndpointTested, programId: programId, actor: actor, before: nil,
                                                                    after: delivery, idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, delivery, logger)
        }
    }

    public func fanOutWebhookMessages(now: Date, batchSize: Int) async throws -> Int {
        // Only endpoints with a message past their cursor and the horizon: one index probe each, so that an
        // idle node takes no transaction and no row lock per endpoint every second.
        let endpoints = try await read { connection in
            try await connection.rows("""
                SELECT e.id FROM webhook_endpoints e
                WHERE e.enabled AND EXISTS (SELECT 1 FROM outbox o WHERE o.program_id = e.program_id AND (o.xid, o.seq) > (e.cursor_xid, e.cursor_seq)
                                                                   AND o.xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
                ORDER BY e.id
                """, logger).map { try $0.get("id", String.self) }
        }
        var most = 0
        for id in endpoints {
            let read = try await transaction { connection in try await self.fanOut(connection, endpointId: id, now: now, batchSize: batchSize) }
            most = max(most, read)
        }
        return most
    }

    /// One endpoint's fan-out, under its row lock (another node doing the same endpoint is skipped).
    ///
    /// Sequence numbers are taken when a row is inserted, not when it commits: a message with a lower
    /// number can become visible after one with a higher number. So the cursor runs over (writing
    /// transaction id, sequence), and only over transactions older than every one still running
    /// (`pg_snapshot_xmin`): their messages are all visible and no new one can appear below the cursor.
    private func fanOut(_ connection: PostgresConnection, endpointId: String, now: Date, batchSize: Int) async throws -> Int {
        guard let endpoint = try await connection.row("""
            SELECT program_id, types, requires_consent, cursor_xid, cursor_seq, from_seq FROM webhook_endpoints
            WHERE id = \(endpointId) AND enabled FOR UPDATE SKIP LOCKED
            """, logger) else { return 0 }
        let programId: String = try endpoint.get("program_id")
        let types = try JSONText.decode([String].self, try endpoint.get("types"))
        let fromSeq: Int64 = try endpoint.get("from_seq")
        let messages = try await connection.rows("""
            SELECT seq, id, type, member_id, created_at, xid FROM outbox
            WHERE program_id = \(programId) AND (xid, seq) > (\(try endpoint.get("cursor_xid", Int64.self)), \(try endpoint.get("cursor_seq", Int64.self)))
              AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
            ORDER BY xid, seq LIMIT \(batchSize)
            """, logger)
        guard let last = messages.last else { return 0 }
        // The batch's members who have granted the consent the endpoint requires, in one read.
        var consenting: [String: Set<String>] = [:]
        let consent = try endpoint.get("requires_consent", String?.self)
        if let consent {
            let batchMembers = Array(Set(try messages.compactMap { try $0.get("member_id", String?.self) }))
            consenting[consent] = Set(try await connection.rows("""
                SELECT c.member_id FROM member_consents c
                WHERE c.program_id = \(programId) AND c.member_id = ANY(\(batchMembers)::text[]) AND c.name = \(consent) AND \(unescaped: Consents.grantedNow)
                """, logger).map { try $0.get("member_id", String.self) })
        }
        var ids: [String] = [], messageIds: [String] = [], seqs: [Int64] = [], members: [String] = [], kinds: [String] = [], written: [Int64] = []
        for message in messages {
            let seq: Int64 = try message.get("seq"), type: String = try message.get("type")
            guard seq > fromSeq, WebhookEndpointRecord.subscribes(types, to: type),
                  WebhookEndpointRecord.reaches(try message.get("member_id", String?.self), requiring: consent, consenting: consenting) else { continue }
            ids.append(Identifiers.make("whd", now: now))
            messageIds.append(try message.get("id"))
            seqs.append(seq)
            members.append(try message.get("member_id", String?.self) ?? "")
            kinds.append(type)
            written.append(try message.get("created_at"))
        }
        if !ids.isEmpty {
            try await connection.query("""
                INSERT INTO webhook_deliveries (id, program_id, endpoint_id, message_id, message_seq, member_id, type, message_created_at,
                                                status, next_attempt_at, created_at)
                SELECT u.id, \(programId), \(endpointId), u.message_id, u.seq, nullif(u.member_id, ''), u.type, u.written, 'pending', \(now.millis), \(now.millis)
                FROM unnest(\(ids)::text[], \(messageIds)::text[], \(seqs)::bigint[], \(members)::text[], \(kinds)::text[], \(written)::bigint[])
                     AS u(id, message_id, seq, member_id, type, written)
                ON CONFLICT (endpoint_id, message_id) DO NOTHING
                """, logger: logger)
        }
        try await connection.query("""
            UPDATE webhook_endpoints SET cursor_xid = \(try last.get("xid", Int64.self)), cursor_seq = \(try last.get("seq", Int64.self)) WHERE id = \(endpointId)
            """, logger: logger)
        return messages.count
    }

    public func claimWebhookDeliveries(now: Date, lease: TimeInterval, limit: Int) async throws -> [WebhookDispatch] {
        let leaseUntil = now.addingTimeInterval(lease)
        return try await transaction { connection in
            let claimed = try await connection.rows("""
                WITH due AS (
                    SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                    WHERE d.status = 'pending' AND d.next_attempt_at <= \(now.millis) AND (d.lease_until IS NULL OR d.lease_until <= \(now.millis))
                      AND e.enabled
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.member_id = d.member_id
                                      AND p.status = 'pending' AND p.message_seq < d.message_seq)
                    ORDER BY d.next_attempt_at, d.message_seq LIMIT \(limit)
                    FOR UPDATE OF d SKIP LOCKED
                )
                UPDATE webhook_deliveries w SET lease_until = \(leaseUntil.millis) FROM due WHERE w.id = due.id RETURNING w.id
                """, logger).map { try $0.get("id", String.self) }
            guard !claimed.isEmpty else { return [] }
            let rows = try await connection.rows("""
                SELECT d.id, d.endpoint_id, d.program_id, d.message_id, d.type, coalesce(d.payload, o.payload) AS body, d.message_created_at,
                       d.round_attempts, d.first_attempt_at, e.url, e.secret, e.previous_secret, e.previous_secret_until
                FROM webhook_deliveries d
                JOIN webhook_endpoints e ON e.id = d.endpoint_id
                LEFT JOIN outbox o ON o.seq = d.message_seq AND d.payload IS NULL
                WHERE d.id = ANY(\(claimed)::text[])
                ORDER BY d.next_attempt_at, d.message_seq
                """, logger)
            return try rows.map { row in
                let secrets = WebhookEndpointRecord.signingSecrets(secret: try row.get("secret"), previousSecret: try row.get("previous_secret", String?.self),
                                                                   previousSecretUntil: try row.optionalDate("previous_secret_until"), at: now)
                return WebhookDispatch(deliveryId: try row.get("id"), endpointId: try row.get("endpoint_id"), programId: try row.get("program_id"),
                                       url: try row.get("url"), secrets: secrets, messageId: try row.get("message_id"), type: try row.get("type"),
                                       payload: try row.get("body", String?.self) ?? "{}", messageCreatedAt: try row.date("message_created_at"),
                                       roundAttempts: Int(try row.get("round_attempts", Int64.self)), firstAttemptAt: try row.optionalDate("first_attempt_at"),
                                       leaseUntil: leaseUntil)
            }
        }
    }

    public func recordWebhookAttempts(_ results: [WebhookAttemptResult], schedule: WebhookRetrySchedule) async throws {
        guard !results.isEmpty else { return }
        try await transaction { connection in
            for result in results {
                let dispatch = result.dispatch, attempt = result.attempt, (status, next) = result.delivery
                let updated = try await connection.rows("""
                    UPDATE webhook_deliveries SET status = \(status.rawValue), next_attempt_at = \(next?.millis), lease_until = NULL,
                           attempts = attempts + 1, round_attempts = round_attempts + 1, first_attempt_at = \(result.firstAttemptAt.millis)
                    WHERE id = \(dispatch.deliveryId) AND lease_until = \(dispatch.leaseUntil.millis) RETURNING id
                    """, logger)
                guard !updated.isEmpty else { continue }
                try await connection.query("""
                    INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms, response_body)
                    VALUES (\(dispatch.deliveryId), \(attempt.at.millis), \(attempt.statusCode), \(attempt.error), \(attempt.durationMillis),
                            \(attempt.responseBody))
                    """, logger: logger)
                if attempt.succeeded {
                    try await connection.query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = \(dispatch.endpointId) AND failing_since IS NOT NULL",
                                               logger: logger)
                    continue
                }
                guard let endpoint = try await connection.row("""
                    UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, \(attempt.at.millis)) WHERE id = \(dispatch.endpointId)
                    RETURNING enabled, failing_since, url
                    """, logger),
                    let disabling = WebhookDisabling.after(result, enabled: try endpoint.get("enabled"), failingSince: try endpoint.optionalDate("failing_since"),
                                                           url: try endpoint.get("url"), schedule: schedule) else { continue }
                try await connection.query("""
                    UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = \(disabling.reason), updated_at = \(attempt.at.millis)
                    WHERE id = \(dispatch.endpointId)
                    """, logger: logger)
                try await Self.emit(connection, programId: dispatch.programId, type: MessageType.webhookEndpointDisabled, memberId: nil,
                                    payload: disabling.payload, now: attempt.at, logger)
            }
        }
    }

    /// Appends messages to the outbox as the loyalty writes do, for tests and benchmarks of delivery.
    @_spi(Testing) public func appendOutboxMessages(programId: String, _ messages: [(type: String, memberId: String?, payload: String)],
                                                    now: Date) async throws {
        try await transaction { connection in
            for message in messages {
                try await Self.emit(connection, programId: programId, type: message.type, memberId: message.memberId, payloadJSON: message.payload,
                                    now: now, logger)
            }
        }
    }

    // MARK: Rows

    static func fetchEndpoint(_ connection: PostgresConnection, programId: String, id: String, lock: Bool = false,
                              _ logger: Logger) async throws -> WebhookEndpointRecord? {
        let row = lock
            ? try await connection.row("SELECT * FROM webhook_endpoints WHERE program_id = \(programId) AND id = \(id) FOR UPDATE", logger)
            : try await connection.row("SELECT * FROM webhook_endpoints WHERE program_id = \(programId) AND id = \(id)", logger)
        return try row.map(endpoint)
    }

    static func endpoint(_ row: PostgresRandomAccessRow) throws -> WebhookEndpointRecord {
        WebhookEndpointRecord(id: try row.get("id"), programId: try row.get("program_id"), url: try row.get("url"),
                              description: try row.get("description", String?.self), types: try JSONText.decode([String].self, try row.get("types")),
                              requiresConsent: try row.get("requires_consent", String?.self),
                              enabled: try row.get("enabled"), disabledReason: try row.get("disabled_reason", String?.self), secret: try row.get("secret"),
                              previousSecret: try row.get("previous_secret", String?.self), previousSecretUntil: try row.optionalDate("previous_secret_until"),
                              createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }

    static func delivery(_ row: PostgresRandomAccessRow) throws -> WebhookDeliveryRecord {
        WebhookDeliveryRecord(id: try row.get("id"), endpointId: try row.get("endpoint_id"), messageId: try row.get("message_id"), type: try row.get("type"),
                              memberId: try row.get("member_id", String?.self),
                              status: WebhookDeliveryStatus(rawValue: try row.get("status")) ?? .pending, attemptCount: Int(try row.get("attempts", Int64.self)),
                              nextAttemptAt: try row.optionalDate("next_attempt_at"), createdAt: try row.date("created_at"), attempts: [])
    }

    static func attempts(_ connection: PostgresConnection, deliveryIds: [String], _ logger: Logger) async throws -> [String: [WebhookAttemptRecord]] {
        guard !deliveryIds.isEmpty else { return [:] }
        var attempts: [String: [WebhookAttemptRecord]] = [:]
        for row in try await connection.rows("SELECT * FROM webhook_attempts WHERE delivery_id = ANY(\(deliveryIds)::text[]) ORDER BY seq", logger) {
            let deliveryId: String = try row.get("delivery_id")
            attempts[deliveryId, default: []].append(WebhookAttemptRecord(
                at: try row.date("attempted_at"), statusCode: try row.get("status_code", Int64?.self).map { Int($0) }, error: try row.get("error", String?.self),
                durationMillis: Int(try row.get("duration_ms", Int64.self)), responseBody: try row.get("response_body", String?.self)))
        }
        return attempts
    }
}
