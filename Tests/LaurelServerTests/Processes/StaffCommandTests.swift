import Foundation
import Testing

/// `laurel staff create|list|password-link`: console users made on the server, each with a
/// one-time password link printed once.
struct StaffCommandTests {
    @Test func createPrintsAOneTimeLinkAndListShowsTheUserWithoutSecrets() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-staff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("laurel.db").path
        let program = folder.appendingPathComponent("program.yaml")
        try "name: Shop\ncurrency: EUR\n".write(to: program, atomically: true, encoding: .utf8)
        #expect(try await LaurelCommand.run(["migrate", "--db", db]).status == 0)
        #expect(try await LaurelCommand.run(["program", "apply", "--db", db, "--program", "shop", program.path]).status == 0)

        let created = try await LaurelCommand.run(["staff", "create", "--db", db, "--program", "shop", "--email", " Ana@Example.com",
                                                   "--role", "owner", "--base-url", "https://loyalty.example/"])
        #expect(created.status == 0, "\(created.all)")
        #expect(created.output.range(of: #"https://loyalty\.example/admin/set-password\?token=pst_[0-9a-z]{52}"#, options: .regularExpression) != nil,
                "\(created.all)")
        let listed = try await LaurelCommand.run(["staff", "list", "--db", db])
        #expect(listed.output.contains("\tshop\towner\tana@example.com\tno password yet"), "\(listed.all)")
        #expect(!listed.output.contains("pst_"))

        let again = try await LaurelCommand.run(["staff", "create", "--db", db, "--program", "shop", "--email", "ana@example.com", "--role", "support"])
        #expect(again.status != 0 && again.errors.contains("already exists"), "\(again.all)")
        let link = try await LaurelCommand.run(["staff", "password-link", "--db", db, "--program", "shop", "--email", "ana@example.com"])
        #expect(link.status == 0 && link.output.contains("http://127.0.0.1:8080/admin/set-password?token=pst_"), "\(link.all)")
        let disabled = try await LaurelCommand.run(["staff", "disable", "--db", db, "--program", "shop", "--email", "ana@example.com"])
        #expect(disabled.status == 0 && disabled.output.contains("ana@example.com is disabled"), "\(disabled.all)")
        #expect(try await LaurelCommand.run(["staff", "list", "--db", db]).output.contains("\tdisabled"))
        #expect(try await LaurelCommand.run(["staff", "enable", "--db", db, "--program", "shop", "--email", "ana@example.com"]).status == 0)
        let unknown = try await LaurelCommand.run(["staff", "create", "--db", db, "--program", "none", "--email", "b@example.com", "--role", "owner"])
        #expect(unknown.status != 0 && unknown.errors.contains("no program none"), "\(unknown.all)")
        let badEmail = try await LaurelCommand.run(["staff", "create", "--db", db, "--program", "shop", "--email", "not-an-email", "--role", "owner"])
        #expect(badEmail.status != 0, "\(badEmail.all)")
    }
}
