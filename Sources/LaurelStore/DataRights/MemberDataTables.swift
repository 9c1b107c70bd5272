import Foundation
import LaurelCore

/// Where a member's data lives, for the export and the erasure, written once for both backends.
/// Conditions name their values as `{program}`, `{member}` and `{account}` (the member's available
/// account, which transfers they received credit); `MemberDataSQL` binds them per dialect.
enum MemberDataTables {
    struct Table: Sendable {
        let name: String
        /// The columns exported: `*`, or a list that leaves credentials out (session and code hashes).
        let columns: String
        let condition: String
        let order: String
        /// Columns holding JSON text, exported as JSON.
        let json: Set<String>

        init(_ name: String, columns: String = "*", where condition: String = "program_id = {program} AND member_id = {member}",
             order: String, json: Set<String> = []) {
            self.name = name
            self.columns = columns
            self.condition = condition
            self.order = order
            self.json = json
        }
    }

    /// Every table that holds rows about a member, in the export's order (the profile itself comes
    /// from `members`, shown as the API shows a member).
    static let exported: [Table] = [
        Table("events", order: "occurred_at, id", json: ["payload", "outcome"]),
        Table("lots", order: "earned_at, id"),
        Table("ledger_entries", where: "program_id = {program} AND (member_id = {member} OR (kind = 'transfer' AND to_account = {account}))",
              order: "seq"),
        Table("rule_awards", where: "member_id = {member}", order: "occurred_at, event_id"),
        Table("tier_contributions", where: "member_id = {member}", order: "occurred_at, event_id"),
        Table("tier_changes", order: "seq"),
        Table("redemptions", order: "created_at, id"),
        Table("club_memberships", order: "joined_at, club_id"),
        Table("segment_memberships", order: "segment_id"),
        Table("campaign_gifts", order: "created_at, campaign_id"),
        Table("birthday_grants", order: "year"),
        Table("referral_codes", order: "code"),
        Table("referrals", where: "program_id = {program} AND (friend_id = {member} OR referrer_id = {member})", order: "enrolled_at, friend_id"),
        Table("referral_grants", order: "created_at, id"),
        Table("punch_stamps", order: "stamped_at, id"),
        Table("punch_completions", order: "completed_at, id"),
        Table("member_challenges", order: "challenge_id", json: ["state"]),
        Table("member_badges", order: "awarded_at, badge_id"),
        Table("game_spins", order: "drawn_at, id", json: ["weights"]),
        Table("game_play_grants", order: "granted_at, id"),
        Table("raffle_entries", order: "entered_at, id"),
        Table("reviews", order: "created_at, id", json: ["payload", "trips"]),
        Table("fraud_marks", where: "program_id = {program} AND subject = {member}", order: "at, cap_id"),
        Table("member_consents", order: "seq"),
        Table("bulk_award_items", order: "bulk_award_id, position"),
        Table("bulk_award_credits", order: "created_at, bulk_award_id"),
        Table("outbox", order: "seq", json: ["payload"]),
        Table("webhook_deliveries", order: "message_seq, id", json: ["payload"]),
        Table("audit_entries", where: "program_id = {program} AND target_type = 'member' AND target_id = {member}", order: "seq",
              json: ["before_json", "after_json"]),
        Table("web_sessions", columns: "kind, created_at, expires_at", where: "program_id = {program} AND kind = 'member' AND subject_id = {member}",
              order: "created_at, expires_at"),
        Table("sign_in_codes", columns: "id, attempts, created_at, expires_at", order: "created_at, id"),
    ]

    /// Tables with a column that can name a member which the export leaves out, and why (a test
    /// checks that every such table of the schema is either exported or listed here).
    static let notExported: [String: String] = [
        "members": "the profile is exported as the API shows the member (`member`)",
        "idempotency_keys": "stored answers to requests, keyed by request, not by member; erasure rewrites those that name the member",
        "webhook_attempts": "what webhook endpoints answered, by delivery; erasure clears the bodies of the member's deliveries",
        "raffle_draws": "a raffle's draw with its winners, one row per raffle; the member's entries are exported",
        "expiry_notices": "which lots were told about, by lot; the member's lots are exported",
        "pending_days": "the member's pending lots summed by release day, kept from their lots, which are exported",
        "staff": "console users, not members",
        "staff_password_tokens": "console users, not members",
    ]

    /// The erased member's external id: unique per member (the column is unique per program) and
    /// naming no one.
    static func erasedExternalId(_ memberId: String) -> String { "erased:\(memberId)" }
}

/// A statement of `MemberDataTables` with its values bound in the dialect's placeholders.
struct MemberDataSQL {
    enum Dialect { case sqlite, postgres }

    let text: String
    let values: [String]

    /// `template` with `{program}`, `{member}` and `{account}` replaced by placeholders, one bound value per use.
    init(_ template: String, dialect: Dialect, programId: String, memberId: String) {
        let named = ["{program}": programId, "{member}": memberId, "{account}": LedgerAccount.available(member: memberId).description]
        var text = ""
        var values: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}"), let value = named[String(rest[open...close])] else {
                text += "{"
                rest = rest[rest.index(after: open)...]
                continue
            }
            values.append(value)
            text += dialect == .sqlite ? "?" : "$\(values.count)"
            rest = rest[rest.index(after: close)...]
        }
        text += rest
        self.text = text
        self.values = values
    }

    /// The table's rows about the member, in its order.
    static func select(_ table: MemberDataTables.Table, dialect: Dialect, programId: String, memberId: String) -> MemberDataSQL {
        let template = dialect == .sqlite
            ? "SELECT \(table.columns) FROM \(table.name) WHERE \(table.condition) ORDER BY \(table.order)"
            : "SELECT row_to_json(t)::text AS data FROM (SELECT \(table.columns) FROM \(table.name) WHERE \(table.condition) ORDER BY \(table.order)) t"
        return MemberDataSQL(template, dialect: dialect, programId: programId, memberId: memberId)
    }

    /// What erasure deletes or clears with one statement each (the JSON it rewrites is done row by row).
    static let erasureStatements = [
        // Signed-in sessions and sign-in codes: the member can no longer sign in or act through them.
        "DELETE FROM web_sessions WHERE program_id = {program} AND kind = 'member' AND subject_id = {member}",
        "DELETE FROM sign_in_codes WHERE program_id = {program} AND member_id = {member}",
        // A bulk award's list may name the member by their external id: it names them by their Laurel id instead.
        "UPDATE bulk_award_items SET target = member_id WHERE program_id = {program} AND member_id = {member}",
        // Segments are a profile made from the member's attributes (profiling); they are gone with them.
        "DELETE FROM segment_memberships WHERE program_id = {program} AND member_id = {member}",
        // What webhook endpoints answered about the member's messages may echo their payloads.
        """
        UPDATE webhook_attempts SET response_body = NULL
        WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE program_id = {program} AND member_id = {member})
        """,
    ]

    /// The rows whose JSON erasure rewrites: `(table, key column, JSON column, condition, kind)`.
    static let erasureRewrites: [(table: String, key: String, column: String, condition: String, kind: PersonalData.Kind)] = [
        ("events", "id", "payload", "program_id = {program} AND member_id = {member}", .eventPayload),
        ("reviews", "id", "payload", "program_id = {program} AND member_id = {member}", .eventPayload),
        ("outbox", "id", "payload", "program_id = {program} AND member_id = {member}", .message),
        ("webhook_deliveries", "id", "payload", "program_id = {program} AND member_id = {member} AND payload IS NOT NULL", .message),
    ]
}

/// Taking a member's personal data out of the JSON Laurel stores about them.
enum PersonalData {
    enum Kind: Sendable { case eventPayload, message }

    /// The event body fields erasure keeps: what the ledger's explanations and returns need
    /// (type, time, store and channel, the purchase's amounts and lines, the return's purchase and
    /// amount). The rest goes: `external_id` (the member is named by `member_id`), `attributes`
    /// (free-form, may hold anything), and any other field.
    static let keptEventFields: Set<String> = ["type", "occurred_at", "store", "channel", "purchase", "return"]

    /// Keys of a member-shaped object (one with `external_id` or `email`) that hold personal data.
    static let personalKeys: Set<String> = ["email", "name", "birthday", "phone"]

    /// `value` without the member's personal data. `values`: the member's email, name, phone and
    /// external id as they were; strings that contain one (3 characters or more) have it replaced
    /// by `[erased]` (a problem's detail may quote an external id).
    static func redact(_ value: JSONValue, kind: Kind, memberId: String, values: [String]) -> JSONValue {
        let literal = values.filter { $0.count >= 3 }
        switch (kind, value) {
        case (.eventPayload, .object(let fields)):
            var kept = fields.filter { keptEventFields.contains($0.key) }
            kept["member_id"] = .string(memberId)
            return scrub(.object(kept), memberId: memberId, literal: literal)
        default:
            return scrub(value, memberId: memberId, literal: literal)
        }
    }

    private static func scrub(_ value: JSONValue, memberId: String, literal: [String]) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(literal.reduce(text) { $0.replacingOccurrences(of: $1, with: "[erased]") })
        case .array(let items):
            return .array(items.map { scrub($0, memberId: memberId, literal: literal) })
        case .object(var fields):
            if fields["external_id"] != nil || fields["email"] != nil {
                for key in personalKeys where fields[key] != nil { fields[key] = .null }
                if fields["external_id"] != nil { fields["external_id"] = .string(MemberDataTables.erasedExternalId(memberId)) }
                if fields["attributes"] != nil { fields["attributes"] = .object([:]) }
            }
            return .object(fields.mapValues { scrub($0, memberId: memberId, literal: literal) })
        case .null, .bool, .number:
            return value
        }
    }

    /// JSON text redacted as `redact`; text that is not JSON has the literal values replaced.
    static func redact(text: String, kind: Kind, memberId: String, values: [String]) -> String {
        guard let value = try? JSONText.decode(JSONValue.self, text),
              let redacted = try? JSONText.encode(redact(value, kind: kind, memberId: memberId, values: values)) else {
            return values.filter { $0.count >= 3 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "[erased]") }
        }
        return redacted
    }

    /// The personal values of `member` that stored text may quote.
    static func values(of member: MemberRecord) -> [String] {
        var values = [member.email, member.name, member.externalId].compactMap { $0 }
        if case .string(let phone)? = member.attributes["phone"] { values.append(phone) }
        return values.filter { !$0.isEmpty }
    }
}
