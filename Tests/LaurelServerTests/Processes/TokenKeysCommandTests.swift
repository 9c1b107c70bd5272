import Foundation
import Testing

/// `laurel token-keys list|rotate`: the keys of a program's member tokens, from the command line.
struct TokenKeysCommandTests {
    @Test func rotateMakesANewSigningKeyAndRevokePreviousExpiresTheOthers() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-token-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("laurel.db").path
        let program = folder.appendingPathComponent("program.yaml")
        try "name: Shop\ncurrency: EUR\n".write(to: program, atomically: true, encoding: .utf8)
        #expect(try await LaurelCommand.run(["migrate", "--db", db]).status == 0)
        let applied = try await LaurelCommand.run(["program", "apply", "--db", db, "--program", "shop", program.path])
        #expect(applied.status == 0, "\(applied.all)")

        let first = try await LaurelCommand.run(["token-keys", "rotate", "--db", db, "--program", "shop"])
        #expect(first.status == 0, "\(first.all)")
        let second = try await LaurelCommand.run(["token-keys", "rotate", "--db", db, "--program", "shop"])
        let lines = second.output.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains("\tsigning\t") && lines[1].contains("\tverifying\t"), "\(second.all)")
        #expect(!second.all.contains("secret"))
        let revoked = try await LaurelCommand.run(["token-keys", "rotate", "--db", db, "--program", "shop", "--revoke-previous"])
        let statuses = revoked.output.split(separator: "\n").map { $0.split(separator: "\t")[1] }
        #expect(statuses == ["signing", "expired", "expired"], "\(revoked.all)")
        let listed = try await LaurelCommand.run(["token-keys", "list", "--db", db, "--program", "shop"])
        #expect(listed.output == revoked.output, "\(listed.all)")
        let unknown = try await LaurelCommand.run(["token-keys", "rotate", "--db", db, "--program", "none"])
        #expect(unknown.status != 0 && unknown.errors.contains("no program none"), "\(unknown.all)")
    }
}
