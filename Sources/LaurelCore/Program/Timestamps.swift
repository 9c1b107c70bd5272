import Foundation

/// RFC 3339 timestamps, parsed and printed by hand: exact to the millisecond, fast, and the
/// same on every platform. Laurel prints UTC with milliseconds: `2026-11-23T05:25:55.123Z`.
public enum Timestamps {
    /// Parses `2026-11-23T05:25:55Z`, `2026-11-23T05:25:55.5+01:00` and the like; nil otherwise.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for index in start..<(start + count) {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = digits(0, 4), bytes[4] == 45, let month = digits(5, 2), bytes[7] == 45, let day = digits(8, 2),
              bytes[10] == 84 || bytes[10] == 116 || bytes[10] == 32,
              let hour = digits(11, 2), bytes[13] == 58, let minute = digits(14, 2), bytes[16] == 58, let second = digits(17, 2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var millis = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var scale = 100
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                millis += Int(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case 90, 122: // Z z
            guard index + 1 == bytes.count else { return nil }
        case 43, 45: // + -
            guard index + 6 == bytes.count, let hours = digits(index + 1, 2), bytes[index + 3] == 58, let minutes = digits(index + 4, 2),
                  hours < 24, minutes < 60 else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == 43 ? 1 : -1)
        default:
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds * 1000 + millis) / 1000)
    }

    /// Parses a plain day (`2026-01-31`) as the start of that day in `timeZone`.
    public static func parseDay(_ text: String, in timeZone: TimeZone) -> Date? {
        let parts = text.split(separator: "-")
        guard text.utf8.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day))
    }

    /// `2026-11-23T05:25:55.123Z`. Written byte by byte: every event, outcome and member view
    /// prints several (string interpolation of padded parts showed in the read path's profile).
    public static func format(_ date: Date) -> String {
        let totalMillis = millis(date)
        let millisPart = Int(((totalMillis % 1000) + 1000) % 1000)
        let seconds = Int((totalMillis - Int64(millisPart)) / 1000)
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        guard (0...9999).contains(year) else { return formatWideYear(year, month, day, secondOfDay, millisPart) }
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int, _ width: Int, at start: Int) {
                var value = value
                for index in stride(from: start + width - 1, through: start, by: -1) {
                    buffer[index] = UInt8(truncatingIfNeeded: 48 + value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            buffer[4] = 45 // -
            put(month, 2, at: 5)
            buffer[7] = 45
            put(day, 2, at: 8)
            buffer[10] = 84 // T
            put(secondOfDay / 3600, 2, at: 11)
            buffer[13] = 58 // :
            put(secondOfDay / 60 % 60, 2, at: 14)
            buffer[16] = 58
            put(secondOfDay % 60, 2, at: 17)
            buffer[19] = 46 // .
            put(millisPart, 3, at: 20)
            buffer[23] = 90 // Z
            return 24
        }
    }

    /// Years before 0 or after 9999, which no event has but a date field could.
    private static func formatWideYear(_ year: Int, _ month: Int, _ day: Int, _ secondOfDay: Int, _ millisPart: Int) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millisPart, 3))Z"
    }

    /// Milliseconds since 1970, how the store keeps time.
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
