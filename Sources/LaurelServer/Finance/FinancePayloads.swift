import Foundation
import LaurelCore
import LaurelStore

/// The finance reports as the API and `laurel finance` return them (docs/finance.md, docs/api.md
/// Finance): every amount a decimal string in the program's currency, every key always present.
struct FinanceBreakagePayload: Encodable, Sendable {
    struct Cohort: Encodable, Sendable {
        var month: String
        var issued: Int
        var takenBack: Int
        var basis: Int
        var expired: Int
        var rate: Nullable<String>
        var counted: Bool
        var reason: Nullable<String>
        enum CodingKeys: String, CodingKey { case month, issued, takenBack = "taken_back", basis, expired, rate, counted, reason }
    }

    var rate: Nullable<String>
    var expired: Int
    var basis: Int
    var method: String
    var cohorts: [Cohort]

    static let methodText = "share of points issued that expired, by cohort of issue month (month a lot was earned), "
        + "counting only cohorts whose every lot has reached its expiry date: sum of expired / sum of (issued - taken back by returns, "
        + "debits and transfers out)"

    init(_ estimate: BreakageEstimate) {
        rate = Nullable(estimate.rate)
        expired = estimate.expired
        basis = estimate.basis
        method = Self.methodText
        cohorts = estimate.cohorts.map {
            Cohort(month: $0.month.description, issued: $0.issued, takenBack: $0.takenBack, basis: $0.basis, expired: $0.expired,
                   rate: Nullable($0.rate), counted: $0.counted, reason: Nullable($0.reason))
        }
    }
}

struct FinanceLiabilityPayload: Encodable, Sendable {
    struct Expiring: Encodable, Sendable {
        var month: Nullable<String>
        var points: Int
        var money: String
    }

    var asOf: String
    var timeZone: String
    var currency: String
    var pointValue: String
    var points: Int
    var pending: Int
    var owed: Int
    var money: String
    var byExpiry: [Expiring]
    var expectedRedemption: Nullable<String>
    var breakage: FinanceBreakagePayload

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", timeZone = "time_zone", currency, pointValue = "point_value", points, pending, owed, money
        case byExpiry = "by_expiry", expectedRedemption = "expected_redemption", breakage
    }

    init(asOfDay: Int, program: ProgramDefinition, liability: FinanceLiability) {
        asOf = AnalyticsPeriod.label(asOfDay)
        timeZone = program.timeZone
        currency = program.currency
        pointValue = program.pointValue.description
        points = liability.points
        pending = liability.pending
        owed = liability.owed
        money = liability.money.description
        byExpiry = liability.byExpiry.map { Expiring(month: Nullable($0.month?.description), points: $0.points, money: $0.money.description) }
        expectedRedemption = Nullable(liability.expectedRedemption?.description)
        breakage = FinanceBreakagePayload(liability.breakage)
    }
}

struct FinanceRollForwardPayload: Encodable, Sendable {
    struct Points: Encodable, Sendable {
        var opening: Int, issued: Int, reversed: Int, redeemed: Int, expired: Int, closing: Int
    }

    struct Money: Encodable, Sendable {
        var opening: String, issued: String, reversed: String, redeemed: String, breakageReleased: String, closing: String
        enum CodingKeys: String, CodingKey { case opening, issued, reversed, redeemed, breakageReleased = "breakage_released", closing }
    }

    struct Month: Encodable, Sendable {
        var month: String
        var points: Points
        var money: Money
    }

    var from: String
    var to: String
    var timeZone: String
    var currency: String
    var pointValue: String
    var method: String
    var months: [Month]
    var breakage: FinanceBreakagePayload

    enum CodingKeys: String, CodingKey {
        case from, to, timeZone = "time_zone", currency, pointValue = "point_value", method, months, breakage
    }

    init(program: ProgramDefinition, first: FinanceMonth, last: FinanceMonth, rollForward: FinanceRollForward) {
        from = first.description
        to = last.description
        timeZone = program.timeZone
        currency = program.currency
        pointValue = program.pointValue.description
        method = rollForward.method.rawValue
        months = rollForward.rows.map { row in
            Month(month: row.month.description,
                  points: Points(opening: row.points.opening, issued: row.points.issued, reversed: row.points.reversed, redeemed: row.points.redeemed,
                                 expired: row.points.expired, closing: row.points.closing),
                  money: Money(opening: row.money.opening.description, issued: row.money.issued.description, reversed: row.money.reversed.description,
                               redeemed: row.money.redeemed.description, breakageReleased: row.money.breakageReleased.description,
                               closing: row.money.closing.description))
        }
        breakage = FinanceBreakagePayload(rollForward.breakage)
    }
}

/// Reading the reports: the program's current definition, the dates, the store's facts, the core's
/// arithmetic; shared by the routes and `laurel finance`. Errors are the problems the API answers.
enum FinanceReports {
    static func program(_ store: any LaurelStore, _ programId: String) async throws -> ProgramDefinition {
        guard let version = try await store.programVersion(programId: programId, version: nil) else {
            throw Problem(.conflict, "program_not_configured", "program \(programId) has no definition yet; apply one first")
        }
        return version.definition
    }

    static func badDates(_ error: FinancePeriodError) -> Problem {
        Problem(.badRequest, "invalid_request", error.description, field: error.field)
    }

    static let outOfRange = Problem(.unprocessableContent, "out_of_range", "a money figure of the report exceeds what Laurel can represent")

    static func liability(store: any LaurelStore, programId: String, asOf: String?, now: Date) async throws -> FinanceLiabilityPayload {
        let program = try await program(store, programId)
        let zone = program.calendar.timeZone
        let instant: (day: Int, endMillis: Int64)
        do { instant = try FinancePeriod.endOfDay(asOf, timeZone: zone, now: now) } catch { throw badDates(error) }
        let facts = try await store.financeLiabilityFacts(programId: programId, asOfMillis: instant.endMillis, timeZone: zone)
        do {
            let liability = try FinanceLiability(facts.outstanding, pointValue: program.pointValue,
                                                 breakage: BreakageEstimate(cohorts: facts.cohorts, asOfMillis: instant.endMillis))
            return FinanceLiabilityPayload(asOfDay: instant.day, program: program, liability: liability)
        } catch { throw outOfRange }
    }

    /// The roll-forward of the months holding `from` … `to`; without `to` this month, without `from`
    /// the twelve months ending at `to`.
    static func rollForward(store: any LaurelStore, programId: String, from: String?, to: String?,
                            now: Date) async throws -> (FinanceRollForwardPayload, FinanceRollForward, ProgramDefinition) {
        let program = try await program(store, programId)
        let zone = program.calendar.timeZone
        let months: (first: FinanceMonth, last: FinanceMonth)
        do {
            let last = try to.map { text throws(FinancePeriodError) in FinanceMonth(day: try FinancePeriod.day(text, field: "to")) }
                ?? FinanceMonth(millis: Timestamps.millis(now), zone)
            let first = try from.map { text throws(FinancePeriodError) in FinanceMonth(day: try FinancePeriod.day(text, field: "from")) }
                ?? FinanceMonth(index: last.index - 11)
            months = try FinancePeriod.months(from: first, to: last)
        } catch { throw badDates(error) }
        let facts = try await store.financeRollForwardFacts(programId: programId, through: months.last, timeZone: zone)
        do {
            let breakage = BreakageEstimate(cohorts: facts.cohorts, asOfMillis: months.last.next.startMillis(zone))
            let rollForward = try FinanceRollForward(months: facts.months, from: months.first, to: months.last,
                                                     pointValue: program.pointValue, breakage: breakage)
            return (FinanceRollForwardPayload(program: program, first: months.first, last: months.last, rollForward: rollForward), rollForward, program)
        } catch { throw outOfRange }
    }
}
