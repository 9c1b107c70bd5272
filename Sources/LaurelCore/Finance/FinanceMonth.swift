import Foundation

/// A calendar month in the program's time zone, the unit of the finance reports, counted as
/// year × 12 + (month − 1) so months compare and step as integers.
public struct FinanceMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int

    public init(index: Int) { self.index = index }
    public init(year: Int, month: Int) { index = year * 12 + (month - 1) }

    public var year: Int { index / 12 }
    public var month: Int { index % 12 + 1 }
    public var next: FinanceMonth { FinanceMonth(index: index + 1) }
    public static func < (lhs: FinanceMonth, rhs: FinanceMonth) -> Bool { lhs.index < rhs.index }

    /// `2026-03`.
    public var description: String { String(format: "%04d-%02d", year, month) }

    /// The local day (since 1970-01-01) of the month's first day, and of its last.
    public var firstDay: Int { Timestamps.daysFromCivil(year: year, month: month, day: 1) }
    public var lastDay: Int { next.firstDay - 1 }

    /// The first instant of the month in `zone`, in milliseconds.
    public func startMillis(_ zone: TimeZone) -> Int64 { Timestamps.millis(LocalDays.startOfDay(firstDay, zone)) }

    /// The month of local day `day`.
    public init(day: Int) {
        let (year, month, _) = Timestamps.civilFromDays(day)
        self.init(year: year, month: month)
    }

    /// The month in `zone` holding the instant `millis`.
    public init(millis: Int64, _ zone: TimeZone) {
        self.init(day: LocalDays.day(Timestamps.date(millis: millis), zone))
    }

    /// The months from `first` to `last` (both included) with the instant each one ends (the next
    /// one's start), for a store to sort instants into months: an instant before the first month's
    /// end is in the first month, one after the last month's start in the last.
    public static func ends(from first: FinanceMonth, to last: FinanceMonth, _ zone: TimeZone) -> [(month: FinanceMonth, endMillis: Int64)] {
        guard first <= last else { return [] }
        return (first.index...last.index).map { (FinanceMonth(index: $0), FinanceMonth(index: $0 + 1).startMillis(zone)) }
    }
}
