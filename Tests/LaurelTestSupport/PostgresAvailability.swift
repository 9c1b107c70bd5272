import Foundation

/// Whether the PostgreSQL variants of the tests run here, and why not when they do not.
public enum PostgresAvailability {
    public static var isConfigured: Bool { TestBackend.postgresURL != nil }
    public static let skipReason = "LAUREL_TEST_POSTGRES_URL is not set: the PostgreSQL variants of the store and HTTP tests are skipped"
}
