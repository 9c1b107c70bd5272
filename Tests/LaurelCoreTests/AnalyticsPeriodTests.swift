import Foundation
import LaurelCore
import Testing

/// The dashboard's date range: which texts are dates, its limits and defaults, local midnights and
/// the offsets that put an instant on its local day across a clock change; and exact ratios.
struct AnalyticsPeriodTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let now = Timestamps.parse("2026-03-20T12:00:00Z")!

    @Test(arguments: ["2026-02-30", "2026-3-01", "2026-03-1", "20260301", "2026-13-01", "1969-12-31", "1970-01-01", "x", "",
                      "2026-03-01T00:00:00Z", "２０２６-03-01", "+026-03-01"])
    func aTextThatIsNoDayIsRefusedNamingItsParameter(text: String) {
        #expect(throws: AnalyticsPeriodError.notADate(field: "from")) { try AnalyticsPeriod(from: text, to: "2026-03-31", timeZone: Self.utc, now: Self.now) }
        #expect(throws: AnalyticsPeriodError.notADate(field: "to")) { try AnalyticsPeriod(from: nil, to: text, timeZone: Self.utc, now: Self.now) }
    }

    @Test func fromAfterToAndRangesOverThreeYearsAreRefused() throws {
        #expect(throws: AnalyticsPeriodError.fromAfterTo) { try AnalyticsPeriod(from: "2026-03-02", to: "2026-03-01", timeZone: Self.utc, now: Self.now) }
        #expect(throws: AnalyticsPeriodError.tooLong) { try AnalyticsPeriod(from: "2023-01-01", to: "2026-01-01", timeZone: Self.utc, now: Self.now) }
        #expect(AnalyticsPeriodError.tooLong.field == "from")
        let longest = try AnalyticsPeriod(from: "2023-01-02", to: "2026-01-01", timeZone: Self.utc, now: Self.now)
        #expect(longest.days == AnalyticsPeriod.maxDays)
    }

    @Test func withoutDatesTheRangeIsTheThirtyDaysEndingToday() throws {
        let period = try AnalyticsPeriod(from: nil, to: nil, timeZone: Self.utc, now: Self.now)
        #expect(AnalyticsPeriod.label(period.firstDay) == "2026-02-19" && AnalyticsPeriod.label(period.lastDay) == "2026-03-20")
        #expect(period.days == 30)
        #expect(period.activeUntilMillis == Timestamps.millis(Self.now) + 1, "the range ends tonight: active counts up to now, now included")
        #expect(period.activeUntilMillis - period.activeSinceMillis == 30 * 86_400_000)
        let past = try AnalyticsPeriod(from: nil, to: "2026-01-31", timeZone: Self.utc, now: Self.now)
        #expect(AnalyticsPeriod.label(past.firstDay) == "2026-01-02")
        #expect(past.activeUntilMillis == past.endMillis)
    }

    /// Berlin moves its clocks from UTC+1 to UTC+2 at 01:00 UTC on 29 March 2026.
    @Test func daysAreLocalAcrossAClockChange() throws {
        let period = try AnalyticsPeriod(from: "2026-03-28", to: "2026-03-30", timeZone: Self.berlin, now: Self.now)
        #expect(period.startMillis == Timestamps.millis(Timestamps.parse("2026-03-27T23:00:00Z")!))
        #expect(period.endMillis == Timestamps.millis(Timestamps.parse("2026-03-30T22:00:00Z")!))
        #expect(period.offsets.map(\.offset) == [3_600_000, 7_200_000])
        #expect(period.offsets.map(\.until) == [Timestamps.millis(Timestamps.parse("2026-03-29T01:00:00Z")!), nil])
        func day(_ text: String) -> String {
            let millis = Timestamps.millis(Timestamps.parse(text)!)
            let offset = period.offsets.first { $0.until.map { millis < $0 } ?? true }!.offset
            return AnalyticsPeriod.label(Int((millis + offset) / 86_400_000))
        }
        #expect(day("2026-03-28T22:59:59Z") == "2026-03-28")
        #expect(day("2026-03-28T23:00:00Z") == "2026-03-29")
        #expect(day("2026-03-29T21:59:59Z") == "2026-03-29")
        #expect(day("2026-03-29T22:00:00Z") == "2026-03-30")
        let plain = try AnalyticsPeriod(from: "2026-03-01", to: "2026-03-05", timeZone: Self.berlin, now: Self.now)
        #expect(plain.offsets.count == 1)
    }

    @Test func ratiosAreExactToFourPlacesRoundedHalfAwayFromZero() {
        #expect(Ratio.text(20, over: 205) == "0.0976")
        #expect(Ratio.text(1, over: 3) == "0.3333" && Ratio.text(2, over: 3) == "0.6667")
        #expect(Ratio.text(1, over: 20_000) == "0.0001" && Ratio.text(1, over: 20_001) == "0.0000")
        #expect(Ratio.text(-1, over: 3) == "-0.3333" && Ratio.text(-1, over: 30_000) == "0.0000")
        #expect(Ratio.text(5, over: 5) == "1.0000" && Ratio.text(0, over: 5) == "0.0000")
        #expect(Ratio.text(99_999, over: 100_000) == "1.0000")
        #expect(Ratio.text(Int.max, over: 1) == "9223372036854775807.0000")
        #expect(Ratio.text(Int.max - 1, over: Int.max) == "1.0000")
        #expect(Ratio.text(1, over: 0) == nil && Ratio.text(1, over: -2) == nil)
    }
}
