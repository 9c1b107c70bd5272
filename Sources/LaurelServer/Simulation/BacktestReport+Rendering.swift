import Foundation
import LaurelCore
import LaurelStore

extension BacktestReport {
    private static func number(_ value: Int) -> JSONValue { .number(String(value)) }
    private static func money(_ value: Amount) -> JSONValue { .string(value.description) }

    private static func json(_ side: Side) -> JSONValue {
        .object([
            "points_issued": number(side.issued), "points_adjusted": number(side.adjusted), "points_spent": number(side.spent),
            "points_expired": number(side.expired), "points_reversed": number(side.reversed), "points_outstanding": number(side.outstanding),
            "point_value": money(side.pointValue), "liability": money(side.liability), "cost_per_member": money(side.costPerMember),
            "members": number(side.members), "tiers": .object(side.tiers.mapValues(number)),
            "weeks": .array(side.weeks.map { week in
                .object(["start": .string(Timestamps.format(week.start)), "points_issued": number(week.issued),
                         "points_spent": number(week.spent), "points_expired": number(week.expired)])
            }),
        ])
    }

    private static func json(_ forecast: BacktestForecast?) -> JSONValue {
        guard let forecast else { return .null }
        return .object([
            "points_issued_per_month": number(forecast.issuedPerMonth), "points_spent_per_month": number(forecast.spentPerMonth),
            "points_expired_per_month": number(forecast.expiredPerMonth), "points_other_out_per_month": number(forecast.otherOutPerMonth),
            "breakage_basis_points": number(forecast.breakageBasisPoints),
            "months": .array(forecast.months.map { month in
                .object(["month": number(month.month), "points_outstanding": number(month.outstanding), "liability": money(month.liability)])
            }),
            "expected_breakage_points": number(forecast.expectedBreakage), "expected_breakage_value": money(forecast.expectedBreakageValue),
            "assumptions": .array(forecast.assumptions.map(JSONValue.string)),
        ])
    }

    /// The report as JSON (keys sorted), for `--format json` and the API.
    public var jsonValue: JSONValue {
        .object([
            "program_id": .string(programId), "from": .string(Timestamps.format(from)), "until": .string(Timestamps.format(until)),
            "opening_state": .string("history replayed from the program's start; figures count the window, balances and tiers are those at its end"),
            "live_source": .string(liveSource),
            "live": Self.json(live), "draft": Self.json(draft),
            "tier_changes": .object([
                "members": Self.number(tierChanged),
                "sample": .array(tierSample.map { move in
                    .object(["member_id": .string(move.memberId), "live": move.live.map(JSONValue.string) ?? .null,
                             "draft": move.draft.map(JSONValue.string) ?? .null])
                }),
            ]),
            "replayed": .object(replayed.mapValues(Self.number)), "refused": .object(refused.mapValues(Self.number)),
            "refusal_samples": .object(refusalSamples.mapValues { .array($0.map(JSONValue.string)) }),
            "held_for_review": Self.number(held),
            "elapsed_seconds": .number(String(format: "%.3f", elapsedSeconds)),
            "forecast": .object(["live": Self.json(liveForecast), "draft": Self.json(draftForecast)]),
        ])
    }

    /// `jsonValue` as text: pretty for `laurel simulate --format json`, compact for the result `GET /v1/simulations/{id}` shows.
    public func jsonText(pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(jsonValue), as: UTF8.self)
    }

    /// The report as a terminal table.
    public var table: String {
        func row(_ name: String, _ live: String, _ draft: String, _ change: String = "") -> String {
            name.padding(toLength: 26, withPad: " ", startingAt: 0) + live.leftPadded(16) + draft.leftPadded(16) + change.leftPadded(16)
        }
        func points(_ name: String, _ live: Int, _ draft: Int) -> String {
            row(name, String(live), String(draft), (draft - live >= 0 ? "+" : "") + String(draft - live))
        }
        func amounts(_ name: String, _ live: Amount, _ draft: Amount) -> String {
            let change = draft - live
            return row(name, live.description, draft.description, (change.isNegative ? "" : "+") + change.description)
        }
        var lines = ["Backtest of program \(programId), \(Timestamps.format(from)) to \(Timestamps.format(until))",
                     "(history replayed from the program's start; flows count the window, balances and tiers are at its end)",
                     "", row("", "live", "draft", "change"),
                     points("points issued", live.issued, draft.issued),
                     points("points adjusted (net)", live.adjusted, draft.adjusted),
                     points("points spent", live.spent, draft.spent),
                     points("points expired", live.expired, draft.expired),
                     points("points reversed", live.reversed, draft.reversed),
                     points("points outstanding", live.outstanding, draft.outstanding),
                     amounts("liability", live.liability, draft.liability),
                     amounts("issued value per member", live.costPerMember, draft.costPerMember),
                     points("members", live.members, draft.members)]
        let tierNames = Set(live.tiers.keys).union(draft.tiers.keys).sorted()
        if tierNames != ["none"] {
            lines.append("")
            for tier in tierNames { lines.append(points("tier \(tier)", live.tiers[tier] ?? 0, draft.tiers[tier] ?? 0)) }
            lines.append("\(tierChanged) member(s) would change tier" + (tierSample.isEmpty ? "" : ", e.g. ")
                         + tierSample.prefix(5).map { "\($0.memberId) \($0.live ?? "none") → \($0.draft ?? "none")" }.joined(separator: ", "))
        }
        lines.append("")
        lines.append("week starting".padding(toLength: 14, withPad: " ", startingAt: 0) + "issued live".leftPadded(14) + "issued draft".leftPadded(14)
                     + "spent live".leftPadded(12) + "spent draft".leftPadded(12) + "expired live".leftPadded(14) + "expired draft".leftPadded(14))
        for (index, week) in live.weeks.enumerated() {
            let other = draft.weeks.indices.contains(index) ? draft.weeks[index] : Week(start: week.start)
            lines.append(String(Timestamps.format(week.start).prefix(10)).padding(toLength: 14, withPad: " ", startingAt: 0)
                         + String(week.issued).leftPadded(14) + String(other.issued).leftPadded(14) + String(week.spent).leftPadded(12)
                         + String(other.spent).leftPadded(12) + String(week.expired).leftPadded(14) + String(other.expired).leftPadded(14))
        }
        if let liveForecast, let draftForecast {
            lines.append("")
            lines.append("forecast, 12 months after the window")
            for (live, draft) in zip(liveForecast.months, draftForecast.months) where live.month % 3 == 0 {
                lines.append(amounts("liability, month \(live.month)", live.liability, draft.liability))
            }
            lines.append(amounts("expected breakage", liveForecast.expectedBreakageValue, draftForecast.expectedBreakageValue))
            lines.append("assumptions (draft): " + draftForecast.assumptions.joined(separator: "; "))
        }
        lines.append("")
        lines.append("replayed: " + replayed.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        if !refused.isEmpty {
            lines.append("not reproduced by the draft: " + refused.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            for (kind, samples) in refusalSamples.sorted(by: { $0.key < $1.key }) {
                for sample in samples { lines.append("  \(kind) \(sample)") }
            }
        }
        if held > 0 { lines.append("\(held) event(s) held for review by the draft's fraud controls (not credited)") }
        lines.append("live side: \(liveSource)")
        lines.append(String(format: "took %.2f s", elapsedSeconds))
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
