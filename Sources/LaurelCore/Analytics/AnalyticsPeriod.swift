import Foundation

/// A dashboard's date range: whole local days `from` … `to` (both included) in the program's time
/// zone, as the instants the store compares with, and how to tell which local day an instant falls
/// on inside SQL (`offsets`), where no time zone database is at hand.
public struct AnalyticsPeriod: Sendable {
    /// The longest range accepted, in days (three years and a leap day): a dashboard's queries scan
    /// the range, and a longer one is better asked for in parts.
    public static let maxDays = 1_096
    /// Days of activity that make a member active.
    public static let activeDays = 30

    /// Local days since 1970-01-01 of the first and the last day.
    public let firstDay: Int
    public let lastDay: Int
    /// Local midnight starting `firstDay`, and the one ending `lastDay` (excluded), in milliseconds.
    public let startMillis: Int64
    public let endMillis: Int64
    /// The `activeDays` before the end of the range, or up to now when the range ends later.
    public let activeSinceMillis: Int64
    public let activeUntilMillis: Int64
    /// The zone's offset from UTC in milliseconds over the range: each applies to instants before
    /// its `until` (the last one's is nil: to the end). An instant's local day is
    /// `(millis + offset) / 86 400 000`.
    public let offsets: [(until: Int64?, offset: Int64)]

    public var days: Int { lastDay - firstDay + 1 }

    /// Reads `from` and `to` (`2026-03-01`); a missing `to` is today, a missing `from` the 30 days ending at `to`.
    public init(from: String?, to: String?, timeZone: TimeZone, now: Date) throws(AnalyticsPeriodError) {
        let today = LocalDays.day(now, timeZone)
        let last = try to.map { text throws(AnalyticsPeriodError) in try Self.day(text, field: "to") } ?? today
        let first = try from.map { text throws(AnalyticsPeriodError) in try Self.day(text, field: "from") } ?? last - (Self.activeDays - 1)
        guard first <= last else { throw .fromAfterTo }
        guard last - first < Self.maxDays else { throw .tooLong }
        firstDay = first
        lastDay = last
        let start = LocalDays.startOfDay(first, timeZone), end = LocalDays.startOfDay(last + 1, timeZone)
        startMillis = Timestamps.millis(start)
        endMillis = Timestamps.millis(end)
        // Exclusive, so now's own millisecond counts.
        activeUntilMillis = min(endMillis, Timestamps.millis(now) + 1)
        activeSinceMillis = activeUntilMillis - Int64(Self.activeDays) * 86_400_000
        offsets = Self.offsets(from: start, to: end, timeZone)
    }

    public static func label(_ day: Int) -> String {
        let (year, month, dayOfMonth) = Timestamps.civilFromDays(day)
        return String(format: "%04d-%02d-%02d", year, month, dayOfMonth)
    }

    /// A plain ISO day from 1970-01-02 to 9999-12-30 (so that every instant in range is after 1970,
    /// where integer division is floor division on both databases).
    static func day(_ text: String, field: String) throws(AnalyticsPeriodError) -> Int {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...Timestamps.daysIn(month: month, year: year)).contains(day)
        else { throw .notADate(field: field) }
        let number = Timestamps.daysFromCivil(year: year, month: month, day: day)
        guard number >= 1, number < Timestamps.daysFromCivil(year: 9999, month: 12, day: 31) else { throw .notADate(field: field) }
        return number
    }

    /// The offset at each local midnight, and where it changes in between, to the second (found by
    /// halving the day in which it changed).
    static func offsets(from start: Date, to end: Date, _ zone: TimeZone) -> [(until: Int64?, offset: Int64)] {
        func offset(_ seconds: Int64) -> Int64 { Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))) }
        var spans: [(until: Int64?, offset: Int64)] = []
        var current = offset(Int64(start.timeIntervalSince1970))
        var second = Int64(start.timeIntervalSince1970)
        let last = Int64(end.timeIntervalSince1970)
        while second < last {
            let next = min(second + 86_400, last)
            if offset(next) != current {
                var low = second, high = next // offset(low) == current, offset(high) differs
                while high - low > 1 {
                    let middle = (low + high) / 2
                    if offset(middle) == current { low = middle } else { high = middle }
                }
                spans.append((until: high * 1000, offset: current * 1000))
                current = offset(high)
                second = high
            } else {
                second = next
            }
        }
        spans.append((until: nil, offset: current * 1000))
        return spans
    }
}

/// Why a date range was refused; each names the query parameter at fault.
public enum AnalyticsPeriodError: Error, Equatable, CustomStringConvertible {
    case notADate(field: String)
    case fromAfterTo
    case tooLong

    public var field: String {
        switch self {
        case .notADate(let field): field
        case .fromAfterTo, .tooLong: "from"
        }
    }

    public var description: String {
        switch self {
        case .notADate(let field): "\(field) must be a date such as 2026-03-01 (from 1970-01-02 to 9999-12-30)"
        case .fromAfterTo: "from must not be after to"
        case .tooLong: "the range from … to may span at most \(AnalyticsPeriod.maxDays) days"
        }
    }
}
