import Foundation
import LaurelCore
import LaurelStore

/// `laurel import reconcile`: what the source system stated of each member (a members file's
/// `expected_balance`, `expected_pending`, `expected_tier`) against what Laurel holds now.
public enum Reconciliation {
    /// One figure of one member that differs.
    public struct Difference: Sendable, Equatable {
        public var line: Int
        public var externalId: String
        /// `balance`, `pending`, `tier`, or `member` (no such member in Laurel).
        public var field: String
        public var stated: String
        public var laurel: String
        /// Laurel's points minus the stated ones (nil for a tier or a missing member).
        public var difference: Int?
    }

    public struct Report: Sendable {
        /// Rows that stated something (the others are not checked).
        public var checked = 0
        public var matching = 0
        public var differing = 0
        /// Laurel minus stated, over every balance and pending difference.
        public var sumOfDifferences = 0
        public var differences: [Difference] = []
        /// Rows that could not be read, with why.
        public var unreadable: [(line: Int, why: String)] = []
    }

    public static func run(_ data: Data, format: ImportFormat, programId: String, store: any LaurelStore, now: Date) async throws -> Report {
        var report = Report()
        for line in try ImportFile.lines(data, format: format, kind: .members) {
            let expectation: MemberImport.Expectation
            do {
                let json = try line.json.get()
                expectation = try MemberImport.parse(json, programId: programId, now: now).expectation
            } catch let error as ImportLineError {
                report.unreadable.append((line.number, error.why))
                continue
            } catch {
                report.unreadable.append((line.number, EventImport.describe(error)))
                continue
            }
            guard !expectation.isEmpty else { continue }
            report.checked += 1
            guard let member = try await store.member(programId: programId, externalId: expectation.externalId) else {
                report.differing += 1
                report.differences.append(Difference(line: line.number, externalId: expectation.externalId, field: "member",
                                                     stated: "present", laurel: "missing", difference: nil))
                continue
            }
            let summary = try await store.pointsSummary(programId: programId, memberId: member.id, now: now, expiringWithin: 0)
            var differs = false
            for (field, stated, held) in [("balance", expectation.balance, summary.available), ("pending", expectation.pending, summary.pending)] {
                guard let stated, stated != held else { continue }
                let (difference, overflow) = held.subtractingReportingOverflow(stated)
                let kept = overflow ? nil : difference
                report.differences.append(Difference(line: line.number, externalId: expectation.externalId, field: field,
                                                     stated: String(stated), laurel: String(held), difference: kept))
                if let kept { report.sumOfDifferences = report.sumOfDifferences.addingSaturated(kept) }
                differs = true
            }
            if let stated = expectation.tier, stated != (member.tier.tierId ?? "") {
                report.differences.append(Difference(line: line.number, externalId: expectation.externalId, field: "tier", stated: stated,
                                                     laurel: member.tier.tierId ?? "", difference: nil))
                differs = true
            }
            if differs { report.differing += 1 } else { report.matching += 1 }
        }
        return report
    }

    /// The report for a terminal: one line per difference, then the totals.
    public static func text(_ report: Report) -> String {
        var lines: [String] = []
        for (line, why) in report.unreadable { lines.append("line \(line): \(why)") }
        if !report.differences.isEmpty {
            lines.append("line\texternal_id\tfield\tstated\tlaurel\tdifference")
            for difference in report.differences {
                lines.append("\(difference.line)\t\(difference.externalId)\t\(difference.field)\t\(difference.stated)\t\(difference.laurel)\t"
                             + (difference.difference.map { $0 > 0 ? "+\($0)" : String($0) } ?? ""))
            }
        }
        lines.append("\(report.checked) members checked: \(report.matching) matching, \(report.differing) differing; "
                     + "sum of point differences (Laurel minus stated): \(report.sumOfDifferences)")
        return lines.joined(separator: "\n")
    }

    /// The report as CSV, for a spreadsheet: one row per difference, then a totals row.
    public static func csv(_ report: Report) -> String {
        var rows = ["line,external_id,field,stated,laurel,difference"]
        for difference in report.differences {
            // Numbers stay numbers; the external id and tier names come from outside.
            let value = difference.field == "tier" ? CSVField.forSpreadsheet : CSVField.quoted
            rows.append([String(difference.line), CSVField.forSpreadsheet(difference.externalId), difference.field,
                         value(difference.stated), value(difference.laurel), difference.difference.map(String.init) ?? ""].joined(separator: ","))
        }
        rows.append("total,,checked \(report.checked); matching \(report.matching); differing \(report.differing),,,\(report.sumOfDifferences)")
        return rows.joined(separator: "\r\n") + "\r\n"
    }
}
