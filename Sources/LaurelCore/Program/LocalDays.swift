import Foundation

/// Local days in a time zone by date arithmetic. Foundation's `Calendar` gives the same answers
/// but costs microseconds per call, and these run for every event (limit windows, expiry dates).
public enum LocalDays {
    /// The local day containing `date`, counted from 1970-01-01.
    public static func day(_ date: Date, _ zone: TimeZone) -> Int {
        let local = Int((date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))).rounded(.down))
        return local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    }

    /// The ISO weekday of local day `day`: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    static func isoWeekday(_ day: Int) -> Int {
        ((day + 3) % 7 + 7) % 7 + 1
    }

    /// The instant of 00:00 local time at the start of local day `day`.
    static func midnight(_ day: Int, _ zone: TimeZone) -> Date {
        let localSeconds = Double(day * 86_400)
        let guess = Date(timeIntervalSince1970: localSeconds - Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: localSeconds))))
        return Date(timeIntervalSince1970: localSeconds - Double(zone.secondsFromGMT(for: guess)))
    }

    /// `midnight`, or nil when a clock change within an hour of it (a midnight that does not
    /// exist or happens twice) leaves the answer to `Calendar`.
    static func plainMidnight(_ day: Int, _ zone: TimeZone) -> Date? {
        let instant = midnight(day, zone)
        let offset = zone.secondsFromGMT(for: instant)
        guard zone.secondsFromGMT(for: instant.addingTimeInterval(-3_600)) == offset,
              zone.secondsFromGMT(for: instant.addingTimeInterval(3_600)) == offset,
              Int(instant.timeIntervalSince1970) + offset == day * 86_400 else { return nil }
        return instant
    }

    /// The first instant of local day `day`: its midnight, or the instant the clock jumps to when a
    /// change skips midnight (America/Santiago's spring change goes from 23:59:59 to 01:00).
    static func startOfDay(_ day: Int, _ zone: TimeZone) -> Date {
        if let plain = plainMidnight(day, zone) { return plain }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let (year, month, dayOfMonth) = Timestamps.civilFromDays(day)
        return calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth)) ?? midnight(day, zone)
    }
}
