import Foundation
import LaurelStore

/// The databases store and HTTP tests run on: SQLite always, PostgreSQL when
/// `LAUREL_TEST_POSTGRES_URL` names a database (`.ci/postgres.sh start` provides one).
public enum TestBackend: String, Sendable, CaseIterable {
    case sqlite
    case postgres

    public static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["LAUREL_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// The backends available here; tests take these as arguments.
    public static var available: [TestBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A fresh, migrated, empty store: a new temporary SQLite file, or a new schema in the PostgreSQL test database.
    /// `faults`: what the simulation arms for its write transactions (see `StoreFaults`).
    public func makeStore(faults: StoreFaults? = nil) async throws -> any LaurelStore {
        switch self {
        case .sqlite:
            let path = sqliteTestFolder + "/\(UUID().uuidString).db"
            let store = try SQLiteStore(path: path, faults: faults)
            try await store.migrate()
            return store
        case .postgres:
            let store = try PostgresStore(url: try await Self.freshPostgresSchema(), faults: faults)
            Self.runPools(of: store)
            try await store.migrate()
            return store
        }
    }
}

extension TestBackend {
    /// Runs the store's connection pools (its read replica's too) until the store is released. Why: a
    /// pool left running kept its connections (up to 16 per store) until postgres-nio's 60 s idle
    /// timeout, and a full test run held ~165 at its peak (~110 with this), near a default `max_connections`.
    public static func runPools(of store: PostgresStore) {
        let client = store.client, replica = store.replica
        let pool = Task.immediate {
            await withDiscardingTaskGroup { group in
                if let replica { group.addTask { await replica.run() } }
                await client.run()  // in this task, so that it is running before the first query
            }
        }
        Task { [weak store] in
            while store != nil { try? await Task.sleep(for: .milliseconds(500)) }
            pool.cancel()
        }
    }
}

/// The test process's SQLite files, in one folder removed when the process exits (they used to pile
/// up in the temporary directory, thousands per run).
private let sqliteTestFolder: String = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-tests-\(ProcessInfo.processInfo.processIdentifier)").path
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: sqliteTestFolder) }
    return folder
}()

extension TestBackend {
    /// Creates an empty schema in the PostgreSQL test database and returns a URL that uses it.
    public static func freshPostgresSchema() async throws -> String {
        guard let base = postgresURL else { throw TestBackendError.postgresNotConfigured }
        let schema = "test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        let admin = try PostgresStore(url: base)
        let runner = Task.immediate { await admin.run() }
        defer { runner.cancel() }
        try await admin.client.query("CREATE SCHEMA \(unescaped: schema)")
        return base + (base.contains("?") ? "&" : "?") + "search_path=\(schema)"
    }
}

public enum TestBackendError: Error, CustomStringConvertible {
    case postgresNotConfigured
    public var description: String { "LAUREL_TEST_POSTGRES_URL is not set" }
}
