import Foundation
import Testing
@testable import LaurelCore

/// Expiry dates and weekdays are computed by date arithmetic for speed; they must agree with
/// Foundation's Calendar in every time zone, across DST changes and year ends.
struct ExpiryDateArithmeticTests {
    static let zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe", "America/Sao_Paulo", "Pacific/Chatham"]

    static func calendar(_ zone: String) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        return calendar
    }

    @Test(arguments: zones)
    func endOfMonthAndYearMatchCalendar(zone: String) {
        let calendar = Self.calendar(zone)
        var state: UInt64 = 42
        for _ in 0..<400 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let earned = Date(timeIntervalSince1970: 1_600_000_000 + Double(state >> 34)) // 2020 … 2564
            for monthsAfter in [0, 1, 11, 12, 25] {
                let start = calendar.dateInterval(of: .month, for: earned)!.start
                let expected = calendar.date(byAdding: .month, value: monthsAfter + 1, to: start)
                #expect(ExpiryPolicy.endOfMonth(monthsAfter: monthsAfter).expiryDate(earnedAt: earned, calendar: calendar) == expected,
                        "\(zone) \(earned) +\(monthsAfter) months")
            }
            let yearStart = calendar.dateInterval(of: .year, for: earned)!.start
            #expect(ExpiryPolicy.endOfYear(yearsAfter: 1).expiryDate(earnedAt: earned, calendar: calendar)
                    == calendar.date(byAdding: .year, value: 2, to: yearStart))
        }
    }

    @Test(arguments: zones)
    func dayOfWeekConditionMatchesCalendar(zone: String) throws {
        let program = try ProgramDefinition.parse("""
            name: Weekdays
            currency: EUR
            timezone: \(zone)
            earning_rules:
              - id: tuesday
                event: visit
                conditions: [{days_of_week: [tuesday]}]
                effect: {type: fixed_points, points: 1}
            """)
        let evaluator = RuleEvaluator(program: program)
        let calendar = Self.calendar(zone)
        for hour in stride(from: 0, to: 24 * 400, by: 7) {
            let date = Date(timeIntervalSince1970: 1_700_000_000 + Double(hour) * 3600)
            let isTuesday = calendar.component(.weekday, from: date) == 3
            let results = evaluator.evaluate(event: LoyaltyEvent(id: "e", type: "visit", occurredAt: date), member: MemberProfile(id: "m"), usage: [:])
            #expect(results.first?.matched == isTuesday, "\(zone) \(date)")
        }
    }
}

/// Amount's text is built by integer arithmetic; pin its canonical form.
struct AmountTextTests {
    @Test(arguments: [("12", "12.00"), ("0.125", "0.125"), ("1.05", "1.05"), ("1.0001", "1.0001"), ("-3.5", "-3.50"), ("0", "0.00"),
                      ("100.10", "100.10"), ("-0.0001", "-0.0001"), ("123456789.9999", "123456789.9999")])
    func canonicalText(input: String, expected: String) throws {
        #expect(try #require(Amount(input)).description == expected)
    }
}
