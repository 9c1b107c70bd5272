import LaurelStore
import LaurelTestSupport
import Testing

/// Says, as a skipped test, when the PostgreSQL variants of the HTTP tests did not run.
@Test(.enabled(if: PostgresAvailability.isConfigured, Comment(rawValue: PostgresAvailability.skipReason)))
func httpTestsAlsoRunOnPostgreSQL() async throws {
    #expect(TestBackend.available.contains(.postgres))
    let fixture = try await HTTPFixture.make(.postgres)
    #expect(try await fixture.store.programs().map(\.id) == ["prg_a", "prg_b"])
}
