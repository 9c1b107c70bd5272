import Foundation
import LaurelStore
import Testing

/// `laurel import members|events|reconcile` as a user runs them: the old `laurel import FILE`
/// form, the progress line only when asked (standard error is not a terminal here), refuse mode's
/// exit status, and the reconciliation as CSV.
@Suite struct ImportCommandTests {
    @Test func membersEventsAndReconcileFromTheCommandLine() async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("laurel.db").path
        let program = folder.appendingPathComponent("program.yaml")
        try """
            name: Shop
            currency: EUR
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
            """.write(to: program, atomically: true, encoding: .utf8)
        #expect(try await LaurelCommand.run(["migrate", "--db", db]).status == 0)
        #expect(try await LaurelCommand.run(["program", "apply", "--program", "shop", program.path, "--db", db]).status == 0)

        let bad = folder.appendingPathComponent("bad.csv")
        try "external_id,opening_balance\na,10\nb,ten\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try await LaurelCommand.run(["import", "members", bad.path, "--program", "shop", "--on-error", "refuse", "--db", db])
        #expect(refused.status == 2 && refused.output.contains("line 3: opening_balance must be a whole number")
                && refused.output.contains("nothing imported"), "\(refused.all)")

        let members = folder.appendingPathComponent("members.csv")
        try "external_id,name,opening_balance,expected_balance,expected_tier\na,Ana,10,40,\nb,Bob,,5,\n".write(to: members, atomically: true,
                                                                                                                  encoding: .utf8)
        let quiet = try await LaurelCommand.run(["import", "members", members.path, "--program", "shop", "--db", db])
        #expect(quiet.status == 0 && quiet.output.contains("2 members created (10 opening points), 0 refused"), "\(quiet.all)")
        #expect(!quiet.errors.contains("importing members"), "\(quiet.all)")

        let events = folder.appendingPathComponent("events.jsonl")
        try #"{"external_id":"a","type":"purchase","occurred_at":"2026-01-10T10:00:00Z","purchase":{"currency":"EUR","total":"30"}}"#
            .write(to: events, atomically: true, encoding: .utf8)
        // The form before the subcommands imports events.
        let old = try await LaurelCommand.run(["import", events.path, "--program", "shop", "--db", db, "--progress"])
        #expect(old.status == 0 && old.output.contains("1 events recorded (30 points)"), "\(old.all)")
        #expect(old.errors.contains("importing events [") && old.errors.contains("1/1"), "\(old.all)")

        let report = try await LaurelCommand.run(["import", "reconcile", members.path, "--program", "shop", "--format", "csv", "--db", db])
        #expect(report.status == 1, "\(report.all)")
        #expect(report.output == "line,external_id,field,stated,laurel,difference\r\n3,b,balance,5,0,-5\r\n"
                + "total,,checked 2; matching 1; differing 1,,,-5\r\n", "\(report.all)")

        let help = try await LaurelCommand.run(["import", "members", "--help"])
        #expect(help.output.contains("--on-error") && help.output.contains("opening_expires_at"), "\(help.all)")
    }
}
