import Foundation
import LaurelCore
import LaurelStore

/// `laurel finance report` and `laurel finance journal`: the roll-forward as a table, CSV or the
/// API's JSON, and as balanced journal entries in CSV. Bad dates and other refusals throw the
/// `Problem` the API would answer.
public enum FinanceText {
    public enum Format: String, CaseIterable, Sendable { case table, csv, json }

    public static func report(store: any LaurelStore, programId: String, from: String?, to: String?, now: Date, format: Format) async throws -> String {
        let (payload, _, _) = try await FinanceReports.rollForward(store: store, programId: programId, from: from, to: to, now: now)
        switch format {
        case .json:
            return String(decoding: try APIJSON.encode(payload), as: UTF8.self) + "\n"
        case .csv:
            var out = "month,opening_points,issued_points,reversed_points,redeemed_points,expired_points,closing_points,"
                + "opening,issued,reversed,redeemed,breakage_released,closing\n"
            for row in payload.months {
                let p = row.points, m = row.money
                out += ([row.month] + [p.opening, p.issued, p.reversed, p.redeemed, p.expired, p.closing].map(String.init)
                    + [m.opening, m.issued, m.reversed, m.redeemed, m.breakageReleased, m.closing]).joined(separator: ",") + "\n"
            }
            return out
        case .table:
            let header = ["month", "opening", "issued", "reversed", "redeemed", "expired", "closing",
                          "deferred open", "issued \(payload.currency)", "reversed \(payload.currency)", "redeemed \(payload.currency)",
                          "breakage", "deferred close"]
            let rows = payload.months.map { row in
                let p = row.points, m = row.money
                return [row.month] + [p.opening, p.issued, p.reversed, p.redeemed, p.expired, p.closing].map(String.init)
                    + [m.opening, m.issued, m.reversed, m.redeemed, m.breakageReleased, m.closing]
            }
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { index, cell in
                    let pad = String(repeating: " ", count: widths[index] - cell.count)
                    return index == 0 ? cell + pad : pad + cell
                }.joined(separator: "  ")
            }
            let rate = payload.breakage.rate.value.map { "breakage rate \($0) from \(payload.breakage.cohorts.filter(\.counted).count) expired cohort(s)" }
                ?? "no breakage estimate yet (no cohort has fully expired)"
            var out = "Points liability roll-forward \(payload.from) … \(payload.to) (\(payload.timeZone)), point value \(payload.pointValue) \(payload.currency)\n"
            out += "Points: opening + issued − reversed − redeemed − expired = closing. Money: opening + issued − reversed − redeemed − breakage = closing.\n"
            out += "Method: \(payload.method); \(rate).\n\n"
            out += line(header) + "\n" + line(widths.map { String(repeating: "-", count: $0) }) + "\n"
            for row in rows { out += line(row) + "\n" }
            return out
        }
    }

    public static func journal(store: any LaurelStore, programId: String, from: String?, to: String?, now: Date,
                               accounts: FinanceJournal.Accounts) async throws -> String {
        let (_, rollForward, program) = try await FinanceReports.rollForward(store: store, programId: programId, from: from, to: to, now: now)
        return FinanceJournal(rollForward, accounts: accounts, currency: program.currency).csv
    }
}
