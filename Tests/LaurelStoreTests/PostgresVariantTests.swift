import LaurelStore
import LaurelTestSupport
import Testing

/// Says, as a skipped test, when the PostgreSQL variants of the store tests did not run.
@Test(.enabled(if: PostgresAvailability.isConfigured, Comment(rawValue: PostgresAvailability.skipReason)))
func storeTestsAlsoRunOnPostgreSQL() async throws {
    #expect(TestBackend.available.contains(.postgres))
    let store = try await TestBackend.postgres.makeStore()
    #expect(try await store.programs().isEmpty)
}
