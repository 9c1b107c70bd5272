import Foundation
import LaurelTestSupport
import Testing
import LaurelCore

/// RFC 3339 timestamps: parsed by hand, printed as UTC with milliseconds.
struct TimestampsTests {
    static let reference = Date(timeIntervalSince1970: 1_795_411_555) // 2026-11-23T05:25:55Z

    @Test(arguments: [
        ("2026-11-23T05:25:55Z", 0.0), ("2026-11-23t05:25:55z", 0), ("2026-11-23 05:25:55Z", 0),
        ("2026-11-23T06:25:55+01:00", 0), ("2026-11-23T00:25:55-05:00", 0), ("2026-11-23T10:55:55+05:30", 0),
        ("2026-11-23T05:25:55.5Z", 0.5), ("2026-11-23T05:25:55.123Z", 0.123), ("2026-11-23T05:25:55.1239Z", 0.123),
        ("2026-11-23T06:25:55.250+01:00", 0.25), ("2026-11-23T05:25:54.999999999Z", -0.001),
    ])
    func parsesZoneOffsetsAndFractions(text: String, secondsAfterReference: Double) throws {
        let date = try #require(Timestamps.parse(text), "\(text)")
        #expect(Timestamps.millis(date) == Timestamps.millis(Self.reference) + Int64((secondsAfterReference * 1000).rounded()), "\(text)")
    }

    @Test(arguments: [
        "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
        "2026-01-00T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T05:60:00Z", "2026-11-23T05:25:55", "2026-11-23T05:25:55.Z",
        "2026-11-23T05:25:55+0100", "2026-11-23T05:25:55+01", "2026-11-23T05:25:55Zjunk", "2026-11-23", "2026/11/23T05:25:55Z",
        "2026-11-23X05:25:55Z", "2026-11-23T05:25:55+25:00", "", "not a timestamp at all!",
    ])
    func rejectsBadDates(text: String) {
        #expect(Timestamps.parse(text) == nil, "\"\(text)\" should not parse")
    }

    @Test func leapDaysAndLeapSeconds() throws {
        #expect(Timestamps.parse("2024-02-29T12:00:00Z") != nil)
        #expect(Timestamps.parse("2000-02-29T12:00:00Z") != nil)
        #expect(Timestamps.parse("1900-02-29T12:00:00Z") == nil)
        #expect(Timestamps.parse("2016-12-31T23:59:60Z") == Timestamps.parse("2016-12-31T23:59:59Z"))
    }

    @Test(arguments: ["2026-11-23T05:25:55.123Z", "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2000-02-29T00:00:00.001Z",
                      "1900-03-01T12:34:56.789Z", "2399-12-31T23:59:59.500Z"])
    func formatParsesBackToTheSameText(text: String) throws {
        let date = try #require(Timestamps.parse(text))
        #expect(Timestamps.format(date) == text)
    }

    @Test func formatPrintsUTCWithMilliseconds() throws {
        #expect(Timestamps.format(try Fixtures.at("2026-11-23T06:25:55.5+01:00")) == "2026-11-23T05:25:55.500Z")
        #expect(Timestamps.format(Self.reference) == "2026-11-23T05:25:55.000Z")
        // Random instants, before and after 1970, survive a format / parse round trip to the millisecond.
        var state: UInt64 = 7
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let millis = Int64(bitPattern: state >> 22) - Int64(1) << 41 // about ±70 years around 1970
            let date = Timestamps.date(millis: millis)
            #expect(Timestamps.millis(try #require(Timestamps.parse(Timestamps.format(date)))) == millis, "\(millis)")
        }
    }

    /// Foundation's ISO 8601 formatter, an independent printer, agrees on seeded instants from 1600
    /// to 9999 (before 1583 its Gregorian calendar turns Julian).
    @Test func formatAgreesWithFoundationsISO8601Formatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var random = SplitMix64(seed: 11)
        let first = Timestamps.millis(Timestamps.parse("1600-01-01T00:00:00Z")!), last = Timestamps.millis(Timestamps.parse("9999-12-31T23:59:59.999Z")!)
        for _ in 0..<3000 {
            let date = Timestamps.date(millis: Int64.random(in: first...last, using: &random))
            #expect(Timestamps.format(date) == formatter.string(from: date), "\(Timestamps.millis(date))")
        }
        #expect(Timestamps.format(Timestamps.date(millis: 253_402_300_800_000)) == "10000-01-01T00:00:00.000Z")
    }

    @Test func parseDayIsMidnightInTheGivenZone() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        #expect(Timestamps.parseDay("2026-01-31", in: tokyo) == (try Fixtures.at("2026-01-30T15:00:00Z")))
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        #expect(Timestamps.parseDay("2026-07-01", in: paris) == (try Fixtures.at("2026-06-30T22:00:00Z")))
        #expect(Timestamps.parseDay("2026-02-30", in: paris) == nil)
        #expect(Timestamps.parseDay("2026-2-3", in: paris) == nil)
    }
}
