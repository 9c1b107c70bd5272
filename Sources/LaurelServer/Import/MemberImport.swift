import Foundation
import LaurelCore
import LaurelStore

/// A members file of `laurel import members`: each row a `POST /v1/members` body, plus what the
/// system the members come from knew of them: the opening balance (`opening_balance` with
/// `opening_expires_at`, or `opening_balances`, a list of `{points, expires_at}`, in JSON Lines)
/// and, for `laurel import reconcile`, the balance, pending points and tier it stated
/// (`expected_balance`, `expected_pending`, `expected_tier`), and the consents it recorded
/// (`consents` by name, `consented_at` when).
public enum MemberImport {
    /// What the source system stated of a member, checked by `laurel import reconcile`.
    public struct Expectation: Sendable, Equatable {
        public var externalId: String
        public var balance: Int?
        public var pending: Int?
        public var tier: String?
        public var isEmpty: Bool { balance == nil && pending == nil && tier == nil }
    }

    private struct Extras: Decodable {
        struct Lot: Decodable {
            var points: Int
            var expiresAt: String?
            enum CodingKeys: String, CodingKey { case points, expiresAt = "expires_at" }
        }
        var openingBalance: Int?
        var openingExpiresAt: String?
        var openingBalances: [Lot]?
        var expectedBalance: Int?
        var expectedPending: Int?
        var expectedTier: String?
        var consents: [String: JSONValue]?
        var consentedAt: String?
        enum CodingKeys: String, CodingKey {
            case openingBalance = "opening_balance", openingExpiresAt = "opening_expires_at", openingBalances = "opening_balances"
            case expectedBalance = "expected_balance", expectedPending = "expected_pending", expectedTier = "expected_tier"
            case consents, consentedAt = "consented_at"
        }
    }

    /// Most opening lots one member may bring.
    static let maxOpeningLots = 100

    /// Reads one row into the member to create (a new id unless the row is exported with one, created
    /// `now`) and what the source stated.
    public static func parse(_ json: String, programId: String, now: Date) throws -> (member: ImportedMember, expectation: Expectation) {
        let raw = Data(json.utf8)
        if NULCharacter.isIn(raw) { throw NULCharacter.problem }
        let (data, kept) = ExportedId.split(raw, prefix: "mem")
        let body = try APIJSON.decode(CreateMemberBody.self, from: data)
        try body.validate()
        guard body.referralCode == nil else { throw Problem.invalid("referral_code", "an import does not take referral codes") }
        let extras = try APIJSON.decode(Extras.self, from: data)
        var lots: [ImportedMember.OpeningLot] = []
        if let points = extras.openingBalance {
            guard extras.openingBalances == nil else {
                throw Problem.invalid("opening_balances", "give opening_balance (with opening_expires_at) or opening_balances, not both")
            }
            lots.append(try lot(points, extras.openingExpiresAt, field: "opening_balance", expiryField: "opening_expires_at", now: now))
        } else if extras.openingExpiresAt != nil {
            throw Problem.invalid("opening_expires_at", "opening_expires_at needs an opening_balance")
        }
        if let list = extras.openingBalances {
            guard list.count <= maxOpeningLots else { throw Problem.invalid("opening_balances", "at most \(maxOpeningLots) opening lots") }
            for (index, item) in list.enumerated() {
                lots.append(try lot(item.points, item.expiresAt, field: "opening_balances[\(index)].points",
                                    expiryField: "opening_balances[\(index)].expires_at", now: now))
            }
        }
        for (field, value) in [("expected_balance", extras.expectedBalance), ("expected_pending", extras.expectedPending)] {
            if let value, value.magnitude > Bounds.maxTotal.magnitude { throw Problem.invalid(field, "\(field) is out of range") }
        }
        let consents = try consentChanges(extras.consents, at: extras.consentedAt, now: now)
        let member = MemberRecord(id: kept ?? Identifiers.make("mem", now: now), programId: programId, externalId: body.externalId, email: body.email,
                                  name: body.name, birthday: body.birthday, attributes: body.attributes ?? [:], status: body.status ?? .active,
                                  createdAt: now, updatedAt: now)
        return (ImportedMember(member: member, opening: lots, consents: consents),
                Expectation(externalId: body.externalId, balance: extras.expectedBalance, pending: extras.expectedPending, tier: extras.expectedTier))
    }

    /// The consents a row states (`{"marketing": true}`; in CSV `consent.marketing` cells of `true` or
    /// `false`), as given at `consented_at` (default: now), which may not be in the future.
    private static func consentChanges(_ consents: [String: JSONValue]?, at text: String?, now: Date) throws -> [ConsentChange] {
        guard let consents, !consents.isEmpty else {
            if text != nil { throw Problem.invalid("consented_at", "consented_at needs consents") }
            return []
        }
        guard consents.count <= Consents.maxNames else { throw Problem.invalid("consents", "at most \(Consents.maxNames) consents per member") }
        var at = now
        if let text {
            guard let date = Timestamps.parse(text) else {
                throw Problem.invalid("consented_at", "consented_at must be an RFC 3339 timestamp such as 2025-06-01T10:00:00Z")
            }
            guard date <= now else { throw Problem.invalid("consented_at", "consented_at is in the future") }
            at = date
        }
        return try consents.keys.sorted().map { name in
            guard ConsentName.isValid(name) else {
                throw Problem.invalid("consents.\(name)", "a consent name is 1 to 40 lowercase letters, digits or _, starting with a letter")
            }
            let granted: Bool
            switch consents[name] {
            case .bool(let value)?: granted = value
            case .string("true")?: granted = true
            case .string("false")?: granted = false
            default: throw Problem.invalid("consents.\(name)", "consents.\(name) must be true or false")
            }
            return ConsentChange(name: name, granted: granted, source: .import, at: at)
        }
    }

    private static func lot(_ points: Int, _ expiresAt: String?, field: String, expiryField: String, now: Date) throws -> ImportedMember.OpeningLot {
        guard points > 0, points <= Bounds.maxPointsPerEvent else {
            throw Problem.invalid(field, "\(field) must be a whole number of points greater than 0 and within range")
        }
        guard let expiresAt else { return ImportedMember.OpeningLot(points: points, expiresAt: nil) }
        guard let date = Timestamps.parse(expiresAt) else {
            throw Problem.invalid(expiryField, "\(expiryField) must be an RFC 3339 timestamp such as 2027-03-31T23:59:59Z")
        }
        guard date > now else { throw Problem.invalid(expiryField, "\(expiryField) is past: those points have already expired") }
        return ImportedMember.OpeningLot(points: points, expiresAt: date)
    }
}
