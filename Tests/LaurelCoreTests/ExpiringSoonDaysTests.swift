import Foundation
import LaurelCore
import Testing

/// `points.expiring_soon_days`: when members are told their points will expire.
struct ExpiringSoonDaysTests {
    func program(_ days: String?) -> String {
        """
        name: Notices
        currency: EUR
        points:
          expiry: {policy: after_days, days: 90}
        \(days.map { "  expiring_soon_days: \($0)" } ?? "")
        """
    }

    @Test func defaultsTo30And7AndKeepsLargestFirst() throws {
        #expect(try ProgramDefinition.parse(program(nil)).expiringSoonDays == [30, 7])
        #expect(try ProgramDefinition.parse(program("[1, 14, 60]")).expiringSoonDays == [60, 14, 1])
        #expect(try ProgramDefinition.parse(program("[]")).expiringSoonDays == [])
        let definition = try ProgramDefinition.parse(program("[3, 45]"))
        #expect(try ProgramDefinition.read(definition.canonicalTree) == definition)
    }

    @Test(arguments: [
        ("[0]", "points.expiring_soon_days[0]", "must be a whole number of days from 1 to 3650"),
        ("[3651]", "points.expiring_soon_days[0]", "must be a whole number of days from 1 to 3650"),
        ("[7, \"x\"]", "points.expiring_soon_days[1]", "must be a whole number of days from 1 to 3650"),
        ("[1.5]", "points.expiring_soon_days[0]", "must be a whole number of days from 1 to 3650"),
        ("[30, 7, 30]", "points.expiring_soon_days[2]", "30 is listed twice"),
        ("30", "points.expiring_soon_days", "must be a list, got number"),
        ("[1, 2, 3, 4, 5, 6]", "points.expiring_soon_days", "has 6 items; at most 5 are allowed"),
    ])
    func badListsAreRefusedWithTheirPath(days: String, path: String, message: String) throws {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(program(days)) }
        #expect(error.issues.map(\.path) == [path])
        #expect(error.issues.first?.message == message)
    }
}
