import LaurelStore
import LaurelTestSupport
import PostgresNIO
import Testing

/// Migrations on PostgreSQL take an advisory lock so that nodes starting together migrate once.
/// The lock is per schema: a migration holding it must not hold up migrations in other schemas
/// (the tests make a schema per store and migrate many at once; a node of the multi-node test
/// once waited behind them for minutes).
@Suite(.enabled(if: PostgresAvailability.isConfigured, Comment(rawValue: PostgresAvailability.skipReason)))
struct PostgresMigrationTests {
    @Test func migrationLockIsPerSchema() async throws {
        let schemaA = try await TestBackend.freshPostgresSchema()
        let (holder, secondInA, otherSchema) = (try PostgresStore(url: schemaA), try PostgresStore(url: schemaA),
                                                try PostgresStore(url: try await TestBackend.freshPostgresSchema()))
        let pools = [holder, secondInA, otherSchema].map { store in Task.immediate { await store.run() } }
        defer { pools.forEach { $0.cancel() } }
        try await holder.migrate()

        // A migration of schema A in progress: its lock held in an open transaction until `release`.
        let (held, heldSignal) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
        let holding = Task {
            try await holder.client.withConnection { connection in
                try await connection.query("BEGIN", logger: Self.logger)
                try await connection.query("SELECT pg_advisory_xact_lock(7305301, hashtext(current_schema()))", logger: Self.logger)
                heldSignal.yield()
                for await _ in release { break }
                try await connection.query("COMMIT", logger: Self.logger)
            }
        }
        for await _ in held { break }

        // Another node on schema A waits for it…
        let waiting = Task { try await secondInA.migrate() }
        let lockKey = "(classid, objid, objsubid) = (7305301, (hashtext(current_schema())::bigint & 4294967295)::oid, 2)"
        var queued = false
        for _ in 0..<200 where !queued {
            let rows = try await holder.client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND \(lockKey)"))
            for try await count in rows.decode(Int.self) { queued = count > 0 }
            if !queued { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(queued, "the second migration of schema A did not wait for the lock")

        // …while a migration of another schema goes through (with one lock for all schemas it would wait
        // until the release below, forever). The bound is generous: a fresh schema's migration took over
        // 30 s under the full suite's load.
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await otherSchema.migrate(); return true }
            group.addTask { try await Task.sleep(for: .seconds(300)); return false }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        #expect(finished, "the other schema's migration waited for schema A's lock")
        #expect(try await otherSchema.programs().isEmpty)

        releaseSignal.yield()
        try await holding.value
        try await waiting.value
        #expect(try await secondInA.programs().isEmpty)
    }

    static let logger = Logger(label: "laurel.tests.migration")
}
