import Foundation
import LaurelCore

/// A member's data rights (GDPR): everything kept about them (access), their erasure, and the
/// consents they gave or withdrew.
public protocol MemberDataStore: Sendable {
    /// Every row kept about the member, table by table (`MemberDataTables.exported`); nil when the
    /// program has no such member.
    func memberData(programId: String, memberId: String) async throws -> MemberData?

    /// Removes the member's personal data and keeps their points (`MemberDataTables` says what each
    /// table loses): the profile's identity, sessions and sign-in codes, event payload fields
    /// beyond what the ledger explains, personal fields of the messages and stored answers about
    /// them. The member's id, ledger, lots, tier and play records stay, so balances and audits hold.
    /// Recorded in the audit trail (`member.erased`) with `AuditActor.current` and `reason`.
    /// Erasing an erased member changes nothing and answers the first erasure (`alreadyErased`).
    func eraseMember(programId: String, memberId: String, reason: String, now: Date,
                     idempotency: Idempotency<MemberErasure>?) async throws -> Idempotent<MemberErasure>

    /// The member's consent changes, oldest first (the current state is the last change of each name).
    func consentHistory(programId: String, memberId: String) async throws -> [ConsentChange]

    /// The names of the consents the member has granted now (the last change of each name grants it).
    func grantedConsents(programId: String, memberId: String) async throws -> Set<String>

    /// Sets consents (`granted` true or false by name); a name whose state does not change writes
    /// nothing. Answers the whole history after the change. At most `Consents.maxNames` names per member.
    func setConsents(programId: String, memberId: String, _ consents: [String: Bool], source: ConsentSource, now: Date,
                     idempotency: Idempotency<[ConsentChange]>?) async throws -> Idempotent<[ConsentChange]>
}

/// Everything kept about one member: their profile and, per table, their rows as stored (JSON
/// text columns parsed), in `MemberDataTables.exported` order.
public struct MemberData: Sendable {
    public var member: MemberRecord
    public var tables: [(name: String, rows: [JSONValue])]
}

/// What an erasure did (or, for an erased member, did the first time).
public struct MemberErasure: Hashable, Sendable {
    public var memberId: String
    public var erasedAt: Date
    /// True when the member had already been erased: nothing changed.
    public var alreadyErased: Bool
}

/// Where a consent change came from.
public enum ConsentSource: String, Sendable, CaseIterable, Codable {
    case api, portal, `import`
}

/// One grant or withdrawal of a consent.
public struct ConsentChange: Hashable, Sendable {
    public var name: String
    public var granted: Bool
    public var source: ConsentSource
    public var at: Date

    public init(name: String, granted: Bool, source: ConsentSource, at: Date) {
        self.name = name
        self.granted = granted
        self.source = source
        self.at = at
    }
}

/// Consent names and the current state a history adds up to.
public enum Consents {
    /// SQL holding for a row `c` of `member_consents` that is its member's last change of that
    /// consent and grants it: the consent is granted now. The same text on both backends.
    static let grantedNow = "c.granted = TRUE AND c.seq = (SELECT MAX(d.seq) FROM member_consents d WHERE d.member_id = c.member_id AND d.name = c.name)"

    /// Distinct consent names one member may hold (a bound on rows per member).
    public static let maxNames = 20

    /// A consent's current state: granted or not, when it was last granted and last withdrawn, by what.
    public struct State: Hashable, Sendable {
        public var name: String
        public var granted: Bool
        public var grantedAt: Date?
        public var withdrawnAt: Date?
        public var source: ConsentSource
        public var updatedAt: Date
    }

    /// The state of each consent named in `history` (oldest first), by name.
    public static func current(_ history: [ConsentChange]) -> [State] {
        var states: [String: State] = [:]
        for change in history {
            var state = states[change.name] ?? State(name: change.name, granted: false, grantedAt: nil, withdrawnAt: nil,
                                                     source: change.source, updatedAt: change.at)
            state.granted = change.granted
            if change.granted { state.grantedAt = change.at } else { state.withdrawnAt = change.at }
            state.source = change.source
            state.updatedAt = change.at
            states[change.name] = state
        }
        return states.values.sorted { $0.name < $1.name }
    }

    /// The changes `wanted` makes to `history`: one per name whose state differs or that was never
    /// given (a first refusal is kept too). Throws `tooManyConsents` past `maxNames` names.
    static func changes(_ wanted: [String: Bool], to history: [ConsentChange], source: ConsentSource, at: Date) throws -> [ConsentChange] {
        let current = Dictionary(current(history).map { ($0.name, $0.granted) }, uniquingKeysWith: { $1 })
        let names = Set(current.keys).union(wanted.keys)
        guard names.count <= maxNames else { throw StoreError.tooManyConsents(maxNames) }
        return wanted.keys.sorted().compactMap { name in
            let granted = wanted[name] ?? false
            return current[name] == granted ? nil : ConsentChange(name: name, granted: granted, source: source, at: at)
        }
    }
}
