import Foundation
import LaurelStore
import Testing

/// `laurel keys` and `laurel program apply` leave audit entries by `cli:<user>`, and a key's own rate
/// limit is set at creation, listed, and bounded.
@Suite struct CLIAuditTests {
    @Test func keysAndAppliesAreAuditedAndAKeyCarriesItsRateLimit() async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("laurel.db").path
        let program = folder.appendingPathComponent("program.yaml")
        try "name: P\ncurrency: EUR\nearning_rules: []\n".write(to: program, atomically: true, encoding: .utf8)
        let user = ["USER": "ops-anna"]
        #expect(try await LaurelCommand.run(["migrate", "--db", db]).status == 0)
        let apply = try await LaurelCommand.run(["program", "apply", "--program", "shop", program.path, "--db", db], environment: user)
        #expect(apply.status == 0, "\(apply.all)")

        let refused = try await LaurelCommand.run(["keys", "create", "--program", "shop", "--scope", "read", "--rate-limit", "0", "--db", db])
        #expect(refused.status != 0 && refused.all.contains("--rate-limit must be from 1"), "\(refused.all)")
        let create = try await LaurelCommand.run(["keys", "create", "--program", "shop", "--scope", "read", "--rate-limit", "5", "--db", db],
                                                 environment: user)
        #expect(create.status == 0, "\(create.all)")
        let keyId = try #require(create.output.split(separator: " ").dropFirst().first.map(String.init))
        let list = try await LaurelCommand.run(["keys", "list", "--db", db])
        #expect(list.output.contains("\(keyId)\tshop\tread\tactive\t") && list.output.contains("\t5/s\t"), "\(list.all)")
        #expect(try await LaurelCommand.run(["keys", "revoke", keyId, "--db", db], environment: user).status == 0)

        let store = try SQLiteStore(path: db)
        try await store.migrate()
        let entries = try await store.auditEntries(programId: "shop", filter: AuditFilter(), limit: 50, startingAfter: nil).items
        #expect(entries.map(\.action) == ["api_key.revoked", "api_key.created", "program.applied"])
        #expect(entries.allSatisfy { $0.actor == "cli:ops-anna" }, "\(entries.map(\.actor))")
        #expect(entries[1].after?.contains("\"rate_limit\":5") == true, "\(entries[1].after ?? "")")
        #expect(try await store.apiKeys(programId: "shop").first?.rateLimit == 5)
    }
}
