import Foundation
import LaurelCore

/// A value bound to a segment statement.
enum SegmentBind: Sendable, Equatable {
    case text(String)
    case int(Int64)
}

/// Writes a segment's conditions as one SQL predicate over `members m`, once for both backends:
/// the dialects differ only in placeholders, JSON access and exact decimal sums. Attribute paths
/// are written into the statement (the reader allows only letters, digits, - and _ in them);
/// every other value is bound.
struct SegmentSQL {
    enum Dialect { case sqlite, postgres }

    let dialect: Dialect
    private(set) var binds: [SegmentBind] = []

    init(_ dialect: Dialect) { self.dialect = dialect }

    /// A placeholder for `value`.
    mutating func bind(_ value: SegmentBind) -> String {
        binds.append(value)
        return dialect == .sqlite ? "?" : "$\(binds.count)"
    }

    mutating func text(_ value: String) -> String { bind(.text(value)) }
    mutating func int(_ value: Int64) -> String { bind(.int(value)) }

    /// The predicate that holds for members in `segment` at `now` (`TRUE` without conditions).
    mutating func predicate(_ segment: SegmentDefinition, now: Date) -> String {
        // Cheapest first: SQLite tests `AND` terms in order and stops at the first that fails, so the
        // member row's own columns go before index probes, and those before sums over the history.
        let ordered = segment.conditions.enumerated().sorted { (Self.cost($0.element), $0.offset) < (Self.cost($1.element), $1.offset) }.map(\.element)
        let parts = ordered.map { condition(condition: $0, now: now) }
        return parts.isEmpty ? "1 = 1" : parts.map { "(\($0))" }.joined(separator: " AND ")
    }

    /// How much evaluating a condition costs per member, roughly: 0 the member row, 1 an index probe,
    /// 2 an `EXISTS` over the member's events, 3 counting or reading lines, 4 summing money.
    static func cost(_ condition: SegmentCondition) -> Int {
        switch condition {
        case .attribute, .tier, .points, .enrolled: 0
        case .clubs: 1
        case .lastPurchase: 2
        case .did(_, let atLeast, _): atLeast == 1 ? 2 : 3
        case .purchases, .bought: 3
        case .spend: 4
        }
    }

    private func since(_ withinDays: Int, _ now: Date) -> Int64 { now.millis - Int64(withinDays) * 86_400_000 }

    private mutating func list(_ values: [String]) -> String { values.map { text($0) }.joined(separator: ", ") }

    /// The member's processed events of a type in a window, for a correlated subquery.
    private mutating func events(type: String, withinDays: Int?, now: Date) -> String {
        var sql = "e.member_id = m.id AND e.type = \(text(type)) AND e.status = 'processed'"
        if let withinDays { sql += " AND e.occurred_at >= \(int(since(withinDays, now)))" }
        return sql
    }

    private mutating func condition(condition: SegmentCondition, now: Date) -> String {
        switch condition {
        case .attribute(let path, let test):
            return attribute(path, test)
        case .tier(let tiers):
            return "m.tier_id IN (\(list(tiers)))"
        case .clubs(let clubs):
            return "EXISTS (SELECT 1 FROM club_memberships c WHERE c.member_id = m.id AND c.status = 'active' AND c.club_id IN (\(list(clubs))))"
        case .enrolled(let before, let after, let withinDays):
            var parts: [String] = []
            if let before { parts.append("m.created_at < \(int(before.millis))") }
            if let after { parts.append("m.created_at >= \(int(after.millis))") }
            if let withinDays { parts.append("m.created_at >= \(int(since(withinDays, now)))") }
            return parts.isEmpty ? "1 = 1" : parts.joined(separator: " AND ")
        case .purchases(let range, let withinDays):
            let filter = events(type: LoyaltyEvent.purchaseType, withinDays: withinDays, now: now)
            return "(SELECT count(*) FROM events e WHERE \(filter)) BETWEEN \(int(Int64(range.min ?? 0))) AND \(int(Int64(range.max ?? Int.max)))"
        case .spend(let range, let withinDays):
            let filter = events(type: LoyaltyEvent.purchaseType, withinDays: withinDays, now: now)
            switch dialect {
            case .sqlite:
                // Exact: whole units and 1/10,000ths are summed apart, since SQLite's sum() fails on 64-bit overflow and a
                // member's 10,000ths can pass it (923 purchases at the 10^12 bound); `* 10000` turns to REAL past it instead.
                func part(_ units: (String) -> String) -> String {
                    "sum(\(units("e.purchase_total")) - (CASE e.amount_refunded WHEN '0.00' THEN 0 ELSE \(units("e.amount_refunded")) END))"
                }
                let sum = "coalesce(\(part(Self.wholeUnits)) * 10000 + \(part(Self.tenThousandths)), 0)"
                // Only the bounds given: past 64 bits the sum is REAL and would fail a `<= Int64.max` stand-in.
                var parts: [String] = []
                if let min = range.min { parts.append("s.total >= \(int(min.units))") }
                if let max = range.max { parts.append("s.total <= \(int(max.units))") }
                return "EXISTS (SELECT 1 FROM (SELECT \(sum) AS total FROM events e WHERE \(filter)) s WHERE \(parts.joined(separator: " AND ")))"
            case .postgres:
                let sum = "coalesce(sum(coalesce(e.purchase_total, '0')::numeric - e.amount_refunded::numeric), 0)"
                var parts: [String] = []
                if let min = range.min { parts.append("s.total >= \(text(min.description))::numeric") }
                if let max = range.max { parts.append("s.total <= \(text(max.description))::numeric") }
                return "EXISTS (SELECT 1 FROM (SELECT \(sum) AS total FROM events e WHERE \(filter)) s WHERE \(parts.joined(separator: " AND ")))"
            }
        case .points(let range):
            return "m.available BETWEEN \(int(Int64(range.min ?? Int(Int64.min)))) AND \(int(Int64(range.max ?? Int.max)))"
        case .lastPurchase(let days, let within):
            let filter = events(type: LoyaltyEvent.purchaseType, withinDays: days, now: now)
            return "\(within ? "" : "NOT ")EXISTS (SELECT 1 FROM events e WHERE \(filter))"
        case .bought(let skus, let categories, let withinDays):
            let filter = events(type: LoyaltyEvent.purchaseType, withinDays: withinDays, now: now)
            var matches: [String] = []
            switch dialect {
            case .sqlite:
                if !skus.isEmpty { matches.append("json_extract(l.value, '$.sku') IN (\(list(skus)))") }
                if !categories.isEmpty { matches.append("json_extract(l.value, '$.category') IN (\(list(categories)))") }
                return "EXISTS (SELECT 1 FROM events e, json_each(e.payload, '$.purchase.lines') l WHERE \(filter) AND (\(matches.joined(separator: " OR "))))"
            case .postgres:
                if !skus.isEmpty { matches.append("l.value ->> 'sku' IN (\(list(skus)))") }
                if !categories.isEmpty { matches.append("l.value ->> 'category' IN (\(list(categories)))") }
                let lines = "jsonb_array_elements(CASE WHEN jsonb_typeof(e.payload::jsonb #> '{purchase,lines}') = 'array' THEN e.payload::jsonb #> '{purchase,lines}' ELSE '[]'::jsonb END)"
                return "EXISTS (SELECT 1 FROM events e CROSS JOIN LATERAL \(lines) AS l(value) WHERE \(filter) AND (\(matches.joined(separator: " OR "))))"
            }
        case .did(let type, let atLeast, let withinDays):
            let filter = events(type: type, withinDays: withinDays, now: now)
            if atLeast == 1 { return "EXISTS (SELECT 1 FROM events e WHERE \(filter))" }
            return "(SELECT count(*) FROM (SELECT 1 FROM events e WHERE \(filter) LIMIT \(int(Int64(atLeast)))) n) >= \(int(Int64(atLeast)))"
        }
    }

    /// SQLite: the whole part of a non-negative decimal text (`12.5` → 12).
    static func wholeUnits(_ column: String) -> String {
        "CAST(coalesce(\(column), '0') AS INTEGER)"
    }

    /// SQLite: the fraction of a non-negative decimal text in 1/10,000ths (`12.5` → 5000, `0.125` → 1250, `7` → 0).
    static func tenThousandths(_ column: String) -> String {
        let text = "coalesce(\(column), '0')"
        return "((instr(\(text), '.') > 0) * CAST(substr(substr(\(text), instr(\(text), '.') + 1) || '0000', 1, 4) AS INTEGER))"
    }

    private mutating func attribute(_ path: [String], _ test: SegmentCondition.AttributeTest) -> String {
        switch dialect {
        case .sqlite:
            let jsonPath = "'$" + path.map { ".\"\($0)\"" }.joined() + "'"
            let type = "json_type(m.attributes, \(jsonPath))"
            let value = "json_extract(m.attributes, \(jsonPath))"
            func equal(_ operand: JSONValue, _ sql: inout SegmentSQL) -> String {
                switch operand {
                case .string(let text): return "(\(type) = 'text' AND \(value) = \(sql.text(text)))"
                case .bool(let flag): return "\(type) = '\(flag ? "true" : "false")'"
                default:
                    let units = operand.amountValue?.units ?? 0
                    return "(\(type) IN ('integer', 'real') AND round(\(value) * 10000) = \(sql.int(units)))"
                }
            }
            switch test {
            case .eq(let operand): return equal(operand, &self)
            case .in(let operands): return operands.map { equal($0, &self) }.joined(separator: " OR ")
            case .range(let range):
                var parts = ["\(type) IN ('integer', 'real')"]
                if let min = range.min { parts.append("round(\(value) * 10000) >= \(int(min.units))") }
                if let max = range.max { parts.append("round(\(value) * 10000) <= \(int(max.units))") }
                return parts.joined(separator: " AND ")
            case .exists: return "coalesce(\(type), 'null') <> 'null'"
            case .notExists: return "coalesce(\(type), 'null') = 'null'"
            }
        case .postgres:
            let json = "(m.attributes::jsonb #> '{\(path.joined(separator: ","))}')"
            let type = "jsonb_typeof(\(json))"
            func equal(_ operand: JSONValue, _ sql: inout SegmentSQL) -> String {
                switch operand {
                case .string(let text): return "coalesce(\(json) = to_jsonb(\(sql.text(text))::text), false)"
                case .bool(let flag): return "coalesce(\(json) = '\(flag ? "true" : "false")'::jsonb, false)"
                default:
                    let number = operand.amountValue?.description ?? "0"
                    return "(CASE WHEN \(type) = 'number' THEN (\(json) #>> '{}')::numeric = \(sql.text(number))::numeric ELSE false END)"
                }
            }
            switch test {
            case .eq(let operand): return equal(operand, &self)
            case .in(let operands): return operands.map { equal($0, &self) }.joined(separator: " OR ")
            case .range(let range):
                var parts: [String] = []
                if let min = range.min { parts.append("(\(json) #>> '{}')::numeric >= \(text(min.description))::numeric") }
                if let max = range.max { parts.append("(\(json) #>> '{}')::numeric <= \(text(max.description))::numeric") }
                return "(CASE WHEN \(type) = 'number' THEN \(parts.joined(separator: " AND ")) ELSE false END)"
            case .exists: return "coalesce(\(type), 'null') <> 'null'"
            case .notExists: return "coalesce(\(type), 'null') = 'null'"
            }
        }
    }
}

/// The statements, the same text on both backends but for placeholders. Build each with a fresh `SegmentSQL`.
extension SegmentSQL {
    /// Members in the segment after `startingAfter`, in id order, one more than `limit` (to tell `has_more`).
    mutating func page(programId: String, segment: SegmentDefinition, now: Date, limit: Int, startingAfter: String?) -> String {
        "SELECT m.id, m.external_id FROM members m WHERE m.program_id = \(text(programId)) AND m.id > \(text(startingAfter ?? ""))"
            + " AND \(predicate(segment, now: now)) ORDER BY m.id LIMIT \(int(Int64(limit + 1)))"
    }

    /// The ids of the members in the segment.
    mutating func memberIds(programId: String, segment: SegmentDefinition, now: Date) -> String {
        "SELECT m.id FROM members m WHERE m.program_id = \(text(programId)) AND \(predicate(segment, now: now))"
    }

    mutating func count(programId: String, segment: SegmentDefinition, now: Date) -> String {
        "SELECT count(*) AS n FROM members m WHERE m.program_id = \(text(programId)) AND \(predicate(segment, now: now))"
    }

    /// Which segments the member is in: one `SELECT` per segment, joined by `UNION ALL`.
    mutating func memberSegments(programId: String, memberId: String, segments: [SegmentDefinition], now: Date) -> String {
        segments.map { segment in
            "SELECT CAST(\(text(segment.id)) AS TEXT) AS segment_id FROM members m WHERE m.id = \(text(memberId))"
                + " AND m.program_id = \(text(programId)) AND \(predicate(segment, now: now))"
        }.joined(separator: " UNION ALL ")
    }

    /// Adds the members now in the segment who have no membership yet; answers their ids.
    mutating func enter(programId: String, segment: SegmentDefinition, now: Date) -> String {
        """
        INSERT INTO segment_memberships (program_id, segment_id, member_id, entered_at)
        SELECT \(text(programId)), \(text(segment.id)), m.id, \(int(now.millis)) FROM members m
        WHERE m.program_id = \(text(programId)) AND \(predicate(segment, now: now))
          AND NOT EXISTS (SELECT 1 FROM segment_memberships x WHERE x.program_id = \(text(programId))
                          AND x.segment_id = \(text(segment.id)) AND x.member_id = m.id)
        ON CONFLICT DO NOTHING
        RETURNING member_id
        """
    }

    /// Removes the memberships of members no longer in the segment.
    mutating func leave(programId: String, segment: SegmentDefinition, now: Date) -> String {
        """
        DELETE FROM segment_memberships WHERE program_id = \(text(programId)) AND segment_id = \(text(segment.id))
          AND member_id NOT IN (SELECT m.id FROM members m WHERE m.program_id = \(text(programId)) AND \(predicate(segment, now: now)))
        """
    }

    /// Removes the memberships of segments the program no longer defines.
    mutating func removeUndefined(programId: String, keeping segments: [SegmentDefinition]) -> String {
        let program = text(programId)
        let ids = segments.map { text($0.id) }
        return "DELETE FROM segment_memberships WHERE program_id = \(program)" + (ids.isEmpty ? "" : " AND segment_id NOT IN (\(ids.joined(separator: ", ")))")
    }
}
