import Foundation

/// Why a finance date or range was refused; each names the query parameter at fault.
public enum FinancePeriodError: Error, Equatable, Sendable, CustomStringConvertible {
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
        case .notADate(let field): "\(field) must be a date such as 2026-03-01 or a month such as 2026-03 (from 1970-01-02 to 9999-12-30)"
        case .fromAfterTo: "from must not be after to"
        case .tooLong: "the range from … to may span at most \(FinancePeriod.maxMonths) months"
        }
    }
}

/// The whole months a roll-forward covers, and the instants a liability is read at, in the
/// program's time zone.
public enum FinancePeriod {
    /// The longest roll-forward, in months (ten years).
    public static let maxMonths = 120

    /// The months holding `from` and `to` (dates `2026-03-01` or months `2026-03`), both included.
    public static func months(from: String, to: String) throws(FinancePeriodError) -> (first: FinanceMonth, last: FinanceMonth) {
        try months(from: FinanceMonth(day: try day(from, field: "from")), to: FinanceMonth(day: try day(to, field: "to")))
    }

    /// `first` … `last` when in order and at most `maxMonths` long.
    public static func months(from first: FinanceMonth, to last: FinanceMonth) throws(FinancePeriodError) -> (first: FinanceMonth, last: FinanceMonth) {
        guard first <= last else { throw .fromAfterTo }
        guard last.index - first.index < maxMonths else { throw .tooLong }
        return (first, last)
    }

    /// A date, or a month (its first day), as a local day.
    public static func day(_ text: String, field: String) throws(FinancePeriodError) -> Int {
        let date = text.utf8.count == 7 ? text + "-01" : text
        do {
            return try AnalyticsPeriod.day(date, field: field)
        } catch {
            throw .notADate(field: field)
        }
    }

    /// The end of local day `as_of` (the next midnight) in milliseconds: the liability after that
    /// day's movements; today's when nil.
    public static func endOfDay(_ asOf: String?, timeZone: TimeZone, now: Date) throws(FinancePeriodError) -> (day: Int, endMillis: Int64) {
        // A whole date only: a month would be ambiguous here (its first day or its last?).
        let day = try asOf.map { text throws(FinancePeriodError) in
            guard text.utf8.count == 10 else { throw .notADate(field: "as_of") }
            return try Self.day(text, field: "as_of")
        } ?? LocalDays.day(now, timeZone)
        return (day, Timestamps.millis(LocalDays.startOfDay(day + 1, timeZone)))
    }
}
