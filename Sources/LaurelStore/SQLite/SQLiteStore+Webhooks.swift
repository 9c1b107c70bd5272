import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func createWebhookEndpoint(_ endpoint: WebhookEndpointRecord,
                                      idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: endpoint.programId, idempotency) { return .replayed(replay) }
            guard try db.row("SELECT id FROM programs WHERE id = ?", [endpoint.programId]) != nil else {
                throw StoreError.notFound("program \(endpoint.programId)")
            }
            // Writes are serialised: every message committed so far has a sequence number up to this one.
            let last: Int64 = try db.row("SELECT coalesce(max(seq), 0) AS last FROM outbox")?["last"] ?? 0
            // `cursor_xid` (PostgreSQL's) keeps its default 0 here and is never read; `from_seq` is never read here
            // either (the cursor starts at the last message) but is NOT NULL without a default since v10, and
            // dropping either would rebuild the table for nothing read or written in a loop.
            try db.run("""
                INSERT INTO webhook_endpoints (id, program_id, url, description, types, requires_consent, enabled, disabled_reason, secret, cursor_seq,
                                               from_seq, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, ?, ?, ?)
                """, [endpoint.id, endpoint.programId, endpoint.url, endpoint.description, try JSONText.encode(endpoint.types), endpoint.requiresConsent,
                      endpoint.secret, last, last, endpoint.createdAt.millis, endpoint.updatedAt.millis])
            try Self.appendAudit(db, .webhookEndpoint(.webhookEndpointCreated, actor: actor, before: nil, after: endpoint,
                                                      idempotencyKey: idempotency?.key, at: endpoint.createdAt))
            return try Self.remember(db, programId: endpoint.programId, idempotency, endpoint, now: endpoint.createdAt)
        }
    }

    public func webhookEndpoint(programId: String, id: String) async throws -> WebhookEndpointRecord? {
        try await read { db in try Self.fetchEndpoint(db, programId: programId, id: id) }
    }

    public func webhookEndpoints(programId: String, limit: Int, startingAfter: String?) async throws -> Page<WebhookEndpointRecord> {
        try await read { db in
            let rows = try db.rows("SELECT * FROM webhook_endpoints WHERE program_id = ? AND id > ? ORDER BY id LIMIT ?",
                                   [programId, startingAfter ?? "", limit + 1], Self.endpoint)
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func updateWebhookEndpoint(programId: String, id: String, patch: WebhookEndpointPatch, now: Date,
                                      idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard var endpoint = try Self.fetchEndpoint(db, programId: programId, id: id) else { throw StoreError.notFound("webhook endpoint \(id)") }
            let before = endpoint
            let enabling = endpoint.apply(patch, now: now)
            try db.run("""
                UPDATE webhook_endpoints SET url = ?, description = ?, types = ?, requires_consent = ?, enabled = ?, disabled_reason = ?, updated_at = ?,
                       failing_since = CASE WHEN ? THEN NULL ELSE failing_since END
                WHERE id = ?
                """, [endpoint.url, endpoint.description, try JSONText.encode(endpoint.types), endpoint.requiresConsent, endpoint.enabled,
                      endpoint.disabledReason, now.millis, enabling, id])
            try Self.appendAudit(db, .webhookEndpoint(.webhookEndpointUpdated, actor: actor, before: before, after: endpoint,
                                                      idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, endpoint, now: now)
        }
    }

    public func deleteWebhookEndpoint(programId: String, id: String, now: Date,
                                      idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let endpoint = try Self.fetchEndpoint(db, programId: programId, id: id) else { throw StoreError.notFound("webhook endpoint \(id)") }
            try Self.appendAudit(db, .webhookEndpoint(.webhookEndpointDeleted, actor: actor, before: endpoint, after: nil,
                                                      idempotencyKey: idempotency?.key, at: now))
            try db.run("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)", [id])
            try db.run("DELETE FROM webhook_deliveries WHERE endpoint_id = ?", [id])
            try db.run("DELETE FROM webhook_endpoints WHERE id = ?", [id])
            return try Self.remember(db, programId: programId, idempotency, endpoint, now: now)
        }
    }

    public func rotateWebhookSecret(programId: String, id: String, secret: String, previousUntil: Date?, now: Date,
                                    idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard var endpoint = try Self.fetchEndpoint(db, programId: programId, id: id) else { throw StoreError.notFound("webhook endpoint \(id)") }
            let before = endpoint
            endpoint.rotate(to: secret, previousUntil: previousUntil, now: now)
            try db.run("UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ?, updated_at = ? WHERE id = ?",
                       [endpoint.secret, endpoint.previousSecret, endpoint.previousSecretUntil?.millis, now.millis, id])
            try Self.appendAudit(db, .webhookEndpoint(.webhookSecretRotated, actor: actor, before: before, after: endpoint,
                                                      idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, endpoint, now: now)
        }
    }

    public func webhookDeliveries(programId: String, endpointId: String, status: WebhookDeliveryStatus?, limit: Int,
                                  startingAfter: String?) async throws -> Page<WebhookDeliveryRecord> {
        try await read { db in
            guard try Self.fetchEndpoint(db, programId: programId, id: endpointId) != nil else { throw StoreError.notFound("webhook endpoint \(endpointId)") }
            let rows = try db.rows("""
                SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND (? IS NULL OR status = ?) AND id < ? ORDER BY id DESC LIMIT ?
                """, [endpointId, status?.rawValue, status?.rawValue, startingAfter ?? "~", limit + 1], Self.delivery)
            var page = Array(rows.prefix(limit))
            let attempts = try Self.attempts(db, deliveryIds: page.map(\.id))
            for index in page.indices { page[index].attempts = attempts[page[index].id] ?? [] }
            return Page(items: page, hasMore: rows.count > limit)
        }
    }

    public func replayWebhookDelivery(programId: String, endpointId: String, deliveryId: String, now: Date,
                                      idempotency: Idempotency<WebhookDeliveryRecord>?) async throws -> Idempotent<WebhookDeliveryRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard try Self.fetchEndpoint(db, programId: programId, id: endpointId) != nil else { throw StoreError.notFound("webhook endpoint \(endpointId)") }
            let before = try Self.fetchDelivery(db, endpointId: endpointId, id: deliveryId)
            try db.run("""
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, lease_until = NULL, round_attempts = 0, first_attempt_at = NULL
                WHERE id = ? AND endpoint_id = ?
                """, [now.millis, deliveryId, endpointId])
            guard db.changesCount > 0, var delivery = try Self.fetchDelivery(db, endpointId: endpointId, id: deliveryId) else {
                throw StoreError.notFound("webhook delivery \(deliveryId)")
            }
            delivery.attempts = try Self.attempts(db, deliveryIds: [deliveryId])[deliveryId] ?? []
            try Self.appendAudit(db, .webhookDelivery(.webhookDeliveryReplayed, programId: programId, actor: actor, before: before, after: delivery,
                                                      idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, delivery, now: now)
        }
    }

    public func queueWebhookTest(programId: String, endpointId: String, deliveryId: String, messageId: String, payload: String,
                                 now: Date, idempotency: Idempotency<WebhookDeliveryRecord>?) async throws -> Idempotent<WebhookDeliveryRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard try Self.fetchEndpoint(db, programId: programId, id: endpointId) != nil else { throw StoreError.notFound("webhook endpoint \(endpointId)") }
            try db.run("""
                INSERT INTO webhook_deliveries (id, program_id, endpoint_id, message_id, message_seq, member_id, type, payload, message_created_at,
                                                status, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, 0, NULL, ?, ?, ?, 'pending', ?, ?)
                """, [deliveryId, programId, endpointId, messageId, MessageType.webhookTest, payload, now.millis, now.millis, now.millis])
            guard let delivery = try Self.fetchDelivery(db, endpointId: endpointId, id: deliveryId) else { throw StoreError.notFound("webhook delivery \(deliveryId)") }
            try Self.appendAudit(db, .webhookDelivery(.webhookEndpointTested, programId: programId, actor: actor, before: nil, after: delivery,
                                                      idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, delivery, now: now)
        }
    }

    /// Per program: the outbox read once from its endpoints' earliest cursor, every endpoint's deliveries
    /// inserted with one statement, and every cursor moved with one more.
    public func fanOutWebhookMessages(now: Date, batchSize: Int) async throws -> Int {
        try await write { db in
            let endpoints = try db.rows("SELECT id, program_id, types, requires_consent, cursor_seq FROM webhook_endpoints WHERE enabled = 1 ORDER BY id",
                                        []) { row in
                (id: row["id"] as String, programId: row["program_id"] as String, types: try JSONText.decode([String].self, row["types"]),
                 consent: row["requires_consent"] as String?, cursor: row["cursor_seq"] as Int64)
            }
            var most = 0
            for (programId, subscribers) in Dictionary(grouping: endpoints, by: { $0.programId }) {
                let from = subscribers.map { $0.cursor }.min() ?? 0
                let messages = try db.rows("SELECT seq, id, type, member_id, created_at FROM outbox WHERE program_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                                           [programId, from, batchSize]) { row in
                    (seq: row["seq"] as Int64, id: row["id"] as String, type: row["type"] as String, memberId: row["member_id"] as String?,
                     createdAt: row["created_at"] as Int64)
                }
                guard let last = messages.last?.seq else { continue }
                most = max(most, messages.count)
                // Per consent some endpoint requires: the batch's members who have granted it, in one read.
                var consenting: [String: Set<String>] = [:]
                for name in Set(subscribers.compactMap(\.consent)) {
                    let members = try JSONText.encode(Array(Set(messages.compactMap(\.memberId))))
                    consenting[name] = Set(try db.rows("""
                        SELECT c.member_id FROM member_consents c
                        WHERE c.program_id = ? AND c.member_id IN (SELECT value FROM json_each(?)) AND c.name = ? AND \(Consents.grantedNow)
                        """, [programId, members, name]) { $0[0] as String })
                }
                // [id, endpoint, message, seq, member, type, written] per delivery.
                var deliveries = JSONTextWriter()
                deliveries.beginArray()
                for endpoint in subscribers {
                    for message in messages where message.seq > endpoint.cursor && WebhookEndpointRecord.subscribes(endpoint.types, to: message.type)
                        && WebhookEndpointRecord.reaches(message.memberId, requiring: endpoint.consent, consenting: consenting) {
                        deliveries.element()
                        deliveries.beginArray()
                        for text in [Identifiers.make("whd", now: now), endpoint.id, message.id] {
                            deliveries.element()
                            deliveries.string(text)
                        }
                        deliveries.element()
                        deliveries.int(Int(message.seq))
                        deliveries.element()
                        if let member = message.memberId { deliveries.string(member) } else { deliveries.raw("null") }
                        deliveries.element()
                        deliveries.string(message.type)
                        deliveries.element()
                        deliveries.int(Int(message.createdAt))
                        deliveries.endArray()
                    }
                }
                deliveries.endArray()
                try db.run("""
                    INSERT INTO webhook_deliveries (id, program_id, endpoint_id, message_id, message_seq, member_id, type, message_created_at,
                                                    status, next_attempt_at, created_at)
                    SELECT json_extract(value, '$[0]'), ?, json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
                           json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]'), 'pending', ?, ?
                    FROM json_each(?) WHERE true
                    ON CONFLICT (endpoint_id, message_id) DO NOTHING
                    """, [programId, now.millis, now.millis, deliveries.text])
                try db.run("UPDATE webhook_endpoints SET cursor_seq = max(cursor_seq, ?) WHERE id IN (SELECT value FROM json_each(?))",
                           [last, try JSONText.encode(subscribers.map { $0.id })])
            }
            return most
        }
    }

    public func claimWebhookDeliveries(now: Date, lease: TimeInterval, limit: Int) async throws -> [WebhookDispatch] {
        let leaseUntil = now.addingTimeInterval(lease)
        return try await write { db in
            let dispatches = try db.rows("""
                SELECT d.id, d.endpoint_id, d.program_id, d.message_id, d.type, coalesce(d.payload, o.payload) AS body, d.message_created_at,
                       d.round_attempts, d.first_attempt_at, e.url, e.secret, e.previous_secret, e.previous_secret_until
                FROM webhook_deliveries d
                JOIN webhook_endpoints e ON e.id = d.endpoint_id
                LEFT JOIN outbox o ON o.seq = d.message_seq AND d.payload IS NULL
                WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?) AND e.enabled = 1
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.member_id = d.member_id
                                  AND p.status = 'pending' AND p.message_seq < d.message_seq)
                ORDER BY d.next_attempt_at, d.message_seq LIMIT ?
                """, [now.millis, now.millis, limit]) { row in
                Self.dispatch(row, now: now, leaseUntil: leaseUntil)
            }
            if !dispatches.isEmpty {
                try db.run("UPDATE webhook_deliveries SET lease_until = ? WHERE id IN (SELECT value FROM json_each(?))",
                           [leaseUntil.millis, try JSONText.encode(dispatches.map(\.deliveryId))])
            }
            return dispatches
        }
    }

    public func recordWebhookAttempts(_ results: [WebhookAttemptResult], schedule: WebhookRetrySchedule) async throws {
        guard !results.isEmpty else { return }
        try await write { db in
            for result in results {
                let dispatch = result.dispatch, attempt = result.attempt, (status, next) = result.delivery
                try db.run("""
                    UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, lease_until = NULL, attempts = attempts + 1,
                           round_attempts = round_attempts + 1, first_attempt_at = ?
                    WHERE id = ? AND lease_until = ?
                    """, [status.rawValue, next?.millis, result.firstAttemptAt.millis, dispatch.deliveryId, dispatch.leaseUntil.millis])
                guard db.changesCount > 0 else { continue }
                try db.run("""
                    INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms, response_body) VALUES (?, ?, ?, ?, ?, ?)
                    """, [dispatch.deliveryId, attempt.at.millis, attempt.statusCode, attempt.error, attempt.durationMillis, attempt.responseBody])
                if attempt.succeeded {
                    try db.run("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", [dispatch.endpointId])
                    continue
                }
                try db.run("UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, ?) WHERE id = ?", [attempt.at.millis, dispatch.endpointId])
                guard let endpoint = try db.row("SELECT enabled, failing_since, url FROM webhook_endpoints WHERE id = ?", [dispatch.endpointId]),
                      let disabling = WebhookDisabling.after(result, enabled: endpoint["enabled"], failingSince: (endpoint["failing_since"] as Int64?).map(Date.init(millis:)),
                                                             url: endpoint["url"], schedule: schedule) else { continue }
                try db.run("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?",
                           [disabling.reason, attempt.at.millis, dispatch.endpointId])
                try Self.emit(db, programId: dispatch.programId, type: MessageType.webhookEndpointDisabled, memberId: nil, payload: disabling.payload,
                              now: attempt.at)
            }
        }
    }

    /// Appends messages to the outbox as the loyalty writes do, for tests and benchmarks of delivery.
    @_spi(Testing) public func appendOutboxMessages(programId: String, _ messages: [(type: String, memberId: String?, payload: String)],
                                                    now: Date) async throws {
        try await write { db in
            for message in messages {
                try Self.emit(db, programId: programId, type: message.type, memberId: message.memberId, payloadJSON: message.payload, now: now)
            }
        }
    }

    // MARK: Rows

    static func fetchEndpoint(_ db: Database, programId: String, id: String) throws -> WebhookEndpointRecord? {
        try db.row("SELECT * FROM webhook_endpoints WHERE program_id = ? AND id = ?", [programId, id], endpoint)
    }

    static func endpoint(_ row: Row) throws -> WebhookEndpointRecord {
        WebhookEndpointRecord(id: row["id"], programId: row["program_id"], url: row["url"], description: row["description"],
                              types: try JSONText.decode([String].self, row["types"]), requiresConsent: row["requires_consent"], enabled: row["enabled"],
                              disabledReason: row["disabled_reason"],
                              secret: row["secret"], previousSecret: row["previous_secret"],
                              previousSecretUntil: (row["previous_secret_until"] as Int64?).map(Date.init(millis:)),
                              createdAt: Date(millis: row["created_at"]), updatedAt: Date(millis: row["updated_at"]))
    }

    static func fetchDelivery(_ db: Database, endpointId: String, id: String) throws -> WebhookDeliveryRecord? {
        try db.row("SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND id = ?", [endpointId, id], delivery)
    }

    static func delivery(_ row: Row) -> WebhookDeliveryRecord {
        WebhookDeliveryRecord(id: row["id"], endpointId: row["endpoint_id"], messageId: row["message_id"], type: row["type"], memberId: row["member_id"],
                              status: WebhookDeliveryStatus(rawValue: row["status"]) ?? .pending, attemptCount: row["attempts"],
                              nextAttemptAt: (row["next_attempt_at"] as Int64?).map(Date.init(millis:)), createdAt: Date(millis: row["created_at"]),
                              attempts: [])
    }

    /// The attempts of each delivery, oldest first, read with one statement.
    static func attempts(_ db: Database, deliveryIds: [String]) throws -> [String: [WebhookAttemptRecord]] {
        guard !deliveryIds.isEmpty else { return [:] }
        let rows = try db.rows("SELECT * FROM webhook_attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
                               [try JSONText.encode(deliveryIds)]) { row in
            (row["delivery_id"] as String, WebhookAttemptRecord(at: Date(millis: row["attempted_at"]), statusCode: row["status_code"], error: row["error"],
                                                                durationMillis: row["duration_ms"], responseBody: row["response_body"]))
        }
        var attempts: [String: [WebhookAttemptRecord]] = [:]
        for (deliveryId, attempt) in rows { attempts[deliveryId, default: []].append(attempt) }
        return attempts
    }

    static func dispatch(_ row: Row, now: Date, leaseUntil: Date) -> WebhookDispatch {
        let secrets = WebhookEndpointRecord.signingSecrets(secret: row["secret"], previousSecret: row["previous_secret"],
                                                           previousSecretUntil: (row["previous_secret_until"] as Int64?).map(Date.init(millis:)), at: now)
        return WebhookDispatch(deliveryId: row["id"], endpointId: row["endpoint_id"], programId: row["program_id"], url: row["url"], secrets: secrets,
                               messageId: row["message_id"], type: row["type"], payload: row["body"] as String? ?? "{}",
                               messageCreatedAt: Date(millis: row["message_created_at"]), roundAttempts: row["round_attempts"],
                               firstAttemptAt: (row["first_attempt_at"] as Int64?).map(Date.init(millis:)), leaseUntil: leaseUntil)
    }
}
