import Foundation

/// A calendar period in the program's time zone: what a repeating challenge starts over on, and
/// what a streak counts in a row. Weeks start on Monday (ISO 8601), like the program's calendar.
public enum ChallengePeriod: String, Hashable, Sendable, CaseIterable {
    case daily, weekly, monthly

    /// The number of the period containing `date`, counted from the one containing 1970-01-01;
    /// consecutive periods have consecutive numbers.
    public func index(of date: Date, in zone: TimeZone) -> Int {
        let day = LocalDays.day(date, zone)
        switch self {
        case .daily:
            return day
        case .weekly:
            // 1970-01-01 was a Thursday: day -3 is the Monday of week 0.
            let shifted = day + 3
            return shifted >= 0 ? shifted / 7 : (shifted - 6) / 7
        case .monthly:
            let (year, month, _) = Timestamps.civilFromDays(day)
            return year * 12 + (month - 1)
        }
    }

    /// The instant period `index` starts: the start of its first local day (midnight, or the
    /// first instant after it when a clock change skips midnight).
    public func start(of index: Int, in zone: TimeZone) -> Date {
        switch self {
        case .daily:
            return LocalDays.startOfDay(index, zone)
        case .weekly:
            return LocalDays.startOfDay(index * 7 - 3, zone)
        case .monthly:
            let year = index >= 0 ? index / 12 : (index - 11) / 12
            return LocalDays.startOfDay(Timestamps.daysFromCivil(year: year, month: index - year * 12 + 1, day: 1), zone)
        }
    }

    /// The instant period `index` ends (the next one starts).
    public func end(of index: Int, in zone: TimeZone) -> Date { start(of: index + 1, in: zone) }

    /// The noun for a period, for explanations ("5 weeks in a row").
    public var unit: String {
        switch self {
        case .daily: "day"
        case .weekly: "week"
        case .monthly: "month"
        }
    }
}
